"""Numerical gradient checking with central differences.

Used by the tests and by learners: compute ``(f(x + h) - f(x - h)) / 2h`` for every entry
(or a random sample of entries) of ``x``, and compare it with an analytic gradient by one of
two relative errors: norm-wise over the whole array (``kind="norm"``, the default) or the
largest one entry by entry (``kind="max_entry"``).

Defined in the book chapter "Softmax regression and its likelihood" (``book/02_softmax``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

__all__ = ["numerical_gradient", "relative_error", "check_gradient", "ERROR_KINDS"]

#: The relative errors `relative_error` computes.
ERROR_KINDS = ("norm", "max_entry")


def numerical_gradient(f: Callable[[], float], x: np.ndarray, h: float = 1e-5,
                       indices: Iterable[tuple[int, ...]] | None = None) -> np.ndarray:
    """Central-difference gradient of a scalar function.

    Parameters
    ----------
    f : callable
        ``f()`` returns a float and reads ``x`` (the array is perturbed in place and
        restored).
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


def relative_error(a: np.ndarray, b: np.ndarray, kind: str = "norm",
                   eps: float = 1e-12) -> float:
    """Relative error of two arrays of the same shape, norm-wise or entry by entry.

    - ``kind="norm"``: ``||a - b|| / max(||a|| + ||b||, eps)`` with Euclidean norms over
      the whole array. Entries whose true value is about 0 (where finite differences only
      give rounding noise) weigh as little as their size, so they cannot dominate.
    - ``kind="max_entry"``: ``max_i |a_i - b_i| / max(|a_i| + |b_i|, eps)``, the worst
      single entry. Stricter: one wrong entry among thousands shows in full, but so does
      the rounding noise of an entry whose true value is about 0.

    For arrays of one entry both kinds are the same number.

    Parameters
    ----------
    a, b : ndarray of the same shape (any shape)
    kind : {"norm", "max_entry"}
    eps : float
        Floor of the denominator, so that two zeros compare as equal (error 0).

    Returns
    -------
    float
        0 for identical arrays, 1 for ``b = -a`` (and ``a != 0``); for a correct float64
        gradient about 1e-7 or below (norm), somewhat larger entry by entry; above 1e-2
        for a wrong one.
    """
    if kind not in ERROR_KINDS:
        raise ValueError(f"kind must be one of {ERROR_KINDS}, not {kind!r}")
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, not {a.shape} and {b.shape}")
    if kind == "norm":
        scale = max(np.linalg.norm(a) + np.linalg.norm(b), eps)
        return float(np.linalg.norm(a - b) / scale)
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), eps)))


def check_gradient(f: Callable[[], float], x: np.ndarray, analytic: np.ndarray,
                   h: float = 1e-5, n_checks: int | None = None, seed: int = 0,
                   kind: str = "norm") -> float:
    """Relative error between an analytic gradient and the central-difference one.

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
        Compare this many entries drawn at random without replacement (fast for a large
        ``x``; at most ``x.size``); default all entries. Must be at least 1.
    seed : int
        Seed choosing the entries.
    kind : {"norm", "max_entry"}
        The relative error, see `relative_error`: norm-wise over the compared entries
        (default) or the largest one entry by entry.

    Returns
    -------
    float
        ``relative_error(analytic, numeric, kind)`` over the compared entries.

    Raises
    ------
    ValueError
        If ``n_checks`` is below 1 (nothing would be checked), if ``analytic`` does not
        have the shape of ``x``, or if ``kind`` is unknown.
    """
    if kind not in ERROR_KINDS:
        raise ValueError(f"kind must be one of {ERROR_KINDS}, not {kind!r}")
    analytic = np.asarray(analytic, dtype=np.float64)
    if analytic.shape != np.shape(x):
        raise ValueError(f"analytic has shape {analytic.shape} but x has shape "
                         f"{np.shape(x)}: pass the gradient with respect to x")
    if n_checks is None:
        numeric = numerical_gradient(f, x, h)
        return relative_error(analytic, numeric, kind=kind)
    if isinstance(n_checks, bool) or int(n_checks) != n_checks or n_checks < 1:
        raise ValueError(f"n_checks must be a whole number of entries, at least 1, not "
                         f"{n_checks!r}; use None to check every entry")
    rng = np.random.default_rng(seed)
    flat = rng.choice(x.size, size=min(int(n_checks), x.size), replace=False)
    idx = [np.unravel_index(i, x.shape) for i in flat]
    numeric = numerical_gradient(f, x, h, indices=idx)
    rows = tuple(np.array(i) for i in zip(*idx))
    return relative_error(analytic[rows], numeric[rows], kind=kind)
