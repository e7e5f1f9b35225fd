"""Visible checks of assignment 01_softmax (softmax, cross_entropy, softmax_loss_and_grad).

In the notebook::

    from mnistlib.assignment_checks.softmax import check
    check("softmax_known_answers", softmax)

Each check is a known answer: equal scores give equal probabilities, a loss of log C, and at
zero weights a gradient that can be written down. Shapes: N samples, D features, C classes.
The grader runs these same checks, and hidden ones, on what the notebook's functions compute.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from ._core import Call, Check, array, expect, items, number, run_visible

#: mnistlib functions each graded function must not call.
OFF_SOFTMAX = ("softmax", "log_softmax",
               # computes softmax, the loss and the gradient step inline (no call of the above)
               "SoftmaxRegression.sgd_step")
OFF_CROSS_ENTROPY = OFF_SOFTMAX + ("cross_entropy",)
OFF_GRAD = OFF_CROSS_ENTROPY + ("softmax_loss_and_grad",)
#: float32 rounding allowed, nothing more (the notebook's "Precision" paragraph).
RTOL = 1e-5


def mini_batch(n: int = 500) -> tuple:
    """The notebook's data: the first ``n`` mini training images (float64, (n, D)), labels (n,)."""
    from mnistlib import load_mnist

    data = load_mnist(subset="mini")
    return data.X_train[:n].astype(np.float64), np.asarray(data.y_train[:n])


def _softmax_calls() -> list:
    Z = np.array([[0.0, 0.0, 0.0, 0.0], [0.0, math.log(2.0), 0.0, 0.0]])
    return [Call((Z,)), Call((Z + 100.0,))]


def _softmax_verdict(calls: list, outcomes: list) -> None:
    P = array(outcomes[0].value, "softmax(Z)")
    P_shifted = array(outcomes[1].value, "softmax(Z + 100)")
    expect(P.shape == (2, 4), f"softmax must keep the shape (N, C) = (2, 4), got {P.shape}")
    expect(np.allclose(P[0], 0.25, rtol=RTOL, atol=0),
           f"equal scores must give equal probabilities 1/4, got {P[0]}")
    expect(np.allclose(P[1], [0.2, 0.4, 0.2, 0.2], rtol=RTOL, atol=0),
           f"each row is normalised on its own: expected [0.2, 0.4, 0.2, 0.2] for row 1, "
           f"got {P[1]}")
    expect(P_shifted.shape == P.shape and np.allclose(P_shifted, P, rtol=RTOL, atol=0),
           "adding a constant to every score must not change softmax")


def _cross_entropy_calls() -> list:
    _, y = mini_batch()
    small = np.array([[0.0, math.log(2.0)], [0.0, math.log(2.0)]])
    return [Call((np.zeros((len(y), 10)), y)), Call((small, np.array([1, 0])))]


def _cross_entropy_verdict(calls: list, outcomes: list) -> None:
    value = outcomes[0].value
    expect(isinstance(value, np.ndarray) and value.ndim == 0,
           "cross_entropy returns one number (the mean), got "
           f"{'shape ' + str(value.shape) if isinstance(value, np.ndarray) else 'no number'}")
    loss_uniform = number(value, "cross_entropy")
    expect(abs(loss_uniform - math.log(10)) < 1e-5,
           f"equal scores must give log 10 = 2.302585 (a mean, not a sum), got {loss_uniform}")
    loss_small = number(outcomes[1].value, "cross_entropy")
    expected = (-math.log(2 / 3) - math.log(1 / 3)) / 2
    expect(abs(loss_small - expected) < 1e-5,
           f"expected the mean {expected:.6f}, got {loss_small}")


def _grad_calls() -> list:
    X, y = mini_batch()
    D, C = X.shape[1], 10
    return [Call((np.zeros((D, C)), np.zeros(C), X, y))]


def _grad_verdict(calls: list, outcomes: list) -> None:
    _, _, X, y = calls[0].args
    (N, D), C = X.shape, 10
    loss, dW, db = items(outcomes[0].value, 3, "softmax_loss_and_grad")
    dW, db = array(dW, "dW"), array(db, "db")
    expect(dW.shape == (D, C),
           f"dW must have the shape of W, (D, C) = {(D, C)}; got {dW.shape}")
    expect(db.shape == (C,), f"db must have the shape of b, (C,) = {(C,)}; got {db.shape}")
    loss = number(loss, "the loss")
    expect(abs(loss - math.log(10)) < 1e-5,
           f"at zero weights the loss is log 10 = 2.302585, got {loss}")
    frequencies = np.bincount(y, minlength=C) / N
    expect(np.allclose(db, 0.1 - frequencies, rtol=1e-4, atol=1e-7),
           "at zero weights db must be 1/10 - (fraction of each class): check the sign and "
           "the 1/N")
    T = np.eye(C)[y]  # one-hot targets, (N, C)
    dW_expected = X.T @ (0.1 - T) / N
    scale = np.abs(dW_expected).max()
    # The hint first: nbgrader validate shows only the start of a long message.
    expect(np.allclose(dW, dW_expected, rtol=1e-4, atol=1e-6 * scale), (
        "dW is wrong at zero weights (check the 1/N, the sign and the transpose): it must be "
        f"X^T (P - T) / N with P = 1/10; the largest difference is "
        f"{np.abs(dW - dW_expected).max():.3g} for entries up to {scale:.3g}"))


#: The visible checks, by name.
CHECKS = {c.name: c for c in [
    Check("softmax_known_answers", "softmax", _softmax_calls, _softmax_verdict, OFF_SOFTMAX),
    Check("cross_entropy_known_answers", "cross_entropy", _cross_entropy_calls,
          _cross_entropy_verdict, OFF_CROSS_ENTROPY),
    Check("grad_at_zero_weights", "softmax_loss_and_grad", _grad_calls, _grad_verdict,
          OFF_GRAD),
]}


def check(name: str, function: Callable[..., Any]) -> None:
    """Run the visible check ``name`` on ``function``: AssertionError with what to fix, or
    ``"<name>: passed"``."""
    run_visible(CHECKS, name, function)
