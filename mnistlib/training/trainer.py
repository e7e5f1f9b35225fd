"""A small SGD trainer with callbacks: the stepping loop, and what happens around it.

:class:`Trainer` only steps: it cuts the training set into minibatches, calls the model's
``sgd_step`` on each and stops after ``n_epochs`` epochs, ``max_steps`` updates or when a
callback asks. Everything else is a :class:`Callback` (as in Keras, or d2l's ``Trainer``):
:class:`Evaluation` (validation / test errors every ``every`` updates, the best parameters),
:class:`~mnistlib.training.EarlyStopping` (the patience rule) and :class:`ProgressBar`.
:func:`~mnistlib.train_sgd` assembles them for the book's one-call use.
"""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from .._checks import check_finite
from ..data import iterate_minibatches

__all__ = ["Trainer", "TrainState", "Callback", "Evaluation", "ProgressBar", "History",
           "evaluate_error"]

LearningRate = Callable[[int], float]


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
    best_step: int | None = None
    best_valid_error: float | None = None
    test_error_at_best: float | None = None
    n_epochs: int = 0
    n_steps: int = 0
    stopped_early: bool = False
    seconds: float = 0.0

    def column(self, name: str) -> np.ndarray:
        """One metric over the evaluations, ndarray of shape (n_records,), NaN where absent."""
        return np.array([r.get(name, np.nan) for r in self.records], dtype=float)

    def as_dict(self) -> dict:
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


