"""Checks of assignment 01_softmax as the grader runs them: the visible ones and the hidden ones.

The visible checks come from :mod:`mnistlib.assignment_checks.softmax` (the notebook's visible
test cells run them in the student's kernel). The hidden ones are here, in the grader's package,
which the jail never contains: their inputs reach the student's kernel as ``.npy`` files, their
source, expected values and messages never do.

:data:`CELLS` says which checks make up each graded test cell of the notebook; a cell earns its
points (read from the notebook's nbgrader metadata) when all its checks pass, as nbgrader scores
a test cell that raises nothing. The hidden checks repeat the hidden test cells of
``solutions/01_softmax/softmax.ipynb`` (same inputs, seeds and tolerances).
"""

from __future__ import annotations

import math

import numpy as np

from mnistlib.assignment_checks._core import Call, Check, array, expect, items, number, unchanged
from mnistlib.assignment_checks.softmax import (CHECKS as VISIBLE, OFF_CROSS_ENTROPY, OFF_GRAD,
                                                OFF_SOFTMAX, mini_batch)


def _close(a, b):
    # float32 rounding allowed, nothing more
    return np.allclose(a, b, rtol=1e-5, atol=1e-7)


def _stable_softmax(Z):
    m = Z.max(axis=1, keepdims=True)
    return np.exp(Z - m - np.log(np.exp(Z - m).sum(axis=1, keepdims=True)))


def _log_softmax(Z):
    m = Z.max(axis=1, keepdims=True)
    return Z - m - np.log(np.exp(Z - m).sum(axis=1, keepdims=True))


# -- softmax -----------------------------------------------------------------------------------
_HUGE = np.array([[1e4, 0.0, -1e4], [-1e4, -1e4, -1e4 + 1.0], [1e4, 1e4, 1e4]])
_BATCHES = [(1, 10), (7, 2), (64, 10), (3, 1), (5, 5)]


def _softmax_huge_verdict(calls, outcomes):
    P = array(outcomes[0].value, "softmax(Z)")
    e = math.e
    expect(P.shape == (3, 3), f"shape {P.shape} instead of (3, 3)")
    expect(np.isfinite(P).all(),
           "softmax overflows for scores of size 1e4: subtract each row's maximum")
    expect(_close(P, [[1, 0, 0], [1 / (2 + e), 1 / (2 + e), e / (2 + e)], [1 / 3, 1 / 3, 1 / 3]]),
           "wrong probabilities for huge scores: shift each row by its own maximum")


def _softmax_batches_calls():
    rng = np.random.default_rng(2024)
    return [Call((rng.normal(scale=30.0, size=shape),)) for shape in _BATCHES]


def _softmax_batches_verdict(calls, outcomes):
    for call, outcome in zip(calls, outcomes):
        (Z,) = call.args
        unchanged(call, outcome, ["Z"], "softmax")
        P = array(outcome.value, "softmax(Z)")
        expect(P.shape == Z.shape, f"a batch of shape {Z.shape} gave shape {P.shape}")
        expect(_close(P, _stable_softmax(Z)), f"wrong values for scores of shape {Z.shape}")


# -- cross_entropy -----------------------------------------------------------------------------
def _ce_huge_calls():
    return [Call((np.array([[1000.0, 0.0], [0.0, 1000.0]]), np.array([1, 1])))]


def _ce_huge_verdict(calls, outcomes):
    loss = number(outcomes[0].value, "cross_entropy")
    expect(math.isfinite(loss), "cross_entropy is infinite for scores of 1000: use log-sum-exp")
    expect(abs(loss - 500.0) < 5e-3, f"expected (1000 + 0) / 2 = 500, got {loss}")


def _ce_random_calls():
    rng = np.random.default_rng(7)
    Z = rng.normal(scale=5.0, size=(20, 10))
    labels = rng.integers(0, 10, size=20)
    return [Call((Z, labels)), Call((np.vstack([Z, Z, Z]), np.concatenate([labels] * 3)))]


def _ce_random_verdict(calls, outcomes):
    Z, labels = calls[0].args
    unchanged(calls[0], outcomes[0], ["Z"], "cross_entropy")
    once = number(outcomes[0].value, "cross_entropy")
    thrice = number(outcomes[1].value, "cross_entropy")
    expected = -_log_softmax(Z)[np.arange(len(labels)), labels].mean()
    expect(abs(once - expected) < 1e-5 * expected,
           f"expected {expected:.6f}, got {once:.6f}: average -log P[n, y[n]], the entry of "
           "each sample's own label")
    expect(abs(thrice - once) < 1e-5 * abs(once),
           "the loss must be the mean over the batch, not the sum")


