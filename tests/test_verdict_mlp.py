"""05_mlp's checks (visible and hidden) in this process, on the solution and the mutant catalogue.

Each function runs in a namespace built as the notebook builds it (its setup cell, then its
answer cells, one of them replaced by a catalogue file), and each check is run with
:func:`mnistlib.assignment_checks._core.call_check`. Every mutant must fail a check of every
test cell its ``MUST_LOSE`` names, every correct variant must pass every check: the same demand
as tests/test_mutants.py, without the jails, so a weak check shows here in seconds.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import numpy as np
import pytest

from grading.checks import mlp as hidden
from mnistlib.assignment_checks import mlp as visible
from mnistlib.assignment_checks._core import Call, Scripted, call_check, call_one, judge
from tests._mutants import catalogue

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "solutions" / "05_mlp" / "mlp.ipynb"
VARIANTS = {v.name: v for v in catalogue(ROOT / "tests" / "mutants" / "05_mlp")}


def _cells():
    """(setup source, {answer grade id: source}, graded test cells) of the solution."""
    setup, answers, tests = None, {}, set()
    for cell in nbformat.read(SOLUTION, as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code":
            continue
        if meta.get("grade_id") == "setup":
            setup = cell.source
        elif meta.get("solution"):
            answers[meta["grade_id"]] = cell.source
        elif meta.get("grade"):
            tests.add(meta["grade_id"])
    return setup, answers, tests


SETUP, ANSWERS, TEST_CELLS = _cells()


def namespace(replace=None):
    """The notebook's namespace after its setup and answer cells; ``replace`` is a catalogue
    variant whose code replaces its answer cell."""
    ns = {"__name__": "__notebook__"}
    exec(compile(SETUP, "setup", "exec"), ns)  # noqa: S102 - the project's own notebook
    for grade_id, source in ANSWERS.items():
        if replace is not None and replace.cell == grade_id:
            source = replace.code
        exec(compile(source, grade_id, "exec"), ns)  # noqa: S102 - notebook and catalogue
    return ns


def failures(ns, cells):
    """{test cell: message of its first failing check} for the given cells."""
    out = {}
    for cell in cells:
        for name in hidden.CELLS[cell]:
            check = hidden.CHECKS[name]
            message = call_check(check, ns[check.function])
            if message is not None:
                out[cell] = f"{name}: {message}"
                break
    return out


@pytest.fixture(scope="module", autouse=True)
def one_blas_thread():
    """One BLAS thread: the training check's 500 small products run 10x faster than with
    threads competing for a busy machine's cores."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="module")
def solution():
    return namespace()


def test_cells_name_every_graded_test_cell_and_only_defined_checks():
    """Does CELLS map exactly the notebook's graded test cells, each to checks that exist, and
    is every check used by a cell?"""
    assert set(hidden.CELLS) == TEST_CELLS
    used = {n for names in hidden.CELLS.values() for n in names}
    assert used == set(hidden.CHECKS)
    assert set(visible.CHECKS) <= set(hidden.CHECKS)
    assert not set(visible.CHECKS) & set(hidden.HIDDEN)


def test_the_solution_passes_every_check(solution):
    """Does the instructor's solution pass every visible and hidden check?"""
    assert failures(solution, sorted(TEST_CELLS)) == {}


def test_the_released_stubs_fail_every_check_saying_they_raised():
    """With every answer a stub raising NotImplementedError, does every cell fail, saying so?"""
    ns = namespace()
    for name in ("sigmoid", "forward", "loss_and_grad", "train_mlp", "hidden_influence"):
        exec(f"def {name}(*args, **kwargs):\n    raise NotImplementedError()\n", ns)  # noqa: S102
    lost = failures(ns, sorted(TEST_CELLS))
    assert set(lost) == TEST_CELLS
    assert all("raised NotImplementedError" in m for m in lost.values()), lost


@pytest.mark.parametrize("name", sorted(n for n, v in VARIANTS.items() if not v.correct))
def test_every_mutant_fails_every_cell_it_must_lose(name):
    """Does each catalogued mutant fail a check of every test cell its MUST_LOSE names?"""
    variant = VARIANTS[name]
    lost = failures(namespace(variant), variant.must_lose)
    kept = [c for c in variant.must_lose if c not in lost]
    assert not kept, f"{name} passes every check of {kept}"


