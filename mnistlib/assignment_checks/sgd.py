"""Visible checks of assignment 02_sgd (minibatch_indices, accuracy, train_softmax_sgd).

In the notebook::

    from mnistlib.assignment_checks.sgd import check
    check("minibatch_known_answers", minibatch_indices)

Shapes: N samples, D features, C classes; ``X`` (N, D), ``y`` (N,), ``W`` (D, C), ``b`` (C,).

Drivers
-------
``minibatch_indices`` takes a numpy Generator, returns one array per batch (84 of them for
N = 5000, more than a returned list may hold) and is called twice with one generator for two
epochs; the training checks of the grader replace the notebook's ``minibatch_indices`` by a
reference while ``train_softmax_sgd`` runs, so that a wrong ``minibatch_indices`` costs only its
own cells. None of that is plain data, so such a check names a *driver* (``Check.driver``): a
function of this module called as ``driver(function, *args, **kwargs)`` instead of
``function(*args, **kwargs)``. A driver only arranges the calls (a seeded generator, a stand-in)
and returns plain data (an epoch's batches as their sizes and their concatenated indices); it
runs in the student's kernel and decides nothing: the verdict judges what it returns.
:data:`DRIVERS` lists them.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from ._core import Call, Check, TypeTag, array, expect, items, number, run_visible

#: mnistlib functions the graded functions must not call (the notebook's "Your own code").
OFF = ("train_sgd", "iterate_minibatches", "SoftmaxRegression.sgd_step",
       "SoftmaxRegression.loss_and_grad",
       # the drivers (run as copies of themselves): the training driver holds the reference
       # minibatch_indices, which a graded function calling it would get
       "assignment_checks.sgd.epochs", "assignment_checks.sgd.train_reference_batches")
#: Validation accuracy five epochs with the tutorial's settings must reach.
MIN_ACCURACY = 0.86


def mini():
    """The notebook's data: mnistlib's mini subset (float32 images, 5,000 train, 1,000 valid)."""
    from mnistlib import load_mnist

    return load_mnist(subset="mini")


# -- drivers (run where the function runs; they return plain data) ----------------------------
def _epoch(batches: Any) -> Any:
    """One epoch's batches as ``[sizes, indices]`` (sizes (B,) int, the batches concatenated),
    or the returned value itself if it is not a sequence (the verdict names its type)."""
    if isinstance(batches, (str, bytes, dict)) or not hasattr(batches, "__iter__"):
        return batches
    parts = [np.ravel(np.asarray(batch)) for batch in batches]
    sizes = np.array([part.size for part in parts], dtype=np.int64)
    indices = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    return [sizes, indices]


def epochs(minibatch_indices: Callable, N: Any, batch_size: Any, calls: Any, shuffle: Any,
           seed: Any) -> list:
    """``calls`` epochs' batches, as a training loop draws them.

    With ``shuffle``, every call is ``minibatch_indices(N, batch_size, rng)`` with ONE generator
    ``rng = np.random.default_rng(seed)``; without, ``minibatch_indices(N, batch_size)``.
    Returns one ``[sizes, indices]`` per call.
    """
    rng = np.random.default_rng(int(seed)) if shuffle else None
    extra = (rng,) if shuffle else ()
    return [_epoch(minibatch_indices(int(N), int(batch_size), *extra))
            for _ in range(int(calls))]


def train_reference_batches(train_softmax_sgd: Callable, *args: Any, **kwargs: Any) -> Any:
    """``train_softmax_sgd(*args, **kwargs)`` with the notebook's ``minibatch_indices`` replaced
    by the specification's during the call (consecutive slices of ``rng.permutation(N)``), so
    that the training is judged alone."""
    def reference(N, batch_size, rng=None):
        order = np.arange(N) if rng is None else rng.permutation(N)
        return [order[start:start + batch_size] for start in range(0, N, batch_size)]

    namespace = getattr(train_softmax_sgd, "__globals__", None)
    if not isinstance(namespace, dict):
        return train_softmax_sgd(*args, **kwargs)
    missing = object()
    theirs = namespace.get("minibatch_indices", missing)
    namespace["minibatch_indices"] = reference
    try:
        return train_softmax_sgd(*args, **kwargs)
    finally:
        if theirs is missing:
            namespace.pop("minibatch_indices", None)
        else:
            namespace["minibatch_indices"] = theirs


#: The drivers a check may name (the kernel side accepts no other).
DRIVERS = ("epochs", "train_reference_batches")


# -- helpers for verdicts ----------------------------------------------------------------------
def _kind(value: Any) -> str:
    if isinstance(value, TypeTag):
        return value.name
    return "an array" if isinstance(value, np.ndarray) else "something else"


def epoch(value: Any, what: str) -> list:
    """The batches (lists of int) of one epoch summarised by a driver, or CheckFailed."""
    expect(isinstance(value, list) and len(value) == 2 and all(
        isinstance(v, np.ndarray) for v in value),
        f"{what} must return a list of index arrays, one per batch; got {_kind(value)}")
    sizes, indices = value
    # Checked as hostile data: the summary comes from the student's kernel.
    expect(sizes.ndim == 1 and indices.ndim == 1 and sizes.dtype.kind in "iu"
           and (sizes >= 0).all() and int(sizes.sum()) == indices.size,
           f"{what}: the summary of the batches is malformed")
    expect(indices.size == 0 or (np.isfinite(indices).all()
                                 and np.array_equal(indices, np.round(indices))),
           f"{what}: the batches must hold integer row indices")
    if sizes.size == 0:
        return []
    bounds = np.cumsum(sizes)[:-1].astype(np.int64)
    return [[int(i) for i in part] for part in np.split(indices.astype(np.int64), bounds)]


def losses_of(value: Any, what: str = "losses") -> np.ndarray:
    """The recorded losses (a list of numbers or an array) as a 1-d float64 array."""
    if isinstance(value, list):
        return np.array([number(v, f"each of the {what}") for v in value], dtype=np.float64)
    return np.ravel(array(value, what))


# -- minibatch_indices -------------------------------------------------------------------------
def the_epoch(value: Any, what: str) -> list:
    """The batches of the one epoch an :func:`epochs` call of one epoch returned."""
    expect(isinstance(value, list) and len(value) == 1,
           f"{what} must return a list of index arrays, one per batch; got {_kind(value)}")
    return epoch(value[0], what)


def _minibatch_calls() -> list:
    # Arguments of the driver `epochs`: N, batch_size, calls, shuffle, seed.
    return [Call((10, 4, 1, False, 0)), Call((10, 4, 1, True, 0))]


def _minibatch_verdict(calls: list, outcomes: list) -> None:
    batches = the_epoch(outcomes[0].value, "minibatch_indices(10, 4)")
    expect(batches == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]],
           f"expected [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]], got {batches}")
    shuffled = the_epoch(outcomes[1].value, "minibatch_indices(10, 4, rng)")
    expect([len(b) for b in shuffled] == [4, 4, 2],
           f"shuffled batches must have the same sizes [4, 4, 2], got "
           f"{[len(b) for b in shuffled]}")
    expect(sorted(i for b in shuffled for i in b) == list(range(10)),
           "the shuffled batches must hold every index 0..9 exactly once")


# -- accuracy ----------------------------------------------------------------------------------
def _accuracy_calls() -> list:
    data = mini()
    X, y = data.X_valid, np.asarray(data.y_valid)
    D, C = X.shape[1], 10
    b_one = np.zeros(C)
    b_one[y[0]] = 1.0  # favours the true class of the first sample only
    small = np.array([[2.0, 1, 0], [0, 1, 3], [1, 2, 0]])  # W = I: predictions [0, 2, 1]
    return [Call((np.zeros((D, C)), np.zeros(C), X, y)), Call((np.zeros((D, C)), b_one, X, y)),
            Call((np.eye(3), np.zeros(3), small, np.array([0, 1, 1])))]


def _accuracy_verdict(calls: list, outcomes: list) -> None:
    y = calls[0].args[3]
    acc0 = number(outcomes[0].value, "accuracy")
    expect(abs(acc0 - np.mean(y == 0)) < 1e-12,
           f"zero weights predict class 0 everywhere: expected {np.mean(y == 0)}, got {acc0}")
    acc_one = number(outcomes[1].value, "accuracy")
    expect(abs(acc_one - np.mean(y == y[0])) < 1e-12, (
        f"a bias of 1 for class {y[0]} predicts it everywhere: expected {np.mean(y == y[0])}, "
        f"got {acc_one} (add b to the scores)"))
    acc_small = number(outcomes[2].value, "accuracy")
    expect(abs(acc_small - 2 / 3) < 1e-12,
           f"predictions [0, 2, 1] for labels [0, 1, 1]: expected 2/3, got {acc_small}")


# -- train_softmax_sgd -------------------------------------------------------------------------
def _train_calls() -> list:
    data = mini()
    return [Call((data.X_train, np.asarray(data.y_train)),
                 {"lr": 0.13, "batch_size": 60, "n_epochs": 5, "seed": 0})]


def _train_verdict(calls: list, outcomes: list) -> None:
    D, C = calls[0].args[0].shape[1], 10
    W, b, losses = items(outcomes[0].value, 3, "train_softmax_sgd")
    W, b = array(W, "W"), array(b, "b")
    expect(W.shape == (D, C) and b.shape == (C,),
           f"W must have shape (D, C) = {(D, C)} and b shape (C,), got {W.shape} and {b.shape}")
    losses = losses_of(losses)
    expect(len(losses) == 5, f"one loss per epoch: expected 5, got {len(losses)}")
    expect(losses[0] < math.log(10) and losses[-1] < losses[0],
           f"the loss must fall below log 10 = 2.3026 and keep falling, got "
           f"{np.round(losses, 4)}")
    # Counted here, not with the notebook's accuracy(), so that this grades the training alone.
    data = mini()
    valid = float(np.mean(np.argmax(data.X_valid @ W + b, axis=1) == data.y_valid))
    expect(valid >= MIN_ACCURACY,
           f"5 epochs must reach at least {MIN_ACCURACY:.0%} validation accuracy, got "
           f"{valid:.1%} (losses per epoch {np.round(losses, 4)})")


#: The visible checks, by name.
CHECKS = {c.name: c for c in [
    Check("minibatch_known_answers", "minibatch_indices", _minibatch_calls, _minibatch_verdict,
          OFF, driver=epochs),
    Check("accuracy_known_answers", "accuracy", _accuracy_calls, _accuracy_verdict, OFF),
    Check("train_reaches_86_percent", "train_softmax_sgd", _train_calls, _train_verdict, OFF),
]}


def check(name: str, function: Callable[..., Any]) -> None:
    """Run the visible check ``name`` on ``function``: AssertionError with what to fix, or
    ``"<name>: passed"``."""
    run_visible(CHECKS, name, function)
