"""The checks of 02_sgd, run in this process on the solution and on every catalogued variant.

Each variant's code replaces its answer cell in a namespace prepared as the notebook prepares
its kernel (the setup cell, then the instructor's answers); the checks then run in the order of
the notebook's test cells, in that one namespace, as the grader runs them in one kernel. Every
mutant must fail a check of every cell it must lose, every correct variant must pass them all.
No jail here: the real grading path is tests/test_mutants.py.
"""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from pathlib import Path

import nbformat
import numpy as np
import pytest

from grading.checks import sgd as checks
from mnistlib.assignment_checks import sgd as visible
from mnistlib.assignment_checks._core import CheckFailed, call_check
from tests._mutants import catalogue

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "solutions" / "02_sgd" / "sgd.ipynb"
VARIANTS = {v.name: v for v in catalogue(ROOT / "tests" / "mutants" / "02_sgd")}
ANSWERS = ("minibatch_indices", "accuracy", "train_sgd")
FUNCTIONS = {"minibatch_indices": "minibatch_indices", "accuracy": "accuracy",
             "train_softmax_sgd": "train_softmax_sgd"}


def _cells():
    nb = nbformat.read(SOLUTION, as_version=4)
    by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
    tests = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells
             if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")]
    return by_id, tests


CELLS_BY_ID, TEST_CELLS = _cells()


def namespace(replace=None):
    """The notebook's kernel namespace after its setup and answer cells (``replace``: answer
    grade id -> code run instead)."""
    ns = {}
    with redirect_stdout(io.StringIO()):
        exec(CELLS_BY_ID["setup"].source, ns)  # noqa: S102 - the course's own notebook
        for grade_id in ANSWERS:
            exec((replace or {}).get(grade_id, CELLS_BY_ID[grade_id].source), ns)  # noqa: S102
    return ns


def failures(ns, cells=None):
    """{test cell: [(check, message), ...]} of the checks that fail, run in notebook order."""
    out = {}
    with redirect_stdout(io.StringIO()):
        for grade_id in TEST_CELLS if cells is None else cells:
            for name in checks.CELLS[grade_id]:
                check = checks.CHECKS[name]
                message = call_check(check, ns[check.function])
                if message is not None:
                    out.setdefault(grade_id, []).append((name, message))
    return out


def test_cells_name_every_test_cell_and_only_defined_checks():
    """Does CELLS give checks for exactly the notebook's graded test cells, in its order, each
    check defined once, the visible ones coming from mnistlib's module?"""
    assert list(checks.CELLS) == TEST_CELLS
    named = [n for names in checks.CELLS.values() for n in names]
    assert sorted(named) == sorted(checks.CHECKS) and len(set(named)) == len(named)
    assert set(visible.CHECKS) <= set(checks.CHECKS)
    assert not set(visible.CHECKS) & set(checks.HIDDEN)
    for check in checks.CHECKS.values():
        assert check.function in FUNCTIONS
        assert getattr(check, "driver", None) is None or check.driver.__name__ in visible.DRIVERS


def test_the_solution_passes_every_check():
    """Does the instructor's solution pass every visible and hidden check?"""
    assert failures(namespace()) == {}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_a_variant_scores_as_its_catalogue_entry_says(name):
    """Does a mutant fail a check of every test cell it must lose, and a correct variant
    (loops, float32, other idioms, warnings) pass every check?"""
    variant = VARIANTS[name]
    # A mutant's run skips the cells that cannot use its function (accuracy is used by none).
    uses = {"minibatch_indices": ("minibatch_indices", "train_softmax_sgd"),
            "accuracy": ("accuracy",), "train_sgd": ("train_softmax_sgd",)}[variant.cell]
    cells = None if variant.correct else [
        g for g in TEST_CELLS if checks.CHECKS[checks.CELLS[g][0]].function in uses]
    lost = failures(namespace({variant.cell: variant.code}), cells)
    if variant.correct:
        assert lost == {}
    else:
        assert set(variant.must_lose) <= set(lost), lost
    if variant.cell == "minibatch_indices":
        # The training checks run with the specification's minibatch_indices.
        assert not {g for g in lost if g.startswith("test_train_sgd_")}, lost


def test_the_issue_cases_lose_the_training_cells_with_a_message_that_says_why():
    """Are the three cases of issue 10 (a generator re-created every epoch, the last partial
    batch dropped, the last batch's loss recorded) caught, each message naming the cause?"""
    cases = {"train_rng_per_epoch": ("test_train_sgd_reference_hidden", "generator once"),
             "train_drops_partial_batch": ("test_train_sgd_reference_hidden", "smaller one"),
             "train_last_batch_loss": ("test_train_sgd_losses_hidden", "mean of that epoch"),
             "mb_drops_last_batch": ("test_minibatch_indices_hidden", "a last one of 20")}
    for name, (cell, words) in cases.items():
        v = VARIANTS[name]
        lost = failures(namespace({v.cell: v.code}), [cell])
        assert cell in lost and words in lost[cell][0][1], (name, lost)


