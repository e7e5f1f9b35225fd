"""Patience-based early stopping with the semantics of the deeplearning.net tutorial.

Defined in the book chapter "Early stopping" (``book/04_early_stopping``).
"""

from __future__ import annotations

import math
from typing import Any

from .trainer import Callback, TrainState

__all__ = ["EarlyStopping"]


class EarlyStopping(Callback):
    """The tutorial's patience rule, as a small state machine.

    Training validates every ``validation_frequency`` minibatch updates. A validation error
    below the best so far makes that model the best; if it is also below
    ``best * improvement_threshold`` (a *significant* improvement), patience grows to
    ``max(patience, iteration * patience_increase)``. Training stops as soon as the
    iteration counter reaches the patience (checked after every update).

    As a :class:`~mnistlib.training.trainer.Callback` it resets at the start of a run, takes
    every validation error an :class:`~mnistlib.training.trainer.Evaluation` records, and ends
    the run once the patience is used up.

    Parameters
    ----------
    patience : int
        Look at this many minibatch updates at least (the tutorial uses 5000; its 1/10
        subset run uses 500).
    patience_increase : int or float
        Wait this much longer (as a factor of the iteration) after a significant improvement.
    improvement_threshold : float
        A relative improvement of at least ``1 - improvement_threshold`` is significant.

    Attributes
    ----------
    best_error : float
        Best validation error seen (``inf`` before the first validation).
    best_iteration : int or None
        Iteration (0-based update counter) of the best model.
    """

    def __init__(self, patience: int = 5000, patience_increase: float = 2,
                 improvement_threshold: float = 0.995) -> None:
        for name, value in (("patience", patience), ("patience_increase", patience_increase),
                            ("improvement_threshold", improvement_threshold)):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f"{name} must be a number, got {value!r}")
        if patience < 1:
            raise ValueError(f"patience must be a positive number of updates, got {patience}")
        if patience_increase < 1:
            raise ValueError(f"patience_increase must be >= 1, got {patience_increase}")
        if not 0 < improvement_threshold <= 1:
            raise ValueError(f"improvement_threshold must be in (0, 1], got {improvement_threshold}")
        self.initial_patience = patience
        self.patience_increase = patience_increase
        self.improvement_threshold = improvement_threshold
        self.reset()

    def reset(self) -> None:
        """Forget everything seen; start again with the initial patience."""
        self.patience: float = self.initial_patience
        self.best_error = math.inf
        self.best_iteration: int | None = None

    def validation_frequency(self, n_train_batches: int) -> int:
        """Validate every ``min(n_train_batches, patience // 2)`` updates (at least 1)."""
        return max(1, min(n_train_batches, self.initial_patience // 2))

    def update(self, iteration: int, valid_error: float) -> bool:
        """Record a validation result; return True when it is a new best model.

        Parameters
        ----------
        iteration : int
            0-based count of minibatch updates done before this validation,
            minus one (the tutorial's ``iter``).
        valid_error : float
        """
        if valid_error < self.best_error:
            if valid_error < self.best_error * self.improvement_threshold:
                self.patience = max(self.patience,
                                    iteration * self.patience_increase)
            self.best_error = valid_error
            self.best_iteration = iteration
            return True
        return False

    def should_stop(self, iteration: int) -> bool:
        """True once the update counter has reached the patience."""
        return self.patience <= iteration

    # Callback hooks: the iteration is the tutorial's 0-based 'iter', one less than the
    # updates done.
    def on_train_begin(self, state: TrainState) -> None:
        self.reset()

    def on_evaluate(self, state: TrainState, record: dict[str, Any]) -> None:
        if "valid_error" not in record:
            raise ValueError("early stopping needs a validation set: pass valid=(X_valid, "
                             "y_valid)")
        self.update(state.step - 1, record["valid_error"])

    def on_step_end(self, state: TrainState) -> None:
        if self.should_stop(state.step - 1):
            state.stop = True
            state.history.stopped_early = True
