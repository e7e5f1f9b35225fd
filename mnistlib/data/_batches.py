"""Minibatch iteration over (X, y)."""

from __future__ import annotations

from collections.abc import Generator
from concurrent.futures import ThreadPoolExecutor
from numbers import Integral

import numpy as np

# Rows gathered per hand-over to the background thread of ``prefetch=True``: about 3 MB of
# float32 images, which stays in cache until the loop reads it, and few enough hand-overs
# per epoch that their cost (tens of microseconds each) does not matter.
PREFETCH_ROWS = 1024


def iterate_minibatches(
    X: np.ndarray,
    y: np.ndarray,
    batch_size: int,
    shuffle: bool = False,
    seed: int | np.random.Generator | None = None,
    drop_last: bool = False,
    *,
    prefetch: bool = False,
) -> Generator[tuple[np.ndarray, np.ndarray], None, None]:
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
        ``i*B .. (i+1)*B - 1``; views of X unless ``prefetch``). True: rows in the order of
        ``np.random.default_rng(seed).permutation(N)`` (copies).
    seed : int, numpy.random.Generator or None, default None
        Seed for the shuffle: the same seed gives the same batches. None gives fresh randomness.
        Ignored when ``shuffle`` is False.
    drop_last : bool, default False
        Drop the last batch if it has fewer than ``batch_size`` rows.
    prefetch : bool, default False
        Copy (or with ``shuffle``, gather) the rows on a background thread, about
        ``PREFETCH_ROWS`` rows ahead of the loop, into two reused buffers. The gather then
        overlaps the loop's own work (on a second core) and allocates no memory per batch.
        A batch stays valid only until the next one is asked for: for loops such as
        ``train_sgd`` that are done with a batch by then. Batches of more than
        ``PREFETCH_ROWS`` rows are not prefetched: their own work dwarfs the gather, and two
        buffers of them (up to two copies of X) would cost memory for nothing.

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
    if prefetch and batch_size <= PREFETCH_ROWS:
        return _prefetched_batches(X, y, int(batch_size), order, drop_last)
    return _batches(X, y, int(batch_size), order, drop_last)


def _stop(n: int, batch_size: int, drop_last: bool) -> int:
    """Rows covered by the batches: all n, or the whole batches only."""
    return n - n % batch_size if drop_last else n


def _batches(X: np.ndarray, y: np.ndarray, batch_size: int, order: np.ndarray | None,
             drop_last: bool) -> Generator[tuple[np.ndarray, np.ndarray], None, None]:
    for start in range(0, _stop(len(X), batch_size, drop_last), batch_size):
        rows = slice(start, start + batch_size) if order is None else order[start : start + batch_size]
        yield X[rows], y[rows]


def _prefetched_batches(X: np.ndarray, y: np.ndarray, batch_size: int, order: np.ndarray | None,
                        drop_last: bool) -> Generator[tuple[np.ndarray, np.ndarray], None, None]:
    stop = _stop(len(X), batch_size, drop_last)
    # Chunks of whole batches, so that no batch straddles two chunks.
    chunk_rows = max(1, PREFETCH_ROWS // batch_size) * batch_size
    starts = range(0, stop, chunk_rows)
    buffers = [np.empty((min(chunk_rows, stop),) + X.shape[1:], dtype=X.dtype) for _ in range(2)]

    def gather(k: int) -> tuple[np.ndarray, np.ndarray]:
        end = min(starts[k] + chunk_rows, stop)
        X_chunk = buffers[k % 2][: end - starts[k]]
        if order is None:
            np.copyto(X_chunk, X[starts[k] : end])
            return X_chunk, y[starts[k] : end]
        rows = order[starts[k] : end]
        # mode="clip" skips numpy's bounds-checked copy; the rows come from a permutation.
        np.take(X, rows, axis=0, out=X_chunk, mode="clip")
        return X_chunk, y[rows]

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mnistlib-batches")
    try:
        upcoming = pool.submit(gather, 0) if starts else None
    except RuntimeError:  # no thread to be had (a process limit): the same batches, unprefetched
        pool.shutdown()
        yield from _batches(X, y, batch_size, order, drop_last)
        return
    with pool:
        for k in range(len(starts)):
            assert upcoming is not None  # there is a chunk k, so chunk 0 was submitted
            X_chunk, y_chunk = upcoming.result()
            if k + 1 < len(starts):
                upcoming = pool.submit(gather, k + 1)  # fills the other buffer meanwhile
            for lo in range(0, len(y_chunk), batch_size):
                yield X_chunk[lo : lo + batch_size], y_chunk[lo : lo + batch_size]
