"""Correct variant: for loops over 1-based epochs, a return inside the loop, copy.deepcopy."""

CELL = "early_stopping"  # the answer cell this file replaces
MUST_LOSE = ()  # test cells that must lose points (none: full marks)

import copy
import math


def early_stopping_loop(train_step, validate, n_train_batches, n_epochs=1000, patience=5000,
                        patience_increase=2, improvement_threshold=0.995, on_best=None,
                        params=None):
    frequency = min(n_train_batches, patience // 2)
    best = {"best_valid_error": math.inf, "best_iter": None, "epochs": 0, "updates": 0,
            "best_params": None}
    for epoch in range(1, n_epochs + 1):
        best["epochs"] = epoch
        for index in range(n_train_batches):
            train_step(index)
            best["updates"] += 1
            it = (epoch - 1) * n_train_batches + index
            if (it + 1) % frequency == 0:
                error = float(validate())
                if error < best["best_valid_error"]:
                    if error < best["best_valid_error"] * improvement_threshold:
                        patience = max(patience, it * patience_increase)
                    best["best_valid_error"], best["best_iter"] = error, it
                    if params is not None:
                        best["best_params"] = copy.deepcopy(params)
                    if on_best:
                        on_best(it)
            if patience <= it:
                return best
    return best
