"""Correct variant: keeps the errors in float32 and copies the parameters with np.copy."""

CELL = "early_stopping"  # the answer cell this file replaces
MUST_LOSE = ()  # test cells that must lose points (none: full marks)

import numpy as np


def early_stopping_loop(train_step, validate, n_train_batches, n_epochs=1000, patience=5000,
                        patience_increase=2, improvement_threshold=0.995, on_best=None,
                        params=None):
    validation_frequency = min(n_train_batches, patience // 2)
    threshold = np.float32(improvement_threshold)
    best = np.float32(np.inf)
    best_iter, best_params = None, None
    epoch, updates, done = 0, 0, False
    while epoch < n_epochs and not done:
        epoch += 1
        minibatch_index = 0
        while minibatch_index < n_train_batches:
            train_step(minibatch_index)
            updates += 1
            it = (epoch - 1) * n_train_batches + minibatch_index
            if (it + 1) % validation_frequency == 0:
                error = np.float32(validate())
                if error < best:
                    if error < best * threshold:
                        patience = max(patience, it * patience_increase)
                    best, best_iter = error, it
                    if params is not None:
                        best_params = [np.copy(p) for p in params]
                    if on_best is not None:
                        on_best(it)
            if patience <= it:
                done = True
                break
            minibatch_index += 1
    return {"best_valid_error": best, "best_iter": best_iter, "epochs": epoch,
            "updates": updates, "best_params": best_params}
