"""Minibatch stochastic gradient descent, with optional patience-based early stopping.

Defined in the book chapters "Gradient descent and minibatch SGD" (``book/03_sgd``) and
"Early stopping" (``book/04_early_stopping``).
"""

import contextlib
import math
import time
from dataclasses import dataclass, field

import numpy as np

from ..data import iterate_minibatches

__all__ = ["train_sgd", "History", "evaluate_error"]


@dataclass
class History:
    """What happened during a training run.

    Attributes
    ----------
    records : list of dict
        One per evaluation: ``step`` (updates done), ``epoch``, ``epoch_float`` (epochs
        done, fractional), ``lr``, ``train_loss`` (mean minibatch loss since the previous
        evaluation), and when the sets were given ``valid_error``, ``valid_loss``,
        ``test_error``, ``test_loss``, ``train_error`` (with ``train_metrics=True``),
        ``is_best``.
    best_step : int or None
        Updates done when the best model (lowest validation error) was seen.
    best_valid_error : float or None
    test_error_at_best : float or None
        Test error of the best model: the figure the deeplearning.net tutorial reports.
    n_epochs : int
        Epochs started (the tutorial's "The code run for N epochs").
    n_steps : int
        Minibatch updates done.
    stopped_early : bool
        True when the patience ran out before ``n_epochs`` / ``max_steps``.
    seconds : float
        Wall time of the run, evaluations included.
    """

    records: list = field(default_factory=list)
    best_step: int = None
    best_valid_error: float = None
    test_error_at_best: float = None
    n_epochs: int = 0
    n_steps: int = 0
    stopped_early: bool = False
    seconds: float = 0.0

    def column(self, name):
        """One metric over the evaluations, ndarray of shape (n_records,), NaN where absent."""
        return np.array([r.get(name, np.nan) for r in self.records], dtype=float)

    def as_dict(self):
        """Plain-Python copy, ready for ``json.dump``."""
        return {
            "records": [dict(r) for r in self.records],
            "best_step": self.best_step,
            "best_valid_error": self.best_valid_error,
            "test_error_at_best": self.test_error_at_best,
            "n_epochs": self.n_epochs,
            "n_steps": self.n_steps,
            "stopped_early": self.stopped_early,
            "seconds": self.seconds,
        }


def evaluate_error(model, X, y, batch_size=None, whole_batches_only=False):
    """Error rate of ``model`` on (X (N, D), y (N,)), optionally over whole batches only.

    With ``whole_batches_only=True`` only the first ``(N // batch_size) * batch_size``
    rows count, as the deeplearning.net tutorial averages its per-batch errors.
    """
    if whole_batches_only:
        n = (X.shape[0] // batch_size) * batch_size
        if n == 0:
            raise ValueError(f"no whole batch of {batch_size} in a set of {X.shape[0]} rows")
        X, y = X[:n], y[:n]
    return model.error_rate(X, y)


def _check_xy(X, y, name, dtype, D):
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != D:
        raise ValueError(f"{name}: X must have shape (N, {D}), got {X.shape}")
    if y.shape != (X.shape[0],):
        raise ValueError(f"{name}: y must have shape ({X.shape[0]},), got {y.shape}")
    if not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"{name}: labels must be integers, got dtype {y.dtype}")
    return np.ascontiguousarray(X, dtype=dtype), y


def train_sgd(model, X, y, *, lr=0.13, batch_size=60, n_epochs=100, max_steps=None,
              shuffle=False, seed=None, drop_last=False, valid=None, test=None,
              early_stopping=None, eval_every=None, eval_whole_batches=False,
              train_metrics=False, keep_best=True, progress=False, blas_threads=1):
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
        At most this many updates (the TensorFlow source document runs 1000 steps).
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
        Show a progress bar.
    blas_threads : int or None
        BLAS threads during training. Minibatch products are small: one thread is several
        times faster than two here, and far faster on a busy machine where threads wait
        for each other. None leaves the BLAS setting alone.

    Returns
    -------
    History

    Notes
    -----
    The rows of the next batches are copied (or, shuffled, gathered) on a background thread
    while the current step computes: ``iterate_minibatches(..., prefetch=True)``.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size}")
    if n_epochs < 1:
        raise ValueError(f"n_epochs must be at least 1, got {n_epochs}")
    if early_stopping is not None and valid is None:
        raise ValueError("early stopping needs a validation set: pass valid=(X_valid, y_valid)")
    if not callable(lr) and not lr > 0:
        raise ValueError(f"the learning rate must be positive, got {lr}")
    D = model.params[0].shape[0]
    X, y = _check_xy(X, y, "training set", model.dtype, D)
    valid = _check_xy(*valid, "validation set", model.dtype, D) if valid is not None else None
    test = _check_xy(*test, "test set", model.dtype, D) if test is not None else None
    N = X.shape[0]
    if N < batch_size and drop_last:
        raise ValueError(f"a training set of {N} rows has no whole batch of {batch_size}")
    n_batches = N // batch_size if drop_last else math.ceil(N / batch_size)
    total_steps = n_batches * n_epochs if max_steps is None else min(max_steps, n_batches * n_epochs)
    if early_stopping is not None:
        early_stopping.reset()
        frequency = early_stopping.validation_frequency(n_batches)
    else:
        frequency = eval_every or n_batches
    lr_at = lr if callable(lr) else (lambda step, _lr=float(lr): _lr)

    # A diverging run is reported once, as a FloatingPointError naming the learning rate,
    # rather than as a stream of overflow warnings.
    with _blas_limit(blas_threads), np.errstate(over="ignore", invalid="ignore"):
        return _train_loop(model, X, y, lr_at, batch_size, n_batches, n_epochs, total_steps,
                           shuffle, seed, drop_last, valid, test, early_stopping, frequency,
                           eval_whole_batches, train_metrics, keep_best, progress)


