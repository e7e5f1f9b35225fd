"""Softmax, log-softmax, the mean cross-entropy and its gradient.

Dimensions are named once for the whole package: N samples, D features (784 pixels),
C classes (10 digits).

Defined in the book chapter "Softmax regression and its likelihood" (``book/02_softmax``).
"""

import numpy as np

__all__ = [
    "softmax",
    "log_softmax",
    "one_hot",
    "cross_entropy",
    "softmax_loss_and_grad",
]


def log_softmax(Z):
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
    Z = np.asarray(Z)
    # Subtracting the row maximum makes the largest exponent exp(0) = 1: no overflow.
    shifted = Z - Z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax(Z):
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
    Z = np.asarray(Z)
    shifted = Z - Z.max(axis=-1, keepdims=True)
    E = np.exp(shifted)
    E /= E.sum(axis=-1, keepdims=True)
    return E


def one_hot(y, C=10, dtype=np.float64):
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
    y = np.asarray(y)
    T = np.zeros((y.shape[0], C), dtype=dtype)
    T[np.arange(y.shape[0]), y] = 1
    return T


def cross_entropy(Z, y):
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
    logP = log_softmax(Z)
    return float(-logP[np.arange(logP.shape[0]), y].mean())


def softmax_loss_and_grad(W, b, X, y, l2=0.0):
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
