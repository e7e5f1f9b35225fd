"""Softmax, log-softmax, the mean cross-entropy and its gradient.

Dimensions are named once for the whole package: N samples, D features (784 pixels),
C classes (10 digits).

Defined in the book chapter "Softmax regression and its likelihood" (``book/02_softmax``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._checks import as_features, as_labels

__all__ = [
    "softmax",
    "log_softmax",
    "one_hot",
    "cross_entropy",
    "softmax_loss_and_grad",
]


def _scores(Z: Any) -> np.ndarray:
    Z = np.asarray(Z)
    if Z.dtype.kind not in "biuf":
        raise TypeError(f"scores Z must hold real numbers, got dtype {Z.dtype}")
    if Z.ndim == 0 or Z.shape[-1] == 0:
        raise ValueError(f"scores Z need a last axis of at least one class, got shape {Z.shape}")
    return Z


def log_softmax(Z: Any) -> np.ndarray:
    """Log of the softmax of each row, computed with the log-sum-exp shift.

    Parameters
    ----------
    Z : ndarray of shape (N, C)
        Scores (logits). Finite values of any magnitude (1e4 and beyond).

    Returns
    -------
    ndarray of shape (N, C), same float dtype as ``Z``
        ``Z - logsumexp(Z, axis=1)``; every entry is <= 0 and finite.
    """
    Z = _scores(Z)
    # Subtracting the row maximum makes the largest exponent exp(0) = 1: no overflow.
    shifted = Z - Z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax(Z: Any) -> np.ndarray:
    """Row-wise softmax: scores to class probabilities.

    Parameters
    ----------
    Z : ndarray of shape (N, C)
        Scores (logits).

    Returns
    -------
    P : ndarray of shape (N, C)
        Non-negative, each row sums to 1. Unchanged when a constant is added to a row.
    """
    Z = _scores(Z)
    shifted = Z - Z.max(axis=-1, keepdims=True)
    E = np.exp(shifted)
    E /= E.sum(axis=-1, keepdims=True)
    return E


def one_hot(y: Any, C: int = 10, dtype: Any = np.float64) -> np.ndarray:
    """Targets as one-hot rows.

    Parameters
    ----------
    y : ndarray of shape (N,)
        Integer labels in ``[0, C)``.
    C : int
        Number of classes.

    Returns
    -------
    T : ndarray of shape (N, C)
        ``T[n, y[n]] = 1``, zeros elsewhere.
    """
    if isinstance(C, bool) or not isinstance(C, (int, np.integer)) or C < 1:
        raise ValueError(f"C must be a positive number of classes, got {C!r}")
    y = np.asarray(y)
    y = as_labels(y, y.shape[0] if y.ndim else -1, int(C))
    T = np.zeros((y.shape[0], C), dtype=dtype)
    T[np.arange(y.shape[0]), y] = 1
    return T


def cross_entropy(Z: Any, y: Any) -> float:
    """Mean negative log-likelihood of the labels under ``softmax(Z)``.

    Parameters
    ----------
    Z : ndarray of shape (N, C)
        Scores (logits).
    y : ndarray of shape (N,)
        Integer labels.

    Returns
    -------
    float
        ``-mean_n log softmax(Z)[n, y[n]]``; ``log C`` when all scores are equal.
    """
    Z = as_features(Z, name="Z")
    y = as_labels(y, Z.shape[0], Z.shape[1])
    logP = log_softmax(Z)
    return float(-logP[np.arange(logP.shape[0]), y].mean())


def softmax_loss_and_grad(W: Any, b: Any, X: Any, y: Any,
                          l2: float = 0.0) -> tuple[float, np.ndarray, np.ndarray]:
    """Mean cross-entropy of a linear softmax model and its gradient.

    Loss ``E = -1/N sum_n log P[n, y_n] + l2/2 * ||W||^2`` with ``P = softmax(X W + b)``.
    Its gradient is ``dE/dW = X^T (P - T) / N + l2 W`` and ``dE/db = sum_n (P - T)[n] / N``,
    where ``T`` is the one-hot target matrix.

    Parameters
    ----------
    W : ndarray of shape (D, C)
    b : ndarray of shape (C,)
    X : ndarray of shape (N, D)
    y : ndarray of shape (N,)
        Integer labels in ``[0, C)``.
    l2 : float
        L2 penalty strength (the bias is not penalised).

    Returns
    -------
    loss : float
    dW : ndarray of shape (D, C)
    db : ndarray of shape (C,)
    """
    W = as_features(W, name="W")
    D, C = W.shape
    b = np.asarray(b)
    if b.shape != (C,):
        raise ValueError(f"b must have shape ({C},) for W of shape {W.shape}, got {b.shape}")
    X = as_features(X, D=D)
    y = as_labels(y, X.shape[0], C)
    if not (l2 >= 0):
        raise ValueError(f"l2 must be >= 0, got {l2}")
    N = X.shape[0]
    Z = X @ W + b
    logP = log_softmax(Z)
    rows = np.arange(N)
    loss = -logP[rows, y].mean()
    G = np.exp(logP)  # P
    G[rows, y] -= 1  # P - T without building T
    G /= N
    dW = X.T @ G
    db = G.sum(axis=0)
    if l2:
        loss += 0.5 * l2 * float(np.sum(W * W))
        dW += l2 * W
    return float(loss), dW, db
