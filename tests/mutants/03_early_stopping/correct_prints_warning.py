"""Correct variant: prints every validation and warns when n_epochs ends the run first."""

CELL = "early_stopping"  # the answer cell this file replaces
MUST_LOSE = ()  # test cells that must lose points (none: full marks)

import warnings

import numpy as np


def early_stopping_loop(train_step, validate, n_train_batches, n_epochs=1000, patience=5000,
                        patience_increase=2, improvement_threshold=0.995, on_best=None,
                        params=None):
    validation_frequency = min(n_train_batches, patience // 2)
    out = {"best_valid_error": np.inf, "best_iter": None, "epochs": 0, "updates": 0,
           "best_params": None}
    stopped = False
    while out["epochs"] < n_epochs and not stopped:
        out["epochs"] += 1
        for minibatch_index in range(n_train_batches):
            train_step(minibatch_index)
            out["updates"] += 1
            it = out["updates"] - 1
            if out["updates"] % validation_frequency == 0:
                error = validate()
                print(f"epoch {out['epochs']}, minibatch {minibatch_index + 1}/"
                      f"{n_train_batches}, validation error {error * 100:f} %")
                if error < out["best_valid_error"]:
                    if error < out["best_valid_error"] * improvement_threshold:
                        patience = max(patience, it * patience_increase)
                    out.update(best_valid_error=error, best_iter=it)
                    if params is not None:
                        out["best_params"] = [p.copy() for p in params]
                    if on_best is not None:
                        on_best(it)
            stopped = patience <= it
            if stopped:
                break
    if not stopped:
        warnings.warn(f"n_epochs = {n_epochs} reached before the patience ran out")
    return out
