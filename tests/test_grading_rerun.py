"""Re-grading: manual grades survive, and a failed re-grade never leaves an old score standing."""


import pytest

import _grading_fixtures as fx
from grading.__main__ import main
from grading.autograde_class import CSV_COLUMNS, autograde_class

ASSIGNMENT = "01_softmax"



def _manual_grade(course, student, points, comment):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "mnist-softmax") as gb:
        grade = gb.find_grade("answer_mean_vs_sum", "softmax", ASSIGNMENT, student)
        grade.manual_score = points
        remark = gb.find_comment("answer_mean_vs_sum", "softmax", ASSIGNMENT, student)
        remark.manual_comment = comment
        gb.db.commit()


def _gradebook_state(course, student):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "mnist-softmax") as gb:
        grade = gb.find_grade("answer_mean_vs_sum", "softmax", ASSIGNMENT, student)
        remark = gb.find_comment("answer_mean_vs_sum", "softmax", ASSIGNMENT, student)
        autos = [g.auto_score for nb in gb.find_submission(ASSIGNMENT, student).notebooks
                 for g in nb.grades if g.cell.cell_type == "code"]
        return grade.manual_score, remark.manual_comment, autos


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    fx.require_sandbox()
    course = fx.make_course(tmp_path_factory.mktemp("rerun"), [ASSIGNMENT])
    fx.write(fx.answered(ASSIGNMENT), course / "submitted" / "ada" / ASSIGNMENT, "softmax")
    fx.write(fx.answered(ASSIGNMENT), course / "submitted" / "bo" / ASSIGNMENT, "softmax")
    autograde_class(ASSIGNMENT, course_dir=course, log=lambda message: None)
    _manual_grade(course, "ada", 2.0, "Clear and complete.")
    return course


def test_rerun_keeps_manual_grades_and_comments(course):
    """After a manual grade and a second autograde run, are the grade and comment still there?"""
    results, csv_path = autograde_class(ASSIGNMENT, course_dir=course, log=lambda message: None)
    rows = fx.read_csv(csv_path)
    assert rows["ada"]["status"] == "graded"
    assert float(rows["ada"]["score"]) == 12.0, "10 test points + 2 manual points"
    manual, comment, autos = _gradebook_state(course, "ada")
    assert (manual, comment) == (2.0, "Clear and complete.")
    assert sum(autos) == 10.0


def test_failed_regrade_blanks_the_old_score_but_keeps_manual_work(course, capsys):
    """When a re-submission cannot be graded, is the old score gone everywhere it could be read?"""
    broken = course / "submitted" / "ada" / ASSIGNMENT / "softmax.ipynb"
    broken.write_bytes(broken.read_bytes()[:500])  # truncated upload
    assert main(["autograde", ASSIGNMENT, "--course-dir", str(course)]) == 0
    summary = capsys.readouterr().out
    assert "1 graded, 1 failed" in summary and "FAILED ada" in summary

    rows = fx.read_csv(course / "autograded" / f"{ASSIGNMENT}-grades.csv")
    assert rows["ada"]["status"] == "failed"
    assert rows["ada"]["score"] == "" and "not valid JSON" in rows["ada"]["reason"]
    assert rows["bo"]["status"] == "graded" and float(rows["bo"]["score"]) == 10.0
    manual, comment, autos = _gradebook_state(course, "ada")
    assert all(a is None for a in autos), "no autograder score from the previous run survives"
    assert (manual, comment) == (2.0, "Clear and complete.")
    assert not (course / "autograded" / "ada" / ASSIGNMENT).exists()
    assert not (course / "feedback" / "ada" / ASSIGNMENT).exists()

    # The export command rewrites the same CSV from the gradebook and the recorded statuses.
    assert main(["export", ASSIGNMENT, "--course-dir", str(course)]) == 0
    assert fx.read_csv(course / "autograded" / f"{ASSIGNMENT}-grades.csv")["ada"]["score"] == ""


def test_nbgrader_export_plugin_keeps_status_and_reason(course, tmp_path):
    """Does `nbgrader export --exporter grading.export.StatusExporter` write the status CSV,
    with the failed re-grade's blank score and reason (nbgrader's own exporter says 0.0)?"""
    import os
    import subprocess
    import sys

    out = tmp_path / "export.csv"
    env = dict(os.environ, PYTHONPATH=str(fx.PROJECT),
               PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    done = subprocess.run([sys.executable, "-m", "nbgrader", "export", "--exporter",
                           "grading.export.StatusExporter", "--to", str(out)],
                          cwd=course, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = fx.read_csv(out)
    assert rows["ada"]["status"] == "failed" and rows["ada"]["score"] == ""
    assert "not valid JSON" in rows["ada"]["reason"]
    assert rows["bo"]["status"] == "graded" and float(rows["bo"]["score"]) == 10.0
    with open(out, encoding="utf-8") as f:
        assert f.readline().strip().split(",") == CSV_COLUMNS


def test_fixing_the_submission_restores_the_grade(course):
    """Does a good re-upload after a failure get its full score back, manual grade included?"""
    fx.write(fx.answered(ASSIGNMENT), course / "submitted" / "ada" / ASSIGNMENT, "softmax")
    results, csv_path = autograde_class(ASSIGNMENT, course_dir=course, students=["ada"],
                                        log=lambda message: None)
    row = fx.read_csv(csv_path)["ada"]
    assert row["status"] == "graded" and float(row["score"]) == 12.0


def test_unknown_assignment_and_missing_folder_explain_what_to_do(course, capsys):
    """Do command-line mistakes end with exit code 2 and a message that says what to do?"""
    assert main(["autograde", "99_nothing", "--course-dir", str(course)]) == 2
    assert "no assignment '99_nothing'" in capsys.readouterr().err
    assert main(["autograde", ASSIGNMENT, "--course-dir", str(course / "nowhere")]) == 2
    assert "nbgrader_config.py" in capsys.readouterr().err


def test_wall_limit_stops_a_slow_submission_and_grades_what_ran(course):
    """Is a submission that exceeds the per-submission wall limit stopped, with the cells that
    ran graded and the rest scored 0 with the reason?"""
    slow = fx.answered(ASSIGNMENT, cross_entropy=fx.answer_cell(
        fx.answered(ASSIGNMENT), "cross_entropy").source + "\nimport time\ntime.sleep(120)")
    fx.write(slow, course / "submitted" / "slow" / ASSIGNMENT, "softmax")
    # 20 s: room for the kernel's start and the softmax tests on a busy machine (a 4 s limit
    # was sometimes reached before they ran); far below the 120 s the answer sleeps.
    results, csv_path = autograde_class(ASSIGNMENT, course_dir=course, students=["slow"],
                                        cell_timeout=300, wall_limit=20, log=lambda message: None)
    row = fx.read_csv(csv_path)["slow"]
    assert row["status"] == "graded"
    assert "time limit" in row["reason"]
    score, top = fx.autograded_score(course, ASSIGNMENT, "slow")
    assert score == 3.0, "only the softmax tests ran before the limit"
    assert results[0].seconds < 120
