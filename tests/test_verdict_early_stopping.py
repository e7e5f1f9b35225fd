"""The checks of 03_early_stopping, in process: the solution passes them, every catalogued
mutant loses the cells it must lose, every correct variant passes, and the call logs the
verdicts judge reach the grader intact through the protocol (serve / read_reply).
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import numpy as np
import pytest

from grading.checks import early_stopping as CHECKS
from grading.verdict import Limits, encode_request, graded_test_cells, read_reply
from mnistlib.assignment_checks import call_check
from mnistlib.assignment_checks import early_stopping as visible
from mnistlib.assignment_checks._core import call_one
from mnistlib.assignment_checks.compute import serve

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "solutions" / "03_early_stopping" / "early_stopping.ipynb"
MUTANTS = ROOT / "tests" / "mutants" / "03_early_stopping"
MUTANT_FILES = sorted(MUTANTS.glob("*.py"))


def answers(replace=None):
    """The solution's answer cell run in a namespace like the notebook's (or a replacement)."""
    nb = nbformat.read(SOLUTION, as_version=4)
    ns = {"np": np}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution"):
            source = replace[1] if replace and meta["grade_id"] == replace[0] else cell.source
            exec(compile(source, meta["grade_id"], "exec"), ns)  # noqa: S102 - trusted code
    return ns


def cells_lost(ns):
    """{grade id: first failure message} of the cells whose checks do not all pass."""
    lost = {}
    for grade_id, names in CHECKS.CELLS.items():
        messages = [call_check(CHECKS.CHECKS[n], ns[CHECKS.CHECKS[n].function]) for n in names]
        messages = [m for m in messages if m]
        if messages:
            lost[grade_id] = messages[0]
    return lost


def test_the_checks_cover_exactly_the_notebooks_test_cells():
    """Does every graded test cell of the instructor's notebook have checks, and no more, and
    does every name in CELLS exist?"""
    nb = nbformat.read(SOLUTION, as_version=4)
    assert set(graded_test_cells(nb)) == set(CHECKS.CELLS)
    assert {n for names in CHECKS.CELLS.values() for n in names} == set(CHECKS.CHECKS)


def test_hidden_checks_are_not_in_what_students_or_the_jail_can_import():
    """Are the hidden checks' names, their scripted curves and expected values absent from
    mnistlib (the only project package in the jail)?"""
    import mnistlib

    hidden = set(CHECKS.CHECKS) - set(visible.CHECKS)
    assert len(hidden) == 6
    source = "".join(p.read_text() for p in Path(mnistlib.__file__).parent.rglob("*.py"))
    assert not any(f'"{name}"' in source for name in hidden)
    for secret in ["79, 69, 64, 65", "1991", "0.399", "0.375", "73.5"]:
        assert secret not in source, secret


def test_the_solution_passes_every_check():
    """Does the instructor's solution pass all nine checks (so the mutant test is not vacuous)?"""
    assert cells_lost(answers()) == {}
    assert len(CHECKS.CHECKS) == 9


@pytest.mark.parametrize("path", MUTANT_FILES, ids=[p.stem for p in MUTANT_FILES])
def test_every_catalogued_mutant_loses_its_cells_and_every_correct_variant_none(path):
    """Run in this process on the checks' scripted inputs, does each wrong implementation of
    tests/mutants/03_early_stopping lose at least the cells it must lose, and each correct one
    none?"""
    meta = {}
    exec(compile(path.read_text(), str(path), "exec"), meta)  # noqa: S102 - the catalogue
    lost = cells_lost(answers((meta["CELL"], path.read_text())))
    if meta["MUST_LOSE"]:
        assert set(meta["MUST_LOSE"]) <= set(lost), lost
    else:
        assert lost == {}


