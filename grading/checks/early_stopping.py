"""Checks of assignment 03_early_stopping as the grader runs them: the visible and hidden ones.

The visible checks come from :mod:`mnistlib.assignment_checks.early_stopping`; the hidden ones
are here, never in the jail. They repeat the hidden test cells of
``solutions/03_early_stopping/early_stopping.ipynb`` (same scripted errors, settings and
tolerances): the loop gets scripted callbacks, and the verdict judges the returned dictionary
and the call logs (the updates done, the minibatch indices, the validations, the iters passed
to ``on_best``, the parameters kept).
"""

from __future__ import annotations

import numpy as np

from mnistlib.assignment_checks._core import Check, expect, number
from mnistlib.assignment_checks.early_stopping import (CHECKS as VISIBLE, OFF, bests, close,
                                                       kept, result, run_call, steps,
                                                       validations, whole)


def _summary(outcome):
    """(best_iter, updates, epochs) as whole numbers (None where not one)."""
    r = result(outcome)
    return (whole(r["best_iter"], "best_iter"), whole(r["updates"], "updates"),
            whole(r["epochs"], "epochs"))


# -- the tutorial's own run --------------------------------------------------------------------
# The tutorial's run on its 5,000-image subset (83 minibatches of 60, patience 500): the
# validation error printed at the end of each epoch, in units of 1/480 (8 batches of 60).
_TUTORIAL_480 = (79, 69, 64, 65, 66, 63, 62, 63, 63, 62, 62, 59, 59, 60, 60, 60, 60, 60, 61, 61,
                 61, 61, 63)


def _tutorial_calls():
    return [run_call([k / 480 for k in _TUTORIAL_480], n_train_batches=83, n_epochs=100,
                     patience=500, patience_increase=2, improvement_threshold=0.995)]


def _tutorial_verdict(calls, outcomes):
    out = outcomes[0]
    r = result(out)
    expect(validations(out) <= len(_TUTORIAL_480),
           "the tutorial's loop validated only 23 times: it stopped during epoch 24")
    expect(close(r["best_valid_error"], 59 / 480),
           "best validation error 59/480 = 12.291667 %, got "
           f"{number(r['best_valid_error'], 'best_valid_error')}")
    best_iter, updates, epochs = _summary(out)
    expect(best_iter == 995, f"best model at iter 995 (epoch 12), got {best_iter}")
    expect(epochs == 24, f"the tutorial reports 24 epochs, got {epochs}")
    expect(updates == 1991,
           f"patience 1990 is reached at iter 1990: 1991 updates, got {updates}")
    expect(validations(out) == 23, f"23 validations, got {validations(out)}")
    expect(bests(out) == [82, 165, 248, 497, 580, 995],
           f"on_best calls: expected iters 82, 165, 248, 497, 580, 995, got {bests(out)}")
    indices = steps(out)
    expect(indices[:3] == [0, 1, 2] and indices[83:85] == [0, 1] and len(indices) == 1991,
           "train_step must get the minibatch indices 0, 1, 2, ... of each epoch, once per "
           "update")


# -- the order inside one update ---------------------------------------------------------------
# patience 29, 10 batches, errors 0.5, 0.5, 0.3: the validation of iter 29 finds a significant
# improvement and sets patience to max(29, 29 * 2) = 58 before patience is compared with iter
# 29, so the loop goes on to iter 58 (59 updates). Checking patience first stops at 30 updates.
_STOP_ORDER = ((29, (0.5, 0.5, 0.3), 59), (39, (0.5, 0.5, 0.5, 0.3), 79))


def _stop_order_calls():
    return [run_call(errors, n_train_batches=10, n_epochs=100, patience=patience)
            for patience, errors, _ in _STOP_ORDER]


def _stop_order_verdict(calls, outcomes):
    for (patience, errors, expected), out in zip(_STOP_ORDER, outcomes):
        best_iter, updates, epochs = _summary(out)
        improved = patience  # the iter of the improvement equals the initial patience
        expect(updates == expected, (
            f"patience {patience}, errors {list(errors)}: expected {expected} updates, got "
            f"{updates}. In every update, validate first (when (iter + 1) % "
            "validation_frequency == 0), update the patience, and only then check patience <= "
            f"iter: the improvement at iter {improved} extends the patience to {2 * improved}"))
        expect(best_iter == improved, f"patience {patience}, errors {list(errors)}: best iter "
               f"{improved} expected, got {best_iter}")
        expect(epochs == expected // 10 + 1 and bests(out) == [9, improved],
               f"patience {patience}: expected epoch {expected // 10 + 1} and on_best at "
               f"[9, {improved}], got epoch {epochs} and {bests(out)}")


# -- the improvement rule ----------------------------------------------------------------------
_SMALL = tuple(0.5 * 0.999 ** k for k in range(50))


