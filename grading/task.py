"""Grading one submission as a pure task: :func:`grade_one` (:class:`Task`) -> :class:`Result`.

A task carries everything it needs as plain data (the course's nbgrader configuration, a
gradebook that knows only the assignment, the released notebooks, the submission's files, the
hidden checks' lines to keep out of feedback, the settings), so it runs the same in this
process, in a worker process (``--jobs``) or on a Dask worker on another machine
(``--scheduler``). It works in a private temporary course folder and returns the autograded
notebooks, the scores per cell, the feedback pages, the notes and the status; it never touches
the real course: only the driver (:mod:`grading.autograde_class`) writes the gradebook and the
CSV, from results.

Steps, for one submission:

1. read the submitted notebook without running it (:mod:`grading.repair`): an empty,
   truncated, non-JSON or unknown-format file is *failed* with the reason; everything else is
   rebuilt around the released notebook, with every change noted;
2. scan the student's code for constructs a solution never needs (:mod:`grading.scan`);
3. run nbgrader's autograde, whose Execute step is :class:`grading.executor.VerdictExecute`:
   no test cell runs in the student's kernel; the jailed kernel runs the other cells and
   computes the graded functions on the inputs of the assignment's checks
   (:mod:`grading.checks`; an assignment without them is refused), the verdicts are taken in
   this process (:mod:`grading.verdict`), under the per-cell timeout and the wall limit left,
   and written into the gradebook (:func:`grading.verdict.write_grades`) before the scores are
   read back;
4. write feedback HTML without hidden tests (:mod:`grading.feedback`), and check it for lines of
   the hidden checks (other than those the student's own code contains).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import signal
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .checks import ASSIGNMENTS as WITH_CHECKS, missing
from .course import _run, last_error, nbgrader_config
from .feedback import leaked_lines
from .repair import Ungradable, read_submission, rebuild
from .scan import scan

#: The student's id inside a task's private course (never a pattern, never hidden).
INTERNAL_ID = "student"


@dataclass
class Task:
    """Everything needed to grade one submission (plain, picklable data)."""

    student_id: str
    assignment: str
    config: object  # the course's nbgrader Config
    template_db: bytes  # a gradebook holding the assignment and no student
    released: dict  # notebook name -> released notebook (JSON text)
    files: dict  # file name -> bytes: the submitted notebooks and timestamp.txt
    secrets: list  # lines of the hidden checks that must not appear in feedback
    settings: dict  # grading.settings.Grading.as_dict()
    jail: dict  # keyword arguments of grading.sandbox.Sandbox
    notes: list = field(default_factory=list)  # what the driver noticed while collecting


@dataclass
class Result:
    """Outcome of one submission."""

    student_id: str
    status: str = "failed"  # "graded" or "failed"
    reason: str = ""
    review: str = ""
    notes: list = field(default_factory=list)
    score: float | None = None
    max_score: float | None = None
    needs_manual_grade: bool | None = None
    cells: list = field(default_factory=list)  # {notebook, grade_id, auto_score, max_score, ...}
    comments: list = field(default_factory=list)  # {notebook, grade_id, auto_comment}
    penalties: dict = field(default_factory=dict)  # notebook -> late submission penalty
    timestamp: str = ""
    autograded: dict = field(default_factory=dict)  # file name -> bytes
    feedback: dict = field(default_factory=dict)  # file name -> bytes (HTML)
    seconds: float = 0.0


#: Seconds past the wall limit before a task still running is stopped. The kernel's cells stop
#: at the limit itself (the executor); this catches nbgrader's own steps around them.
WALL_GRACE_S = 5


class WallLimit(BaseException):
    """The task ran past its wall limit (a BaseException, so no ``except Exception`` in
    nbgrader's code turns it into an ordinary failure)."""


@contextlib.contextmanager
def _hard_stop(seconds):
    """Raise :class:`WallLimit` in this thread after ``seconds``.

    SIGALRM, so only in a process's main thread: the driver (one worker) and ``--jobs``
    workers; a Dask worker grades in a thread, where the executor's own limit is all there is.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise WallLimit

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.01))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def grade_one(task):
    """Grade one submission; never raises for anything the submission does."""
    started = time.monotonic()
    wall_limit = task.settings["wall_limit"]
    deadline = time.time() + wall_limit  # covers everything below
    result = Result(task.student_id)
    work = Path(tempfile.mkdtemp(prefix="grading-task-"))
    work.chmod(0o700)
    try:
        with _hard_stop(wall_limit + WALL_GRACE_S):
            _grade(task, result, work, deadline)
    except WallLimit:
        result.status = "failed"
        result.reason = (f"grading took longer than the wall limit ({wall_limit} s) and was "
                         "stopped; grade it again alone with a larger --wall-limit")
    except Ungradable as exc:
        result.status, result.reason = "failed", str(exc)
    except Exception as exc:  # noqa: BLE001 - one student must not stop the class
        result.status = "failed"
        result.reason = f"internal error while grading ({type(exc).__name__}: {exc})"
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if result.status != "graded":
        result.score = result.max_score = result.needs_manual_grade = None
        result.cells, result.autograded, result.feedback = [], {}, {}
    result.seconds = time.monotonic() - started
    return result


def _stage(task, staged, incoming):
    """Rebuilt notebooks in ``staged``; returns (notes, findings, the student's own code)."""
    notes, findings, own = list(task.notes), [], []
    incoming.mkdir(parents=True)
    for name, data in task.files.items():
        (incoming / name).write_bytes(data)
    if "timestamp.txt" in task.files:
        shutil.copyfile(incoming / "timestamp.txt", staged / "timestamp.txt")
    submitted = sorted(incoming.glob("*.ipynb"))
    used = set()
    for name, text in task.released.items():
        release = nbformat.reads(text, as_version=4)
        path = incoming / f"{name}.ipynb"
        if not path.is_file():
            others = [p for p in submitted if p.stem not in task.released]
            if len(task.released) == 1 and len(others) == 1:
                path = others[0]
                notes.append(f"'{path.name}' graded as '{name}.ipynb'")
            else:
                raise Ungradable(f"no notebook '{name}.ipynb' in the submission "
                                 f"(found: {', '.join(p.name for p in submitted) or 'nothing'}):"
                                 f" ask the student to submit '{name}.ipynb'")
        used.add(path.name)
        notebook, read_notes = read_submission(path)
        rebuilt = rebuild(notebook, release)
        notes += read_notes + rebuilt.notes
        findings += scan(rebuilt.student_code)
        own += [source for _, source in rebuilt.student_code]
        nbformat.write(rebuilt.notebook, staged / f"{name}.ipynb")
    extra = [p.name for p in submitted if p.name not in used]
    if extra:
        expected = ", ".join(f"'{n}.ipynb'" for n in task.released)
        notes.append(f"not graded: {', '.join(repr(n) for n in extra)} (the assignment's "
                     f"notebook is {expected}; look at the other file by hand if it matters)")
    return notes, findings, "\n".join(own)


def _grade(task, result, work, deadline):
    from nbgrader.converters import Autograde, GenerateFeedback

    settings = task.settings
    if task.assignment not in WITH_CHECKS:
        raise Ungradable(missing(task.assignment))
    (work / "gradebook.db").write_bytes(task.template_db)
    # nbgrader treats student ids as glob patterns (``x[1]``, ``*``) and skips dotted ones:
    # the private course knows the student by a neutral id.
    staged = work / "submitted" / INTERNAL_ID / task.assignment
    staged.mkdir(parents=True)
    notes, findings, own_code = _stage(task, staged, work / "incoming")
    # A line the student wrote is theirs to see: only the others can have leaked.
    secrets = [s for s in task.secrets if s not in own_code]

    run_log = work / "run.jsonl"
    cfg = nbgrader_config(task.config, work, task.assignment, student_id=INTERNAL_ID,
                          submitted_directory=str(work / "submitted"),
                          autograded_directory=str(work / "autograded"),
                          feedback_directory=str(work / "feedback"),
                          db_url=f"sqlite:///{work / 'gradebook.db'}")
    execute = cfg.VerdictExecute
    execute.assignment = task.assignment
    execute.cell_timeout = float(settings["cell_timeout"])
    execute.jail = task.jail
    execute.deadline = deadline
    execute.run_log = str(run_log)
    execute.max_output_bytes = settings["max_output_bytes"]
    execute.max_total_output_bytes = settings["max_total_output_bytes"]
    ok, log = _run(Autograde, cfg)
    if not ok:
        raise Ungradable("nbgrader could not grade it (" + last_error(log) + "); look at "
                         "the notebook by hand")
    entries = [json.loads(line) for line in run_log.read_text().splitlines()] \
        if run_log.is_file() else []
    _write_verdicts(work, task, entries)
    for entry in entries:
        notes += entry["notes"]
    review = list(findings)

    if settings["feedback"] and time.time() > deadline:
        review.append(f"no feedback written: the submission used up its wall limit "
                      f"({settings['wall_limit']} s); grade it again alone with a larger "
                      "--wall-limit to write it")
    elif settings["feedback"]:
        cfg.ScrubHiddenTests.secret_lines = secrets
        ok, log = _run(GenerateFeedback, cfg)
        pages = {p.name: p.read_bytes()
                 for p in sorted((work / "feedback" / INTERNAL_ID / task.assignment).glob("*"))
                 if p.is_file()}
        if not ok:
            review.append("feedback could not be written: " + last_error(log))
            pages = {}
        for name, data in pages.items():
            leaks = leaked_lines(data.decode("utf-8", errors="replace"), secrets)
            if leaks:
                review.append(f"feedback withheld: it would have shown {len(leaks)} line(s) "
                              "of hidden tests")
                pages = {}
                break
        result.feedback = pages
    autograded = work / "autograded" / INTERNAL_ID / task.assignment
    result.autograded = {p.name: p.read_bytes() for p in sorted(autograded.glob("*"))
                         if p.is_file()}
    _read_scores(result, work, task.assignment, task.config.CourseDirectory.get("course_id", ""))
    result.status = "graded"
    result.notes = notes
    result.reason = "; ".join(notes)
    result.review = "; ".join(review)


def _write_verdicts(work, task, entries):
    """Write the verdicts of the run log into the private gradebook (each notebook's)."""
    from nbgrader.api import Gradebook

    from .verdict import report_from_plain, write_grades

    verdicts = [e["verdict"] for e in entries if e.get("verdict")]
    if len(verdicts) != len(task.released):
        raise Ungradable(f"the grader scored {len(verdicts)} of the {len(task.released)} "
                         "notebooks; look at the submission by hand")
    course_id = task.config.CourseDirectory.get("course_id", "")
    with Gradebook(f"sqlite:///{work / 'gradebook.db'}", course_id) as gb:
        for verdict in verdicts:
            write_grades(gb, task.assignment, INTERNAL_ID, verdict["notebook"],
                         report_from_plain(verdict))


def _read_scores(result, work, assignment, course_id):
    """Scores, comments, penalties and timestamp from the task's private gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{work / 'gradebook.db'}", course_id) as gb:
        submission = gb.find_submission(assignment, INTERNAL_ID)
        for notebook in submission.notebooks:
            result.penalties[notebook.name] = notebook.late_submission_penalty
            for grade in notebook.grades:
                result.cells.append({"notebook": notebook.name, "grade_id": grade.name,
                                     "auto_score": grade.auto_score,
                                     "max_score": grade.max_score,
                                     "needs_manual_grade": bool(grade.needs_manual_grade)})
            for comment in notebook.comments:
                result.comments.append({"notebook": notebook.name, "grade_id": comment.name,
                                        "auto_comment": comment.auto_comment})
        result.timestamp = submission.timestamp.isoformat() if submission.timestamp else ""
        result.score = float(submission.score)
        result.max_score = float(submission.max_score)
        result.needs_manual_grade = bool(submission.needs_manual_grade)
