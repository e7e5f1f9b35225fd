"""The course folder, nbgrader runs on it, and the assignment's release (driver side)."""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

import nbformat

import mnistlib

from .checks import for_assignment
from .feedback import hidden_lines


class GradingError(RuntimeError):
    """The class run cannot start (configuration, assignment, jail); says what to do."""


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
    return nbgrader_config(course.config, course.root, assignment, **course_dir)


def nbgrader_config(base, root, assignment, **course_dir):
    """nbgrader configuration for one step: the course's, plus the grader's overrides."""
    from traitlets.config import Config

    from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, GetGrades,
                                        IgnorePattern, LimitOutput, SaveAutoGrades)

    from .executor import VerdictExecute
    from .feedback import ScrubHiddenTests

    cfg = Config()
    cfg.merge(base)
    cfg.CourseDirectory.root = str(root)
    cfg.CourseDirectory.assignment_id = assignment
    for key, value in course_dir.items():
        setattr(cfg.CourseDirectory, key, value)
    cfg.Autograde.autograde_preprocessors = [
        VerdictExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades,
        AssignLatePenalties, CheckCellMetadata]
    cfg.Autograde.create_student = True
    cfg.OverwriteCells.add_missing_cells = True
    cfg.GenerateFeedback.preprocessors = [GetGrades, ScrubHiddenTests, CSSHTMLHeaderPreprocessor]
    return cfg


def _run(converter_class, cfg, course=None, force=True):
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


def assignment_checks(course, assignment):
    """The checks module of ``assignment`` (:mod:`grading.checks`), before anything is graded.

    Raises
    ------
    GradingError
        No such assignment in the course, or no checks module for it: it cannot be graded
        (the message says what to write).
    """
    if not (course.source / assignment).is_dir():
        known = ", ".join(course.assignments()) or "none"
        raise GradingError(f"no assignment {assignment!r} in {course.source} "
                           f"(assignments: {known})")
    try:
        return for_assignment(assignment)
    except KeyError as exc:
        raise GradingError(exc.args[0]) from None


def prepare_assignment(course, assignment, workspace, **course_dir):
    """Record the assignment in the gradebook and build its released notebooks.

    ``nbgrader generate_assignment`` writes into a private folder, so the committed
    ``exercises/`` stay as they are. Returns ``{notebook name: released NotebookNode}`` and the
    lines of the hidden checks to keep out of feedback.

    Raises
    ------
    GradingError
        See :func:`assignment_checks`, or nbgrader could not release it.
    """
    from nbgrader.converters import GenerateAssignment

    source = course.source / assignment
    checks = assignment_checks(course, assignment)
    release_dir = Path(workspace) / "release"
    cfg = _config(course, assignment, release_directory=str(release_dir), **course_dir)
    ok, log = _run(GenerateAssignment, cfg, course)
    if not ok:
        raise GradingError(f"nbgrader generate_assignment failed for {assignment}:\n{log}")
    released = {p.stem: nbformat.read(p, as_version=4)
                for p in sorted((release_dir / assignment).glob("*.ipynb"))}
    if not released:
        raise GradingError(f"assignment {assignment!r} has no notebook in {source}")
    # What students see or may write anyway is no secret: the notebooks (released and
    # solved) and mnistlib, visible checks included.
    visible = [c.source for nb in released.values() for c in nb.cells]
    visible += [c.source for path in sorted(source.glob("*.ipynb"))
                for c in nbformat.read(path, as_version=4).cells]
    visible += [p.read_text(encoding="utf-8")
                for p in sorted(Path(mnistlib.__file__).parent.rglob("*.py"))]
    secrets = hidden_lines(Path(checks.__file__).read_text(encoding="utf-8"), visible)
    return released, secrets


def ensure_path():
    """nbgrader runs ``alembic`` from the environment's bin/: put it on PATH."""
    bin_dir = os.path.dirname(sys.executable)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


def last_error(log):
    """The line of an nbgrader log that names what went wrong (never its "Please see the above
    traceback", which the CSV's reader cannot see)."""
    lines = [l for l in log.strip().splitlines()
             if l.strip() and "see the above traceback" not in l.lower()]
    errors = [l for l in lines if "Error" in l or "error" in l]
    return (errors or lines or ["no message"])[-1][:300]


