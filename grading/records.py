"""What the driver writes: the status file, the gradebook, the autograded files, the CSV."""

from __future__ import annotations

import csv
import json
import os
import shutil
import warnings
from pathlib import Path

CSV_COLUMNS = ["student_id", "assignment", "status", "score", "max_score", "needs_manual_grade",
               "review", "reason", "graded_at"]


def load_status(course, assignment):
    path = course.status_file(assignment)
    return json.loads(path.read_text()) if path.is_file() else {}


def save_status(course, assignment, status):
    path = course.status_file(assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(status, indent=1, sort_keys=True))
    os.replace(tmp, path)


def _gradebook(course):
    from nbgrader.api import Gradebook

    return Gradebook(course.db_url, course.course_id)


def invalidate_scores(course, assignment, student_id):
    """After a failed (re-)grade: blank the autograder's scores, keep manual grades.

    Also removes the student's autograded notebook and feedback for the assignment, which
    belong to the previous run.
    """
    from nbgrader.api import MissingEntry

    with _gradebook(course) as gb:
        try:
            submission = gb.find_submission(assignment, student_id)
        except MissingEntry:
            submission = None
        if submission is not None:
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    if grade.auto_score is not None:
                        grade.auto_score = None
                        grade.needs_manual_grade = True
            gb.db.commit()
    for folder in (course.autograded, course.feedback):
        target = folder / student_id / assignment
        if target.exists():
            shutil.rmtree(target)


def gradebook_scores(course, assignment, student_id):
    """(score, max score, needs manual grade) from the gradebook, or Nones."""
    from nbgrader.api import MissingEntry

    with _gradebook(course) as gb:
        try:
            sub = gb.find_submission(assignment, student_id)
        except MissingEntry:
            return None, None, None
        return float(sub.score), float(sub.max_score), bool(sub.needs_manual_grade)


def csv_rows(course, assignment, status, students=None):
    """One row per student (``CSV_COLUMNS``): the gradebook's score where the status is graded,
    blank otherwise."""
    rows = []
    for student_id in sorted(status):
        if students and student_id not in students:
            continue
        entry = status[student_id]
        row = {"student_id": student_id, "assignment": assignment, "status": entry["status"],
               "review": entry.get("review", ""), "reason": entry.get("reason", ""),
               "graded_at": entry.get("graded_at", "")}
        if entry["status"] == "graded":
            score, max_score, manual = gradebook_scores(course, assignment, student_id)
            row.update(score=_fmt(score), max_score=_fmt(max_score),
                       needs_manual_grade="yes" if manual else "no")
        else:
            row.update(score="", max_score="", needs_manual_grade="")
        rows.append(row)
    return rows


def write_rows(path, rows):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_csv(course, assignment, status, path=None):
    """The assignment's grades CSV (default ``autograded/<assignment>-grades.csv``)."""
    return write_rows(Path(path) if path else course.csv_file(assignment),
                      csv_rows(course, assignment, status))


def _fmt(value):
    return "" if value is None else f"{value:g}"




def record_graded(course, assignment, result):
    """Write a graded :class:`grading.task.Result` into the course: the gradebook's automatic
    scores and comments (manual grades and comments are kept), the autograded notebooks and
    the feedback pages (replacing the previous run's)."""
    import datetime as dt

    from nbgrader.api import MissingEntry

    with _gradebook(course) as gb:
        gb.update_or_create_student(result.student_id)
        try:
            gb.find_submission(assignment, result.student_id)
        except MissingEntry:
            with warnings.catch_warnings():
                # nbgrader's own session handling warns on every new submission; harmless.
                warnings.filterwarnings("ignore", message=".*not in session.*")
                gb.add_submission(assignment, result.student_id)
        submission = gb.find_submission(assignment, result.student_id)
        if result.timestamp:
            submission.timestamp = dt.datetime.fromisoformat(result.timestamp)
        for cell in result.cells:
            grade = gb.find_grade(cell["grade_id"], cell["notebook"], assignment, result.student_id)
            grade.auto_score = cell["auto_score"]
            grade.needs_manual_grade = cell["needs_manual_grade"]
        for cell in result.comments:
            comment = gb.find_comment(cell["grade_id"], cell["notebook"], assignment,
                                      result.student_id)
            comment.auto_comment = cell["auto_comment"]
        for notebook in submission.notebooks:
            notebook.late_submission_penalty = result.penalties.get(notebook.name)
        gb.db.commit()
    for folder, files in ((course.autograded, result.autograded), (course.feedback, result.feedback)):
        target = folder / result.student_id / assignment
        if target.exists():
            shutil.rmtree(target)
        if files:
            target.mkdir(parents=True)
            for name, data in files.items():
                (target / name).write_bytes(data)
