"""The students' page's check before handing in: what does ``nbgrader validate`` tell a student?

book/students.md tells students to run ``nbgrader validate <notebook>``: a finished notebook gets
"Success! Your notebook passes all the tests.", a wrong answer the failing test cell with the
test's own message, an untouched one every answer still to write. Run as a student would: in a
folder of their own, with no course configuration.
"""

import re
import subprocess
from pathlib import Path

import pytest

from _mutants import MUTANTS, load_variant
import _grading_fixtures as fx

ROOT = Path(__file__).resolve().parents[1]
SUCCESS = "Success! Your notebook passes all the tests."
ASSIGNMENT = "01_softmax"
# A dW without its 1/N: the visible gradient test catches it, with a message naming the 1/N.
WRONG = MUTANTS / ASSIGNMENT / "grad_dW_missing_1_over_N.py"


def validate(nb, folder):
    """Write ``nb`` into ``folder`` as the student's notebook; the output of nbgrader validate."""
    path = fx.write(nb, folder, fx.ASSIGNMENTS[ASSIGNMENT])
    proc = subprocess.run(["nbgrader", "validate", path.name], cwd=folder,
                          capture_output=True, text=True, timeout=600)
    return proc.stdout + proc.stderr


def test_students_page_shows_the_command():
    """Does the students' page show the command this test runs, and the success line it checks?"""
    page = (ROOT / "book" / "students.md").read_text(encoding="utf-8")
    assert f"nbgrader validate exercises/{ASSIGNMENT}/" in page
    assert SUCCESS in page


def test_finished_notebook_is_reported_a_success(tmp_path):
    """Does a notebook with the instructor's answers get the success line and no failure?"""
    out = validate(fx.answered(ASSIGNMENT), tmp_path)
    assert SUCCESS in out, out[-3000:]
    assert "VALIDATION FAILED" not in out


def test_wrong_answer_is_reported_with_the_tests_message(tmp_path):
    """Does a dW missing its 1/N fail validation on one cell, with the hint about the 1/N?"""
    wrong = load_variant(WRONG)
    out = validate(fx.answered(ASSIGNMENT, **{wrong.cell: wrong.code}), tmp_path)
    assert SUCCESS not in out
    assert "VALIDATION FAILED ON 1 CELL(S)" in out, out[-3000:]
    assert "AssertionError" in out and "check the 1/N" in out, out[-3000:]


def test_untouched_notebook_lists_every_answer_to_write(tmp_path):
    """Does the released notebook fail on every visible test cell (each for an unwritten
    function) and on every written answer still to write, and on nothing else?"""
    released = fx.released(ASSIGNMENT)
    meta = [(c, c.metadata.get("nbgrader", {})) for c in released.cells]
    # Visible test cells: asserts, or a check of mnistlib.assignment_checks (hidden test
    # cells are a comment, or have no code left in the release).
    visible = [c for c, m in meta if c.cell_type == "code" and m.get("grade")
               and ("assert" in c.source or "check(" in c.source)]
    written = [c for c, m in meta if c.cell_type == "markdown" and m.get("solution")]
    out = validate(released, tmp_path)
    failed = re.search(r"VALIDATION FAILED ON (\d+) CELL\(S\)", out)
    assert failed, out[-3000:]
    assert int(failed.group(1)) == len(visible) + len(written) and visible and written
    assert out.count("NotImplementedError") >= len(visible)
    assert "YOUR ANSWER HERE" in out
