"""Minibatch iteration over (X, y)."""

from __future__ import annotations

from collections.abc import Iterator
from numbers import Integral

import numpy as np


def iterate_minibatches(
    X: np.ndarray,
    y: np.ndarray,
    batch_size: int,
    shuffle: bool = False,
    seed=None,
    drop_last: bool = False,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield minibatches ``(X_batch, y_batch)`` covering the N rows of X and y once.

    Parameters
    ----------
    X : ndarray of shape (N, ...)
        Samples, e.g. (N, D) images.
    y : ndarray of shape (N, ...)
        Targets, e.g. (N,) labels.
    batch_size : int
        Rows per batch (B); the last batch may be smaller unless ``drop_last``.
    shuffle : bool, default False
        False: batches in row order, as in the Theano tutorial (batch i holds rows
        ``i*B .. (i+1)*B - 1``; these are views, not copies). True: rows in the order of
        ``np.random.default_rng(seed).permutation(N)`` (copies).
    seed : int, numpy.random.Generator or None, default None
        Seed for the shuffle: the same seed gives the same batches. None gives fresh randomness.
        Ignored when ``shuffle`` is False.
    drop_last : bool, default False
        Drop the last batch if it has fewer than ``batch_size`` rows.

    Yields
    ------
    X_batch : ndarray of shape (B, ...)
    y_batch : ndarray of shape (B, ...)

    Raises
    ------
    ValueError
        If X and y have different lengths or ``batch_size`` is not a positive integer
        (raised at the call, before iterating).
    """
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same number of rows, got {len(X)} and {len(y)}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, Integral) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    order = np.random.default_rng(seed).permutation(len(X)) if shuffle else None
    return _batches(X, y, int(batch_size), order, drop_last)


def _batches(X, y, batch_size, order, drop_last):
    n = len(X)
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        if order is None:
            rows = slice(start, start + batch_size)
        else:
            rows = order[start : start + batch_size]
        yield X[rows], y[rows]
