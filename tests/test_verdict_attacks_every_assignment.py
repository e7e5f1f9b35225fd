"""Do the attacks on the tests of issue 10 gain nothing on any assignment? For each of 02-05
(01 has its own, finer tests in test_verdict_softmax.py), a plausible wrong notebook is graded
as it is and with each attack added; every attacked copy must score, cell by cell, exactly what
the wrong notebook scores alone."""

from __future__ import annotations

import inspect

import pytest

import _attack_cells as cells
import _grading_fixtures as fx
from grading.autograde_class import autograde_class

#: Attacks that worked while tests ran in the student's kernel, pasted as added cells.
ATTACKS = {
    "displayhook": [cells.display_ok],
    "codeop": [cells.compile_asserts_away],
    "restore_and_allclose": [cells.fake_restore_and_allclose],
    "session_send": [cells.replies_always_ok, cells.display_ok],
}


def _attacked(assignment, functions):
    nb = fx.plausible_wrong(assignment)
    for function in reversed(functions):
        code = inspect.getsource(function) + f"\n{function.__name__}()\n"
        nb = fx._add_cell(nb, code, after="setup")
    return nb


def _cell_scores(course, assignment, student):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "mnist-softmax") as gb:
        sub = gb.find_submission(assignment, student)
        return {g.name: g.auto_score for nb in sub.notebooks for g in nb.grades
                if g.cell.cell_type == "code"}


@pytest.mark.parametrize("assignment", ["02_sgd", "03_early_stopping", "04_weights", "05_mlp"])
def test_attacks_on_the_tests_earn_nothing(assignment, tmp_path):
    """Graded in one class, does each attacked copy of a plausible wrong notebook score every
    test cell exactly as the wrong notebook does (which loses some points)?"""
    fx.require_sandbox()
    course = fx.make_course(tmp_path, [assignment])
    name = fx.ASSIGNMENTS[assignment]
    fx.write(fx.plausible_wrong(assignment), course / "submitted" / "wrong" / assignment, name)
    for attack, functions in ATTACKS.items():
        fx.write(_attacked(assignment, functions), course / "submitted" / attack / assignment,
                 name)
    _, csv_path = autograde_class(assignment, course_dir=course, cell_timeout=60,
                                  wall_limit=300, jobs=2, log=lambda message: None)
    rows = fx.read_csv(csv_path)
    assert all(row["status"] == "graded" for row in rows.values()), rows
    honest = _cell_scores(course, assignment, "wrong")
    score, top = fx.autograded_score(course, assignment, "wrong")
    assert score < top, "the plausible wrong notebook must lose points for this test to mean much"
    for attack in ATTACKS:
        assert _cell_scores(course, assignment, attack) == honest, (
            f"{attack} changed the scores of {assignment}")