def evaluate_error(model: Any, X: np.ndarray, y: np.ndarray, batch_size: int | None = None,
                   whole_batches_only: bool = False) -> float:
    """Error rate of ``model`` on (X (N, D), y (N,)), optionally over whole batches only.

    With ``whole_batches_only=True`` only the first ``(N // batch_size) * batch_size``
    rows count, as the deeplearning.net tutorial averages its per-batch errors.
    """
    if whole_batches_only:
        if not batch_size or batch_size < 1:
            raise ValueError("whole_batches_only needs a positive batch_size")
        n = (X.shape[0] // batch_size) * batch_size
        if n == 0:
            raise ValueError(f"no whole batch of {batch_size} in a set of {X.shape[0]} rows")
        X, y = X[:n], y[:n]
    return float(model.error_rate(X, y))


@dataclass
class TrainState:
    """What the callbacks see of a run (the trainer updates it in place).

    ``step`` counts updates done, ``epoch`` epochs started, ``cost`` is the last minibatch's
    loss and ``rate`` its learning rate; a callback sets ``stop = True`` to end the run.
    """

    model: Any
    X: np.ndarray
    y: np.ndarray
    batch_size: int
    n_batches: int
    total_steps: int
    history: History
    step: int = 0
    epoch: int = 0
    cost: float = math.nan
    rate: float = math.nan
    stop: bool = False
    notify: Callable[[dict], None] = field(default=lambda record: None, repr=False)


class Callback:
    """Hooks the :class:`Trainer` calls; every one does nothing unless overridden."""

    def on_train_begin(self, state: TrainState) -> None:
        """Before the first update."""

    def on_step_end(self, state: TrainState) -> None:
        """After every update (``state.step`` updates done)."""

    def on_evaluate(self, state: TrainState, record: dict) -> None:
        """After an :class:`Evaluation` appended ``record`` to the history."""

    def on_train_end(self, state: TrainState) -> None:
        """After the last update, on a normal end (not on an error)."""


class Evaluation(Callback):
    """Every ``every`` updates (and after the last one), measure and record the metrics.

    A record holds the step, epoch, learning rate, the mean minibatch loss since the previous
    record, and the error and loss on each set given. With ``valid`` the lowest validation
    error marks the best model; with ``keep_best`` its parameters are restored at the end.

    Parameters
    ----------
    every : int
        Updates between evaluations.
    valid, test : tuple (X, y), optional
        Checked arrays (X (N, D) of the model's dtype, y (N,)).
    train_metrics : bool
        Also the error and loss on the whole training set (a pass over it).
    whole_batches : bool
        Count only whole batches of the trainer's batch size (the tutorial's average).
    keep_best : bool
    """

    def __init__(self, every: int, valid: tuple | None = None, test: tuple | None = None,
                 train_metrics: bool = False, whole_batches: bool = False,
                 keep_best: bool = True) -> None:
        if every < 1:
            raise ValueError(f"evaluations need every >= 1 updates, got {every}")
        self.every, self.valid, self.test = int(every), valid, test
        self.train_metrics, self.whole_batches, self.keep_best = (
            train_metrics, whole_batches, keep_best)

    def on_train_begin(self, state: TrainState) -> None:
        self._cost_sum, self._cost_count = 0.0, 0
        self._best_error = math.inf
        self._best_state = None

    def on_step_end(self, state: TrainState) -> None:
        self._cost_sum += state.cost
        self._cost_count += 1
        if state.step % self.every == 0 or state.step == state.total_steps:
            self.evaluate(state)

    def metrics(self, state: TrainState) -> dict:
        """Errors and losses on the sets given, for the model as it is now."""
        model, out = state.model, {}
        if self.train_metrics:
            out["train_error"] = model.error_rate(state.X, state.y)
            out["train_loss_full"] = model.loss(state.X, state.y)
        for name, data in (("valid", self.valid), ("test", self.test)):
            if data is not None:
                out[f"{name}_error"] = evaluate_error(model, data[0], data[1], batch_size=state.batch_size,
                                                      whole_batches_only=self.whole_batches)
                out[f"{name}_loss"] = model.loss(*data)
        return out

    def evaluate(self, state: TrainState) -> dict:
        """Measure, append a record to ``state.history``, tell the other callbacks."""
        record = {"step": state.step, "epoch": state.epoch,
                  "epoch_float": state.step / state.n_batches, "lr": float(state.rate),
                  "train_loss": self._cost_sum / self._cost_count}
        self._cost_sum, self._cost_count = 0.0, 0
        record.update(self.metrics(state))
        history = state.history
        if self.valid is not None:
            is_best = record["valid_error"] < self._best_error
            if is_best:
                self._best_error = record["valid_error"]
                history.best_step = state.step
                history.best_valid_error = self._best_error
                history.test_error_at_best = record.get("test_error")
                if self.keep_best:
                    self._best_state = state.model.get_state()
            record["is_best"] = is_best
        history.records.append(record)
        state.notify(record)
        return record

    def on_train_end(self, state: TrainState) -> None:
        if self._best_state is not None:
            state.model.set_state(self._best_state)
        elif self.valid is None and self.test is not None and state.history.records:
            state.history.test_error_at_best = state.history.records[-1].get("test_error")


class ProgressBar(Callback):
    """A tqdm bar over the updates; off when the output is not a terminal (``disable=None``)."""

    def __init__(self, desc: str | None = None) -> None:
        self.desc = desc
        self._bar: Any = None

    def on_train_begin(self, state: TrainState) -> None:
        from tqdm.auto import tqdm

        self._bar = tqdm(total=state.total_steps, unit="step", leave=False, disable=None,
                         desc=self.desc or f"training {type(state.model).__name__}")

    def on_step_end(self, state: TrainState) -> None:
        self._bar.update(1)

    def on_evaluate(self, state: TrainState, record: dict) -> None:
        if "valid_error" in record:
            self._bar.set_postfix(valid_error=f"{record['valid_error']:.4f}")

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class Trainer:
    """Minibatch SGD: cut (X, y) into batches, call ``model.sgd_step`` on each, run callbacks.

    Parameters
    ----------
    lr : callable
        ``lr(step) -> float``, the rate of the update after ``step`` updates (checked > 0).
    batch_size : int
    n_epochs : int
    max_steps : int, optional
        At most this many updates (0: none).
    shuffle : bool
    seed : int or numpy Generator, optional
    drop_last : bool
    callbacks : sequence of Callback
        Called in this order at each hook.
    """

    def __init__(self, lr: LearningRate, batch_size: int, n_epochs: int,
                 max_steps: int | None = None, shuffle: bool = False, seed: Any = None,
                 drop_last: bool = False, callbacks: Sequence[Callback] = ()) -> None:
        self.lr, self.batch_size, self.n_epochs, self.max_steps = lr, batch_size, n_epochs, max_steps
        self.shuffle, self.seed, self.drop_last = shuffle, seed, drop_last
        self.callbacks = list(callbacks)

    def n_batches(self, N: int) -> int:
        """Minibatches per epoch for N rows."""
        return N // self.batch_size if self.drop_last else math.ceil(N / self.batch_size)

    def fit(self, model: Any, X: np.ndarray, y: np.ndarray) -> History:
        """Train ``model`` in place on checked arrays X (N, D), y (N,); return the History.

        On an error the model is left with the parameters it had before the run.
        """
        history = History()
        n_batches = self.n_batches(X.shape[0])
        total = n_batches * self.n_epochs
        if self.max_steps is not None:
            total = min(self.max_steps, total)
        state = TrainState(model=model, X=X, y=y, batch_size=self.batch_size,
                           n_batches=n_batches, total_steps=total, history=history)
        callbacks = self.callbacks

        def notify(record: dict) -> None:
            for cb in callbacks:
                cb.on_evaluate(state, record)

        state.notify = notify
        start = time.perf_counter()
        before = model.get_state()
        try:
            # A diverging run is reported once, as an error naming the learning rate, rather
            # than as a stream of overflow warnings.
            with np.errstate(over="ignore", invalid="ignore"), contextlib.ExitStack() as opened:
                for cb in callbacks:
                    cb.on_train_begin(state)
                    if hasattr(cb, "close"):
                        opened.callback(cb.close)
                if total > 0:
                    self._loop(state, opened)
                for cb in callbacks:
                    cb.on_train_end(state)
        except Exception:  # not KeyboardInterrupt: an interrupted run keeps its progress
            model.set_state(before)
            raise
        history.n_epochs = state.epoch
        history.n_steps = state.step
        history.seconds = time.perf_counter() - start
        return history

    def _loop(self, state: TrainState, opened: contextlib.ExitStack) -> None:
        """The stepping loop; kept lean, as every update passes through it."""
        model, lr_at, callbacks = state.model, self.lr, self.callbacks
        X, y, total = state.X, state.y, state.total_steps
        rng = np.random.default_rng(self.seed)
        isfinite = math.isfinite
        while state.epoch < self.n_epochs:
            state.epoch += 1
            # Closed on every exit, so the prefetch thread ends with the run.
            batches = opened.enter_context(contextlib.closing(iterate_minibatches(
                X, y, self.batch_size, shuffle=self.shuffle, seed=rng, drop_last=self.drop_last,
                prefetch=True)))
            for Xb, yb in batches:
                rate = lr_at(state.step)
                if not rate > 0:
                    raise ValueError(f"the learning rate schedule gave {rate!r} at step "
                                     f"{state.step}: it must stay positive")
                cost = model.sgd_step(Xb, yb, rate)
                if not isfinite(cost):
                    self._diverged(state, cost, rate, Xb)
                state.cost, state.rate = cost, rate
                state.step += 1
                for cb in callbacks:
                    cb.on_step_end(state)
                if state.stop or state.step >= total:
                    return

    @staticmethod
    def _diverged(state: TrainState, cost: float, rate: float, Xb: np.ndarray) -> None:
        """Say why the loss is not finite: bad data, or a learning rate too large."""
        if not np.isfinite(Xb).all():
            check_finite(state.X, "the training set X")
        raise FloatingPointError(
            f"divergence detected at step {state.step + 1} (epoch {state.epoch}): the training "
            f"loss became {cost}; lower the learning rate (it was {rate:g})")