# -- softmax_loss_and_grad ---------------------------------------------------------------------
def _random_problems(seed, configs):
    """(W, b, X, y) at random weights, drawn as the notebook's hidden tests draw them."""
    X, _ = mini_batch()
    rng = np.random.default_rng(seed)
    calls = []
    for n, d, c, scale in configs:
        Xs = rng.normal(size=(n, d)) if d != 784 else X[:n].copy()
        ys = rng.integers(0, c, size=n)
        W0 = rng.normal(scale=scale, size=(d, c))
        b0 = rng.normal(scale=0.5, size=c)
        calls.append(Call((W0, b0, Xs, ys)))
    return calls


def _loss_calls():
    return _random_problems(11, [(13, 6, 4, 0.5), (50, 784, 10, 0.01)])


def _loss_verdict(calls, outcomes):
    for call, outcome in zip(calls, outcomes):
        W, b, X, y = call.args
        value = outcome.value
        expect(isinstance(value, list) and value, "softmax_loss_and_grad must return "
               "(loss, dW, db)")
        loss = number(value[0], "the loss")
        expected = -_log_softmax(X @ W + b)[np.arange(len(y)), y].mean()
        expect(abs(loss - expected) < 1e-5 * expected, (
            f"at random weights (N, D, C) = {(X.shape[0], X.shape[1], W.shape[1])} the loss "
            f"must be the mean cross-entropy of softmax(X W + b), {expected:.6f}; got "
            f"{loss:.6f} (no extra term, the bias included)"))


def _grad_calls():
    return _random_problems(12, [(13, 6, 4, 0.5), (7, 3, 3, 1.0), (50, 784, 10, 0.01)])


def _rel_err(a, b):
    # norm-wise: float32 rounding stays far below the bound, a wrong formula far above
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-300))


def _grad_verdict(calls, outcomes):
    for call, outcome in zip(calls, outcomes):
        W, b, X, y = call.args
        unchanged(call, outcome, ["W", "b", "X", "y"], "softmax_loss_and_grad")
        _, dW, db = items(outcome.value, 3, "softmax_loss_and_grad")
        dW, db = array(dW, "dW"), array(db, "db")
        expect(dW.shape == W.shape and db.shape == b.shape,
               "gradient shapes must be (D, C) and (C,)")
        G = (_stable_softmax(X @ W + b) - np.eye(W.shape[1])[y]) / len(y)
        shape = (X.shape[0], X.shape[1], W.shape[1])
        expect(_rel_err(dW, X.T @ G) < 1e-4, (
            f"dW at random weights, (N, D, C) = {shape}, is off by a relative "
            f"{_rel_err(dW, X.T @ G):.1e}: it must be X^T (softmax(X W + b) - T) / N"))
        expect(_rel_err(db, G.sum(axis=0)) < 1e-4, (
            f"db at random weights, (N, D, C) = {shape}, is off by a relative "
            f"{_rel_err(db, G.sum(axis=0)):.1e}: it must be the column sums of "
            "(softmax(X W + b) - T) / N"))


HIDDEN = {c.name: c for c in [
    Check("softmax_huge_scores", "softmax", lambda: [Call((_HUGE.copy(),))],
          _softmax_huge_verdict, OFF_SOFTMAX),
    Check("softmax_batches", "softmax", _softmax_batches_calls, _softmax_batches_verdict,
          OFF_SOFTMAX),
    Check("cross_entropy_huge_scores", "cross_entropy", _ce_huge_calls, _ce_huge_verdict,
          OFF_CROSS_ENTROPY),
    Check("cross_entropy_random", "cross_entropy", _ce_random_calls, _ce_random_verdict,
          OFF_CROSS_ENTROPY),
    Check("loss_at_random_weights", "softmax_loss_and_grad", _loss_calls, _loss_verdict,
          OFF_GRAD),
    Check("grad_at_random_weights", "softmax_loss_and_grad", _grad_calls, _grad_verdict,
          OFF_GRAD),
]}

#: Every check, visible and hidden, by name.
CHECKS = {**VISIBLE, **HIDDEN}

#: The checks of each graded test cell (grade id) of the notebook.
CELLS = {
    "test_softmax": ("softmax_known_answers",),
    "test_softmax_hidden": ("softmax_huge_scores", "softmax_batches"),
    "test_cross_entropy": ("cross_entropy_known_answers",),
    "test_cross_entropy_hidden": ("cross_entropy_huge_scores", "cross_entropy_random"),
    "test_grad": ("grad_at_zero_weights",),
    "test_grad_loss_hidden": ("loss_at_random_weights",),
    "test_grad_hidden": ("grad_at_random_weights",),
}
