"""Correct variant: one loop over the update counter; epoch and minibatch derived from it."""

CELL = "early_stopping"  # the answer cell this file replaces
MUST_LOSE = ()  # test cells that must lose points (none: full marks)

import numpy as np


def early_stopping_loop(train_step, validate, n_train_batches, n_epochs=1000, patience=5000,
                        patience_increase=2, improvement_threshold=0.995, on_best=None,
                        params=None):
    freq = min(n_train_batches, patience // 2)
    best_error, best_iter, saved = float("inf"), None, None
    it = -1
    for it in range(n_epochs * n_train_batches):
        train_step(it % n_train_batches)
        if (it + 1) % freq == 0:
            error = validate()
            improved = error < best_error
            significant = error < best_error * improvement_threshold
            if significant:
                patience = max(patience, it * patience_increase)
            if improved:
                best_error, best_iter = error, it
                saved = None if params is None else [np.array(p, copy=True) for p in params]
                if on_best is not None:
                    on_best(it)
        if it >= patience:
            break
    return {"best_valid_error": best_error, "best_iter": best_iter,
            "epochs": it // n_train_batches + 1, "updates": it + 1, "best_params": saved}
