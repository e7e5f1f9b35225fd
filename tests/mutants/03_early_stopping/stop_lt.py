"""Mutant: stops only once iter exceeds the patience (< instead of <=)."""

CELL = "early_stopping"  # the answer cell this file replaces
MUST_LOSE = (
    'test_best_params',
    'test_best_params_hidden',
    'test_early_stopping',
    'test_early_stopping_tutorial_hidden',
    'test_improvement_rule_hidden',
    'test_patience_extension_hidden',
    'test_stop_order_hidden',
    'test_validation_schedule_hidden',
)  # test cells that must lose points

import numpy as np


def early_stopping_loop(train_step, validate, n_train_batches, n_epochs=1000, patience=5000,
                        patience_increase=2, improvement_threshold=0.995, on_best=None,
                        params=None):
    validation_frequency = min(n_train_batches, patience // 2)
    best_valid_error = np.inf
    best_iter = None
    best_params = None
    updates = 0
    epoch = 0
    done = False
    while epoch < n_epochs and not done:
        epoch += 1
        for minibatch_index in range(n_train_batches):
            train_step(minibatch_index)
            updates += 1
            it = (epoch - 1) * n_train_batches + minibatch_index
            if (it + 1) % validation_frequency == 0:
                error = validate()
                if error < best_valid_error:
                    if error < best_valid_error * improvement_threshold:
                        patience = max(patience, it * patience_increase)
                    best_valid_error = error
                    best_iter = it
                    if params is not None:
                        best_params = [p.copy() for p in params]
                    if on_best is not None:
                        on_best(it)
            if patience < it:
                done = True
                break
    return {"best_valid_error": best_valid_error, "best_iter": best_iter,
            "epochs": epoch, "updates": updates, "best_params": best_params}