def _improvement_calls():
    return [
        # Never better than the first validation: stop as soon as iter reaches the patience.
        run_call([0.5], n_train_batches=10, n_epochs=100, patience=100),
        # Ties (an error equal to the best, exact in float32) are not new best models.
        run_call([0.5, 0.25], n_train_batches=10, n_epochs=100, patience=40),
        # Exactly at best * improvement_threshold (0.5 * 0.75 = 0.375): a new best, but not
        # a significant improvement: the patience stays 30.
        run_call([0.5, 0.375], n_train_batches=10, n_epochs=100, patience=30,
                 improvement_threshold=0.75),
        # Improvements too small to count (0.1 % each, threshold 0.5 %) move the best model
        # but do not extend the patience.
        run_call(_SMALL, n_train_batches=10, n_epochs=100, patience=100),
    ]


def _improvement_verdict(calls, outcomes):
    flat, ties, exact, small = outcomes
    best_iter, updates, epochs = _summary(flat)
    expect((best_iter, updates, epochs, validations(flat)) == (9, 101, 11, 10),
           "flat curve: expected best iter 9, 101 updates, epoch 11, 10 validations; got "
           f"best iter {best_iter}, {updates} updates, epoch {epochs}, {validations(flat)} "
           "validations")
    expect(bests(flat) == [9], f"a flat curve has one best model (iter 9), on_best got "
           f"{bests(flat)}")

    best_iter, updates, _ = _summary(ties)
    expect(best_iter == 19 and bests(ties) == [9, 19], (
        "errors 0.5, 0.25, 0.25, ...: the repeated 0.25 are ties, not improvements; expected "
        f"best iter 19 and on_best at [9, 19], got {best_iter} and {bests(ties)} (use "
        "error < best)"))
    expect(updates == 41, f"errors 0.5, 0.25, 0.25, ...: expected 41 updates, got {updates}")

    best_iter, updates, _ = _summary(exact)
    error = number(result(exact)["best_valid_error"], "best_valid_error")
    expect(best_iter == 19 and error == 0.375,
           f"0.375 < 0.5 is a new best at iter 19, got best iter {best_iter}, error {error}")
    expect(updates == 31, (
        "0.375 is not below 0.5 * 0.75 = 0.375, so it must not extend the patience (30): "
        f"expected 31 updates, got {updates} (significant means error < best * "
        "improvement_threshold)"))

    best_iter, updates, _ = _summary(small)
    expect(updates == 101, (
        "improvements of 0.1 % are below improvement_threshold = 0.995 and must not extend the "
        f"patience: expected 101 updates, got {updates}"))
    expect(best_iter == 99 and bests(small) == list(range(9, 100, 10)), (
        "each smaller error is still a new best: on_best at 9, 19, ..., 99 expected, got "
        f"{bests(small)}"))
    expect(close(result(small)["best_valid_error"], _SMALL[9]),
           f"the best validation error is the 10th error, {_SMALL[9]:.6f}")


# -- the patience extension --------------------------------------------------------------------
def _extension_calls():
    return [
        # A late significant improvement extends the patience to iter * patience_increase.
        run_call([0.5, 0.5, 0.5, 0.3, 0.3], n_train_batches=10, n_epochs=100, patience=50,
                 patience_increase=3),
        # max(): an improvement whose iter * patience_increase is below the patience keeps it.
        run_call([0.5, 0.4, 0.4], n_train_batches=10, n_epochs=100, patience=100),
        # A float patience_increase: the patience becomes 73.5 and the loop stops at iter 74.
        run_call([0.5, 0.4, 0.3, 0.2, 0.1], n_train_batches=10, n_epochs=100, patience=20,
                 patience_increase=1.5),
    ]


def _extension_verdict(calls, outcomes):
    late, kept_patience, fractional = outcomes
    best_iter, updates, _ = _summary(late)
    expect(best_iter == 39 and updates == 118, (
        "the improvement at iter 39 sets patience to max(50, 39 * 3) = 117: 118 updates "
        f"expected; got best iter {best_iter}, {updates} updates"))
    _, updates, _ = _summary(kept_patience)
    expect(updates == 101, (
        "improvements at iter 9 and 19 give 18 and 38, below the patience 100, which must stay "
        "100 (patience = max(patience, iter * patience_increase)): expected 101 updates, got "
        f"{updates}"))
    best_iter, updates, _ = _summary(fractional)
    expect(best_iter == 49 and updates == 75, (
        "patience_increase 1.5: the last improvement (iter 49) sets patience to 73.5, the first "
        f"iter >= 73.5 is 74: 75 updates expected, got {updates} (keep the patience as the "
        "float max(patience, iter * patience_increase))"))


# -- when validate() is called, and n_epochs ---------------------------------------------------
_FALLING = tuple(0.5 * 0.9 ** k for k in range(100))