OWN_CODE = {
    "minibatch_indices": ("def minibatch_indices(N, batch_size, rng=None):\n"
                          "    rows = np.arange(N)\n"
                          "    return [yb for _, yb in mnistlib.iterate_minibatches(\n"
                          "        rows, rows, batch_size, shuffle=rng is not None, seed=rng)]\n"),
    "train_sgd": ("def train_softmax_sgd(X, y, lr=0.13, batch_size=60, n_epochs=5, seed=0,"
                  " C=10):\n"
                  "    model = mnistlib.SoftmaxRegression(X.shape[1], C)\n"
                  "    history = mnistlib.train_sgd(model, X, y, lr=lr, batch_size=batch_size,\n"
                  "                                 n_epochs=n_epochs, shuffle=True, seed=seed)\n"
                  "    return model.W, model.b, list(history.train_loss)\n"),
}


@pytest.mark.parametrize("cell", OWN_CODE)
def test_calling_mnistlib_s_own_loop_earns_nothing(cell):
    """Does a function that hands the work to mnistlib's iterate_minibatches or train_sgd fail
    every check of its function, saying it called mnistlib's own implementation (and, for
    minibatch_indices, the visible training test that uses it, nothing else)?"""
    lost = failures(namespace({cell: OWN_CODE[cell]}))
    function = "minibatch_indices" if cell == "minibatch_indices" else "train_softmax_sgd"
    own = [g for g in TEST_CELLS if checks.CHECKS[checks.CELLS[g][0]].function == function]
    assert set(own) <= set(lost) <= set(own) | {"test_train_sgd"}, lost
    assert all("mnistlib's own implementation" in m for g in own for _, m in lost[g])


@pytest.mark.parametrize("code, words", [
    ("def minibatch_indices(N, batch_size, rng=None):\n    return None\n", "got NoneType"),
    ("def minibatch_indices(N, batch_size, rng=None):\n    return []\n", "got []"),
    ("def minibatch_indices(N, batch_size, rng=None):\n"
     "    return [np.arange(N) * 0.5]\n", "integer row indices"),
])
def test_a_minibatch_result_that_is_not_index_arrays_is_named(code, words):
    """Is a minibatch_indices that returns None, or non-integer indices, told what it
    returned?"""
    lost = failures(namespace({"minibatch_indices": code}), ["test_minibatch_indices"])
    assert words in lost["test_minibatch_indices"][0][1]


def test_the_stand_in_is_removed_after_the_call_even_when_training_raises():
    """After a training call through train_reference_batches (one that raises too), is the
    notebook's own minibatch_indices back in its namespace?"""
    ns = namespace()
    theirs = ns["minibatch_indices"]
    X, y = np.zeros((4, 2)), np.array([0, 1, 0, 1])
    visible.train_reference_batches(ns["train_softmax_sgd"], X, y, lr=0.1, batch_size=2,
                                    n_epochs=1, seed=0, C=2)
    assert ns["minibatch_indices"] is theirs
    exec("def train_softmax_sgd(*args, **kwargs):\n"  # noqa: S102
         "    assert minibatch_indices(3, 2)[1].tolist() == [2]\n"
         "    raise ValueError('boom')\n", ns)
    with pytest.raises(ValueError, match="boom"):
        visible.train_reference_batches(ns["train_softmax_sgd"], X, y, lr=0.1, batch_size=2,
                                    n_epochs=1, seed=0, C=2)
    assert ns["minibatch_indices"] is theirs


def test_a_visible_check_prints_passed_or_raises_the_verdict(capsys):
    """Does the notebook's check(...) print '<name>: passed' for the solution and raise
    AssertionError with the verdict's message for a wrong function?"""
    ns = namespace()
    visible.check("minibatch_known_answers", ns["minibatch_indices"])
    assert "minibatch_known_answers: passed" in capsys.readouterr().out
    wrong = namespace({"minibatch_indices": VARIANTS["mb_drops_last_batch"].code})
    with pytest.raises(AssertionError, match=r"expected \[\[0, 1, 2, 3\], \[4, 5, 6, 7\], "):
        visible.check("minibatch_known_answers", wrong["minibatch_indices"])
    with pytest.raises(KeyError, match="no visible check named"):
        visible.check("minibatch_shuffled", ns["minibatch_indices"])


@pytest.mark.parametrize("summary", [
    [np.array([2, 2]), np.arange(3)],  # sizes that do not add up to the indices
    [np.array([-1, 4]), np.arange(3)],
    [np.array([1.5, 1.5]), np.arange(3)],
    [np.array([[3]]), np.arange(3)],
])
def test_a_malformed_epoch_summary_is_refused(summary):
    """Is a summary of batches that the driver cannot have written (hostile data from the
    kernel) refused instead of read as batches?"""
    with pytest.raises(CheckFailed, match="malformed"):
        visible.epoch(summary, "minibatch_indices")