def _blas_limit(threads):
    if threads is None:
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=threads, user_api="blas")


def _metrics(model, train, valid, test, batch_size, eval_whole_batches):
    """Errors and losses of one evaluation, for the sets given (each (X, y) or None)."""
    metrics = {}
    if train is not None:
        metrics["train_error"] = model.error_rate(*train)
        metrics["train_loss_full"] = model.loss(*train)
    for name, data in (("valid", valid), ("test", test)):
        if data is not None:
            metrics[f"{name}_error"] = evaluate_error(model, *data, batch_size=batch_size,
                                                      whole_batches_only=eval_whole_batches)
            metrics[f"{name}_loss"] = model.loss(*data)
    return metrics


def _train_loop(model, X, y, lr_at, batch_size, n_batches, n_epochs, total_steps, shuffle, seed,
                drop_last, valid, test, early_stopping, frequency, eval_whole_batches,
                train_metrics, keep_best, progress):
    """The loop of ``train_sgd``, its arguments checked."""
    history = History()
    best_state = None
    best_error = math.inf
    cost_sum, cost_count = 0.0, 0
    step = 0
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    done = False
    epoch = 0
    # What is opened here is closed on every exit, an early stop or an error: the progress bar,
    # and the batch iterators, whose prefetch thread ends with them.
    with contextlib.ExitStack() as opened:
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = opened.enter_context(tqdm(total=total_steps, unit="step", leave=False,
                                            desc=f"training {type(model).__name__}"))
        while epoch < n_epochs and not done:
            epoch += 1
            batches = opened.enter_context(contextlib.closing(iterate_minibatches(
                X, y, batch_size, shuffle=shuffle, seed=rng, drop_last=drop_last, prefetch=True)))
            for Xb, yb in batches:
                rate = lr_at(step)
                cost = model.sgd_step(Xb, yb, rate)
                if not math.isfinite(cost):
                    raise FloatingPointError(
                        f"the training loss became {cost} at step {step + 1} (epoch {epoch}): "
                        f"the learning rate {rate} is too large for this model; try a smaller one")
                cost_sum += cost
                cost_count += 1
                iteration = step  # the tutorial's 0-based 'iter'
                step += 1
                if bar is not None:
                    bar.update(1)
                if step % frequency == 0 or step == total_steps:
                    record = {"step": step, "epoch": epoch, "epoch_float": step / n_batches,
                              "lr": float(rate), "train_loss": cost_sum / cost_count}
                    cost_sum, cost_count = 0.0, 0
                    record.update(_metrics(model, (X, y) if train_metrics else None, valid, test,
                                           batch_size, eval_whole_batches))
                    if valid is not None:
                        is_best = record["valid_error"] < best_error
                        if early_stopping is not None:
                            early_stopping.update(iteration, record["valid_error"])
                        if is_best:
                            best_error = record["valid_error"]
                            history.best_step = step
                            history.best_valid_error = best_error
                            history.test_error_at_best = record.get("test_error")
                            if keep_best:
                                best_state = model.get_state()
                        record["is_best"] = is_best
                        if bar is not None:
                            bar.set_postfix(valid_error=f"{record['valid_error']:.4f}")
                    history.records.append(record)
                if early_stopping is not None and early_stopping.should_stop(iteration):
                    history.stopped_early = True
                    done = True
                    break
                if step >= total_steps:
                    done = True
                    break
    if best_state is not None:
        model.set_state(best_state)
    elif valid is None and test is not None and history.records:
        history.test_error_at_best = history.records[-1].get("test_error")
    history.n_epochs = epoch
    history.n_steps = step
    history.seconds = time.perf_counter() - start
    return history
