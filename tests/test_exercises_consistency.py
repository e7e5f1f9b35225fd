"""The assignments: committed student versions up to date, and notebooks built the way grading needs.

The solution notebooks themselves run under ``pytest --nbval-lax`` (hidden tests included),
wired into the default test run through ``[tool.pytest.ini_options]``.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from _grading_fixtures import ASSIGNMENTS

ROOT = Path(__file__).resolve().parent.parent


def _normalized(path):
    """A notebook's JSON without what legitimately varies between two generations."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    nb.get("metadata", {}).pop("language_info", None)
    return nb


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    """exercises/ generated again from solutions/ by nbgrader, in a scratch course folder."""
    course = tmp_path_factory.mktemp("release")
    shutil.copyfile(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    shutil.copytree(ROOT / "solutions", course / "solutions")
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    for assignment in ASSIGNMENTS:
        result = subprocess.run(
            [sys.executable, "-m", "nbgrader", "generate_assignment", assignment, "--force",
             "--log-level=WARN"], cwd=course, env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
    return course / "exercises"


@pytest.mark.parametrize("assignment", list(ASSIGNMENTS))
def test_committed_exercises_match_a_fresh_release(regenerated, assignment):
    """Is exercises/<assignment> exactly what nbgrader generates from solutions/ today?"""
    committed = sorted(p.name for p in (ROOT / "exercises" / assignment).iterdir())
    fresh = sorted(p.name for p in (regenerated / assignment).iterdir())
    assert committed == fresh
    for name in fresh:
        assert _normalized(ROOT / "exercises" / assignment / name) == \
            _normalized(regenerated / assignment / name), (
            f"exercises/{assignment}/{name} is out of date: run "
            "`bash scripts/release_assignments.sh` and commit exercises/")


def test_every_assignment_has_one_folder_per_id():
    """Are solutions/ and exercises/ exactly the assignments of ASSIGNMENTS, one notebook each?"""
    for folder in ("solutions", "exercises"):
        assert sorted(p.name for p in (ROOT / folder).iterdir() if p.is_dir()) == sorted(ASSIGNMENTS)
    for assignment, name in ASSIGNMENTS.items():
        assert [p.name for p in (ROOT / "solutions" / assignment).glob("*.ipynb")] == [f"{name}.ipynb"]


def _cells(assignment, folder="solutions"):
    nb = nbformat.read(ROOT / folder / assignment / f"{ASSIGNMENTS[assignment]}.ipynb", 4)
    return nb, [(c, c.metadata.get("nbgrader", {})) for c in nb.cells]


@pytest.mark.parametrize("assignment", list(ASSIGNMENTS))
def test_source_notebook_is_built_for_trustworthy_grading(assignment):
    """Does each instructor notebook have what the grader relies on?

    A read-only setup cell first, locked test cells with points, each graded test cell known to
    the grader's checks (grading.checks: its visible cells call check(...) with those names, its
    hidden cells are only a comment, so no hidden test enters the notebook), a written answer
    graded by hand, no stored outputs, the embedded mini subset only.
    """
    from grading.checks import for_assignment

    nb, cells = _cells(assignment)
    assert nb.metadata.kernelspec.name == "python3"
    code = [(c, m) for c, m in cells if c.cell_type == "code"]
    first, meta = code[0]
    assert meta.get("locked") and not meta.get("solution"), "the first code cell is the locked setup"
    assert "import numpy as np" in first.source and "mnistlib.load_mnist(subset=\"mini\")" in first.source
    tests = [(c, m) for c, m in cells if m.get("grade") and not m.get("solution")]
    assert all(m.get("locked") and m.get("points", 0) > 0 for _, m in tests)
    checks = for_assignment(assignment)
    assert {m["grade_id"] for _, m in tests} == set(checks.CELLS), \
        "every graded test cell, and only those, has its checks in grading.checks"
    hidden, visible = [], []
    for c, m in tests:
        assert "BEGIN HIDDEN TESTS" not in c.source, "hidden tests live in grading.checks only"
        names = checks.CELLS[m["grade_id"]]
        called = [n for n in names if f'check("{n}"' in c.source]
        lines = [line for line in c.source.splitlines() if line.strip()]
        if called:
            visible.append(c)
            assert lines[0].startswith("# "), "a comment says what the visible checks check"
        else:
            hidden.append(c)
            assert lines and all(line.startswith("#") for line in lines), \
                f"{m['grade_id']}: a hidden test cell is only a comment saying what runs there"
    assert hidden and visible
    answers = [c for c, m in cells if m.get("solution") and c.cell_type == "code"]
    assert answers and all("### BEGIN SOLUTION" in c.source for c in answers)
    written = [m for c, m in cells if m.get("solution") and m.get("grade") and c.cell_type == "markdown"]
    assert len(written) == 1 and written[0]["points"] >= 2
    assert all(not c.get("outputs") and c.get("execution_count") is None for c, _ in code)
    assert 'subset="full"' not in json.dumps(nb) and "MNISTLIB_DATA" not in json.dumps(nb)
    ids = [m["grade_id"] for _, m in cells if m]
    assert len(ids) == len(set(ids)), "grade ids are unique"


@pytest.mark.parametrize("assignment", list(ASSIGNMENTS))
def test_student_version_gives_nothing_away(assignment):
    """Does the released notebook contain no solution code and no hidden test?"""
    nb, cells = _cells(assignment, "exercises")
    text = json.dumps(nb)
    assert "BEGIN HIDDEN TESTS" not in text and "BEGIN SOLUTION" not in text
    _, source_cells = _cells(assignment)
    for (cell, meta), (released, _) in zip(source_cells, cells):
        if meta.get("solution") and cell.cell_type == "code":
            body = cell.source.split("### BEGIN SOLUTION", 1)[1].split("### END SOLUTION")[0]
            solution_lines = [l.strip() for l in body.splitlines() if len(l.strip()) > 12]
            released_lines = {l.strip() for l in released.source.splitlines()}
            assert solution_lines and not set(solution_lines) & released_lines
            assert "raise NotImplementedError()" in released.source