@pytest.mark.parametrize("name", sorted(n for n, v in VARIANTS.items() if v.correct))
def test_every_correct_variant_passes_every_check(name):
    """Does each catalogued correct variant (loops, float32, warnings, other idioms) pass every
    check of every cell?"""
    assert failures(namespace(VARIANTS[name]), sorted(TEST_CELLS)) == {}


def test_the_training_accuracy_is_counted_with_a_reference_forward(solution):
    """With a correct train_mlp and a correct gradient that does not call forward, does
    test_train pass although the notebook's forward returns zeros: a wrong forward is charged
    by forward's own cells, not a second time by the training cell?"""
    ns = dict(solution)
    ns["forward"] = lambda params, X: {k: np.zeros((len(X), 2)) for k in visible.LAYER_KEYS}
    ns["loss_and_grad"] = hidden._reference_loss_and_grad
    assert set(failures(ns, ["test_forward", "test_train"])) == {"test_forward"}


def test_the_training_check_runs_with_the_notebooks_own_loss_and_grad(solution):
    """Does the driver give train_mlp the loss_and_grad of train_mlp's own namespace, and say
    so when the notebook has none?"""
    seen = []
    ns = dict(solution)
    exec(compile(ANSWERS["train_mlp"], "train_mlp", "exec"), ns)  # noqa: S102
    ns["loss_and_grad"] = lambda p, X, y: seen.append(len(y)) or solution["loss_and_grad"](
        p, X, y)
    small = Call((visible.init_params(6, 3, 2), np.ones((7, 6)), np.array([0, 1] * 3 + [0]),
                  0.1, 4, 1, 0))
    driver = visible.CHECKS["train_reaches_87_percent"].driver
    assert driver is visible.train_with_notebook_grad
    assert call_one(ns["train_mlp"], small, (), driver=driver).error is None and seen == [4, 3]
    del ns["loss_and_grad"]
    outcome = call_one(ns["train_mlp"], small, (), driver=driver)
    assert "NameError" in outcome.error and "loss_and_grad" in outcome.error


def test_a_grad_fn_call_log_shows_the_params_and_batches_it_was_given(solution):
    """Is train_epochs judged on the call log: a train_mlp that passes the right batches but
    hands grad_fn its parameters one step late (while still updating right) fails, naming the
    batch?"""
    ns = dict(solution)
    source = ANSWERS["train_mlp"].replace(
        "loss, grads = grad_fn(trained, X[idx], y[idx])",
        "loss, grads = grad_fn(previous, X[idx], y[idx])\n"
        "            previous = {k: v.copy() for k, v in trained.items()}").replace(
        "    losses = []\n", "    losses = []\n    previous = {k: v.copy() for k, v in "
        "trained.items()}\n", 1)
    assert source != ANSWERS["train_mlp"]
    exec(compile(source, "train_mlp", "exec"), ns)  # noqa: S102
    check = hidden.CHECKS["train_epochs"]
    message = call_check(check, ns["train_mlp"])
    assert message is not None and "epoch 1, batch 2" in message, message


def test_scripted_grad_fn_replays_the_reference_trajectory():
    """Are the scripted (loss, grads) of train_epochs those of the reference loop (15 steps,
    distinct), so a train_mlp that follows the specification lands on the notebook's expected
    parameters?"""
    (call,) = hidden.CHECKS["train_epochs"].calls()
    grad_fn = call.args[3]
    assert isinstance(grad_fn, Scripted) and grad_fn.then == "raise"
    assert len(grad_fn.returns) == 15
    losses = [loss for loss, _ in grad_fn.returns]
    assert len(set(losses)) == 15 and all(1.0 < v < 5.0 for v in losses)
    check = hidden.CHECKS["train_epochs"]
    outcome = call_one(namespace()["train_mlp"], call, check.off)
    assert len(outcome.logs["grad_fn"]) == 15 and judge(check, [call], [outcome]) is None