def _schedule_calls():
    return [
        # patience // 2 below n_train_batches: validate every min(10, 10 // 2) = 5 updates;
        # n_epochs ends the run.
        run_call(_FALLING, n_train_batches=10, n_epochs=5, patience=10),
        # An odd patience: validation_frequency = min(20, 11 // 2) = 5; a flat curve stops at
        # iter 11.
        run_call([0.5], n_train_batches=20, n_epochs=100, patience=11),
        # A large patience: validate once per epoch, at its last minibatch; minibatch indices
        # restart.
        run_call(_FALLING, n_train_batches=7, n_epochs=3, patience=1000),
    ]


def _schedule_verdict(calls, outcomes):
    short, odd, large = outcomes
    _, updates, epochs = _summary(short)
    expect(validations(short) == 10 and bests(short) == list(range(4, 50, 5)), (
        "n_train_batches 10, patience 10: validate every min(10, 10 // 2) = 5 updates, at iter "
        f"4, 9, ..., 49; got {validations(short)} validations, new bests at {bests(short)}"))
    expect((epochs, updates) == (5, 50), f"the run must end after n_epochs = 5 (50 updates), "
           f"got {epochs} epochs, {updates} updates")
    _, updates, epochs = _summary(odd)
    expect(validations(odd) == 2 and updates == 12 and epochs == 1, (
        "n_train_batches 20, patience 11: validations at iter 4 and 9, stop at iter 11 in "
        f"epoch 1; got {validations(odd)} validations, {updates} updates, epoch {epochs}"))
    _, updates, epochs = _summary(large)
    expect(validations(large) == 3 and bests(large) == [6, 13, 20],
           f"n_train_batches 7: validations at iter 6, 13, 20 expected, new bests at "
           f"{bests(large)}")
    expect(steps(large) == list(range(7)) * 3,
           f"train_step receives 0..6 in every epoch, got {steps(large)}")
    expect((epochs, updates) == (3, 21),
           f"n_epochs 3 of 7 minibatches: 3 epochs, 21 updates expected, got {epochs}, "
           f"{updates}")


# -- best_params -------------------------------------------------------------------------------
# Two parameter arrays of different dtypes, changed in place by every update (W + 1, b - 1).
# Errors 0.5, 0.4, 0.399, 0.45: the last new best (iter 29) is not a significant improvement,
# but it is the best model, and its parameters (30 updates) must be the ones kept.
def _best_params_calls():
    return [run_call([0.5, 0.4, 0.399, 0.45], params=[np.zeros((3, 2), dtype=np.float32),
                                                      np.zeros(2)],
                     on_best=False, n_train_batches=10, n_epochs=100, patience=40)]


def _best_params_verdict(calls, outcomes):
    out = outcomes[0]
    best_iter, updates, _ = _summary(out)
    expect(best_iter == 29 and updates == 41,
           f"errors 0.5, 0.4, 0.399, 0.45, patience 40: best iter 29 and 41 updates expected, "
           f"got {best_iter} and {updates}")
    W, b = out.kwargs_after["params"]
    expect(np.all(W == 41.0) and np.all(b == -41.0),
           "the loop must change params only through train_step")
    W_kept, b_kept = kept(result(out)["best_params"], 2)
    expect(W_kept.shape == (3, 2) and b_kept.shape == (2,),
           f"best_params: copies of shapes (3, 2) and (2,), got {W_kept.shape} and "
           f"{b_kept.shape}")
    expect(np.all(W_kept == 30.0) and np.all(b_kept == -30.0), (
        "best_params must be the values right after the update of the best model (iter 29, 30 "
        f"updates), got W = {W_kept.ravel()[0]:g}: copy at every new best, not only at "
        "significant improvements, and not at the end"))


_HIDDEN = [
    Check("tutorial_run", "early_stopping_loop", _tutorial_calls, _tutorial_verdict, OFF),
    Check("stop_order", "early_stopping_loop", _stop_order_calls, _stop_order_verdict, OFF),
    Check("improvement_rule", "early_stopping_loop", _improvement_calls, _improvement_verdict,
          OFF),
    Check("patience_extension", "early_stopping_loop", _extension_calls, _extension_verdict,
          OFF),
    Check("validation_schedule", "early_stopping_loop", _schedule_calls, _schedule_verdict,
          OFF),
    Check("best_params_two_arrays", "early_stopping_loop", _best_params_calls,
          _best_params_verdict, OFF),
]

#: Every check of the assignment, by name.
CHECKS = {**VISIBLE, **{c.name: c for c in _HIDDEN}}

#: Graded test cell -> its checks (the cell earns its points when all pass).
CELLS = {
    "test_early_stopping": ("worked_example",),
    "test_best_params": ("best_params_worked_example",),
    "test_early_stopping_tutorial_hidden": ("tutorial_run",),
    "test_stop_order_hidden": ("stop_order",),
    "test_improvement_rule_hidden": ("improvement_rule",),
    "test_patience_extension_hidden": ("patience_extension",),
    "test_validation_schedule_hidden": ("validation_schedule",),
    "test_best_params_hidden": ("best_params_two_arrays",),
    "test_mini_run": ("mini_run_replayed",),
}
