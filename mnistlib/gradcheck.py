"""Numerical gradient checking with central differences.

Used by the tests and by learners: compare an analytic gradient with
``(f(x + h) - f(x - h)) / 2h`` entry by entry, and report the relative error.

Defined in the book chapter "Softmax regression and its likelihood" (``book/02_softmax``).
"""

import numpy as np

__all__ = ["numerical_gradient", "relative_error", "check_gradient"]


def numerical_gradient(f, x, h=1e-5, indices=None):
    """Central-difference gradient of a scalar function.

    Parameters
    ----------
    f : callable
        ``f()`` returns a float and reads ``x`` (the array is perturbed in place and restored).
    x : ndarray of any shape, floating point
        The variable to differentiate with respect to.
    h : float
        Step. ``1e-5`` suits float64; use about ``1e-2`` for float32.
    indices : iterable of index tuples, optional
        Only these entries are computed (the others stay 0); default all entries.

    Returns
    -------
    grad : ndarray of the shape of ``x``, float64
    """
    grad = np.zeros(x.shape, dtype=np.float64)
    if indices is None:
        indices = np.ndindex(*x.shape)
    for idx in indices:
        old = x[idx]
        x[idx] = old + h
        f_plus = f()
        x[idx] = old - h
        f_minus = f()
        x[idx] = old
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad


def relative_error(a, b, eps=1e-12):
    """Relative error ``||a - b|| / max(||a|| + ||b||, eps)`` of two arrays (Euclidean norms).

    Taken over the whole array rather than entry by entry, so that entries whose true
    value is ~0 (where finite differences only give rounding noise) cannot dominate.

    Parameters
    ----------
    a, b : ndarray of the same shape

    Returns
    -------
    float
        0 for identical arrays, 1 for ``b = -a``; below about 1e-7 for a correct float64
        gradient, above 1e-2 for a wrong one.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), eps))


def check_gradient(f, x, analytic, h=1e-5, n_checks=None, seed=0):
    """Relative error between an analytic gradient and the numerical one.

    Parameters
    ----------
    f : callable
        ``f()`` returns the scalar loss, reading ``x``.
    x : ndarray
        Variable (perturbed in place and restored).
    analytic : ndarray of the shape of ``x``
        The gradient to check.
    h : float
        Finite-difference step.
    n_checks : int, optional
        Check this many random entries only (fast for large ``x``); default all.
    seed : int
        Seed choosing the entries.

    Returns
    -------
    float
        Largest relative error over the checked entries.
    """
    analytic = np.asarray(analytic, dtype=np.float64)
    if n_checks is None:
        numeric = numerical_gradient(f, x, h)
        return relative_error(analytic, numeric)
    rng = np.random.default_rng(seed)
    flat = rng.choice(x.size, size=min(n_checks, x.size), replace=False)
    idx = [np.unravel_index(i, x.shape) for i in flat]
    numeric = numerical_gradient(f, x, h, indices=idx)
    rows = tuple(np.array(i) for i in zip(*idx))
    return relative_error(analytic[rows], numeric[rows])