def test_the_issues_stop_order_case_is_caught_with_a_message_that_says_why():
    """Does the issue's case (patience checked before the same update's validation) fail the
    stop-order cell with a message that names the order to follow, and the worked example
    pass (it cannot tell them apart)?"""
    code = (MUTANTS / "stop_checked_before_validation.py").read_text()
    lost = cells_lost(answers(("early_stopping", code)))
    assert "expected 59 updates, got 30" in lost["test_stop_order_hidden"]
    assert "validate first" in lost["test_stop_order_hidden"]
    assert "test_early_stopping" not in lost


def test_a_visible_check_passes_the_solution_and_tells_a_wrong_loop_what_to_fix(capsys):
    """Does check(...) print "passed" for the solution, and raise AssertionError with the
    notebook's message for a loop that passes iter to train_step and one that keeps the
    parameter arrays themselves?"""
    ns = answers()
    for name in visible.CHECKS:
        visible.check(name, ns["early_stopping_loop"])
    assert capsys.readouterr().out.count(": passed") == 3
    code = (MUTANTS / "global_index_to_train_step.py").read_text()
    with pytest.raises(AssertionError, match="train_step gets the minibatch index"):
        visible.check("worked_example", answers(("early_stopping", code))["early_stopping_loop"])
    code = (MUTANTS / "params_aliased.py").read_text()
    with pytest.raises(AssertionError, match="copy the parameters"):
        visible.check("best_params_worked_example",
                      answers(("early_stopping", code))["early_stopping_loop"])
    with pytest.raises(KeyError, match="tutorial_run"):
        visible.check("tutorial_run", ns["early_stopping_loop"])  # hidden: not visible


def test_a_loop_that_calls_mnistlibs_early_stopping_fails():
    """Does a loop built on mnistlib.EarlyStopping fail its checks (switched off)?"""
    import mnistlib

    def early_stopping_loop(train_step, validate, n_train_batches, patience=5000, **kwargs):
        stopper = mnistlib.EarlyStopping(patience=patience)
        stopper.update(0, validate())
        return {}

    message = call_check(CHECKS.CHECKS["worked_example"], early_stopping_loop)
    assert "mnistlib's own implementation" in message


def test_a_loop_that_never_stops_fails_instead_of_hanging():
    """Does a loop that ignores the patience and n_epochs end at the callbacks' log cap with a
    message (not at the grader's timeout)?"""
    def early_stopping_loop(train_step, validate, n_train_batches, **kwargs):
        while True:
            train_step(0)

    message = call_check(CHECKS.CHECKS["tutorial_run"], early_stopping_loop)
    assert "train_step was called more than" in message and "does the loop stop?" in message


@pytest.mark.parametrize("name", sorted(CHECKS.CHECKS))
def test_the_grader_reads_back_what_the_loop_gave_in_process(tmp_path, name):
    """Served by the kernel side and read as hostile data (default limits), are the outcomes of
    every check for the solution the ones call_one gives in process, so the verdict is the same
    on both paths?"""
    check, function = CHECKS.CHECKS[name], answers()["early_stopping_loop"]
    calls = check.calls()
    request, files = encode_request(check, calls)
    (tmp_path / "request.json").write_bytes(request)
    for file_name, data in files.items():
        (tmp_path / file_name).write_bytes(data)
    serve(str(tmp_path), {"early_stopping_loop": function})
    fd = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        served = read_reply(fd, calls, Limits())
    finally:
        os.close(fd)
    direct = [call_one(function, c, check.off) for c in calls]
    for a, b in zip(direct, served):
        assert a.error is None and b.error is None
        assert a.logs.keys() == b.logs.keys()
        assert visible.steps(a) == visible.steps(b) and len(visible.steps(b)) > 0
        assert visible.validations(a) == visible.validations(b)
        if "on_best" in a.logs:
            assert visible.bests(a) == visible.bests(b)
        assert visible.result(a).keys() == visible.result(b).keys()
    from mnistlib.assignment_checks import judge

    assert judge(check, calls, served) is None
