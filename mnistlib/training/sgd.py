"""Minibatch stochastic gradient descent, with optional patience-based early stopping.

Defined in the book chapters "Gradient descent and minibatch SGD" (``book/03_sgd``) and
"Early stopping" (``book/04_early_stopping``).
"""

from __future__ import annotations

import contextlib
import numbers
from typing import Any, Callable

import numpy as np

from .._checks import as_features, as_labels, check_finite, check_lr, warn_if_raw_pixels
from .early_stopping import EarlyStopping
from .trainer import Evaluation, History, ProgressBar, Trainer, evaluate_error

__all__ = ["train_sgd", "History", "evaluate_error"]


def _check_count(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def _check_set(data: Any, name: str, dtype: Any, D: int, C: int | None,
               finite: bool) -> tuple[np.ndarray, np.ndarray]:
    """One (X, y) set, checked; ``finite`` scans X for NaN / infinity (a full pass)."""
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise TypeError(f"{name} must be a pair (X, y) of arrays, got "
                        f"{type(data).__name__}" + (f" of length {len(data)}"
                                                    if hasattr(data, "__len__") else ""))
    X = as_features(data[0], f"{name}: X", D=D)
    y = as_labels(data[1], X.shape[0], C, f"{name}: y")
    warn_if_raw_pixels(X, f"{name}: X")
    X = np.ascontiguousarray(X, dtype=dtype)
    if finite:
        check_finite(X, f"{name}: X")
    return X, y


def train_sgd(model: Any, X: Any, y: Any, *, lr: float | Callable[[int], float] = 0.13,
              batch_size: int = 60, n_epochs: int = 100, max_steps: int | None = None,
              shuffle: bool = False, seed: Any = None, drop_last: bool = False,
              valid: tuple | None = None, test: tuple | None = None,
              early_stopping: EarlyStopping | None = None, eval_every: int | None = None,
              eval_whole_batches: bool = False, train_metrics: bool = False,
              keep_best: bool = True, progress: bool = False,
              blas_threads: int | None = 1) -> History:
    """Train ``model`` in place by minibatch SGD and return its History.

    Parameters
    ----------
    model : SoftmaxRegression or MLP
        Any mnistlib classifier (it provides ``sgd_step``).
    X : ndarray of shape (N, D)
    y : ndarray of shape (N,)
    lr : float or callable
        Learning rate, or ``lr(step) -> float`` for a schedule (``step`` counts updates from 0).
    batch_size : int
    n_epochs : int
        At most this many passes over the training set.
    max_steps : int, optional
        At most this many updates (the TensorFlow source document runs 1000 steps); 0 makes
        no update.
    shuffle : bool
        False: batches in order, as the deeplearning.net tutorial; True: a new permutation
        each epoch, drawn from ``seed``.
    seed : int, optional
    drop_last : bool
        Skip the last incomplete batch of each epoch (the tutorial uses ``N // batch_size``
        batches).
    valid, test : tuple (X, y), optional
        Evaluated at every evaluation; the validation set chooses the best model.
    early_stopping : EarlyStopping, optional
        Patience rule (needs ``valid``). It also sets the evaluation frequency.
    eval_every : int, optional
        Updates between evaluations without early stopping (default: once per epoch).
    eval_whole_batches : bool
        Count only whole batches of ``batch_size`` in validation and test errors, as the
        tutorial does.
    train_metrics : bool
        Also compute the error on the whole training set at each evaluation (costs a pass).
    keep_best : bool
        With ``valid``, restore the parameters of the best model at the end.
    progress : bool
        Show a progress bar (only when the output is a terminal).
    blas_threads : int or None
        BLAS threads during training. Minibatch products are small: one thread is several
        times faster than two here, and far faster on a busy machine where threads wait
        for each other. None leaves the BLAS setting alone.

    Returns
    -------
    History

    Raises
    ------
    ValueError, TypeError
        Bad input, before any update: shapes, labels outside 0..C-1, ``valid`` not (X, y),
        NaN or infinity in the validation or test set, a learning rate that is not a positive
        number. NaN or infinity in the training set is found (and named) when the loss stops
        being finite, so that the check costs no pass over X; the model then keeps the
        parameters it had before the run, as on every error.
    FloatingPointError
        The loss diverged: "divergence detected at step k: lower the learning rate".

    Warns
    -----
    PixelScaleWarning
        X looks like raw 0-255 pixels (divide by 255).
    UserWarning
        A learning rate above 100.

    Notes
    -----
    The loop is a :class:`~mnistlib.training.trainer.Trainer` with the callbacks
    :class:`~mnistlib.training.trainer.Evaluation`, ``early_stopping`` and, with ``progress``,
    :class:`~mnistlib.training.trainer.ProgressBar`.

    The rows of the next batches are copied (or, shuffled, gathered) on a background thread
    while the current step computes: ``iterate_minibatches(..., prefetch=True)``.
    """
    dtype = getattr(model, "dtype", None)
    if not hasattr(model, "sgd_step") or dtype is None:
        raise TypeError(f"train_sgd trains an mnistlib model (SoftmaxRegression, MLP, "
                        f"AveragedModel), got {type(model).__name__}")
    batch_size = _check_count(batch_size, "batch_size", 1)
    n_epochs = _check_count(n_epochs, "n_epochs", 1)
    if max_steps is not None:
        max_steps = _check_count(max_steps, "max_steps", 0)
    if eval_every is not None:
        eval_every = _check_count(eval_every, "eval_every", 1)
    if blas_threads is not None:
        blas_threads = _check_count(blas_threads, "blas_threads", 1)
    if early_stopping is not None:
        if not isinstance(early_stopping, EarlyStopping):
            raise TypeError(f"early_stopping must be an EarlyStopping, got "
                            f"{type(early_stopping).__name__}")
        if valid is None:
            raise ValueError("early stopping needs a validation set: pass "
                             "valid=(X_valid, y_valid)")
    lr_at = lr if callable(lr) else _constant(check_lr(lr))
    D = model.params[0].shape[0]
    C = model.params[-1].shape[0]
    X, y = _check_set((X, y), "training set", dtype, D, C, finite=False)
    valid = _check_set(valid, "validation set", dtype, D, C, True) if valid is not None else None
    test = _check_set(test, "test set", dtype, D, C, True) if test is not None else None
    N = X.shape[0]
    if N < batch_size and drop_last:
        raise ValueError(f"a training set of {N} rows has no whole batch of {batch_size}")
    trainer = Trainer(lr_at, batch_size, n_epochs, max_steps=max_steps, shuffle=shuffle,
                      seed=seed, drop_last=drop_last)
    n_batches = trainer.n_batches(N)
    if early_stopping is not None:
        every = early_stopping.validation_frequency(n_batches)
    else:
        every = eval_every or n_batches
    trainer.callbacks.append(Evaluation(every, valid=valid, test=test,
                                        train_metrics=train_metrics,
                                        whole_batches=eval_whole_batches, keep_best=keep_best))
    if early_stopping is not None:
        trainer.callbacks.append(early_stopping)
    if progress:
        trainer.callbacks.append(ProgressBar())
    with _blas_limit(blas_threads):
        return trainer.fit(model, X, y)


def _constant(rate: float) -> Callable[[int], float]:
    return lambda step: rate


def _blas_limit(threads: int | None) -> Any:
    if threads is None:
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=threads, user_api="blas")
