"""Visible checks of assignment 03_early_stopping (early_stopping_loop).

In the notebook::

    from mnistlib.assignment_checks.early_stopping import check
    check("worked_example", early_stopping_loop)

The loop gets scripted callbacks (:class:`~mnistlib.assignment_checks._core.Scripted`):
``validate`` replays a list of validation errors (the last one repeats), ``train_step`` and
``on_best`` only record how they were called, and a ``train_step`` may add one to the arrays
of ``params`` at every update, as a real update changes them in place. The verdict reads the
returned dictionary and the callbacks' call logs: where the loop stopped, which minibatch
indices it trained on, when it validated, and which parameters it kept.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ._core import (Call, Check, CheckFailed, Outcome, Scripted, entries, expect, log, number,
                    run_visible)

#: mnistlib's own loop and patience rule: the graded loop must not call them.
OFF = ("train_sgd", "EarlyStopping.update", "EarlyStopping.should_stop",
       "EarlyStopping.validation_frequency")
#: What the returned dictionary holds.
KEYS = ("best_valid_error", "best_iter", "epochs", "updates", "best_params")
#: Relative tolerance on best_valid_error (float32 errors are allowed).
RTOL = 1e-6

#: The validation errors of the notebook's demonstration run (mnistlib.SoftmaxRegression on the
#: mini subset, learning rate 0.13, 83 minibatches of 60, validated once per epoch), in units of
#: 1/960 (16 whole batches of 60 validation images), for its first 60 epochs.
MINI_RUN_960 = (151, 130, 121, 116, 113, 107, 106, 108, 107, 104, 102, 99, 99, 100, 100, 100,
                100, 100, 101, 101, 99, 100, 101, 100, 100, 99, 100, 100, 100, 100, 100, 100,
                100, 100, 100, 100, 100, 100, 100, 100, 100, 101, 101, 101, 101, 101, 102, 103,
                102, 102, 102, 101, 101, 101, 101, 101, 101, 102, 102, 102)
#: Minibatches per epoch of the demonstration run.
MINI_BATCHES = 83


def run_call(errors: Any, params: Any = None, on_best: bool = True, **settings: Any) -> Call:
    """A call of ``early_stopping_loop(train_step, validate, **settings)`` on scripted errors.

    Parameters
    ----------
    errors : sequence of float
        What the successive ``validate()`` calls return (the last one repeats).
    params : list of ndarray, optional
        Passed as ``params``; ``train_step`` then adds one to each array (``-1`` to the
        second one) at every update.
    on_best : bool
        Pass a recording ``on_best``.
    **settings
        ``n_train_batches``, ``n_epochs``, ``patience``, ... (Python numbers).
    """
    adds = [(("params", k), 1.0 if k == 0 else -1.0) for k in range(len(params or []))]
    kwargs = dict(settings)
    if on_best:
        kwargs["on_best"] = Scripted("on_best")
    if params is not None:
        kwargs["params"] = list(params)
    return Call((Scripted("train_step", adds=adds), Scripted("validate", tuple(errors))),
                kwargs)


def result(outcome: Outcome) -> dict:
    """The returned dictionary, or CheckFailed saying what came back instead."""
    return entries(outcome.value, KEYS, "early_stopping_loop")


def whole(value: Any, what: str) -> int | None:
    """An integer returned (best_iter, epochs, updates); None if it is not a whole number."""
    x = number(value, what)
    return int(x) if float(x).is_integer() else None


def steps(outcome: Outcome) -> list:
    """The minibatch index of every train_step call (None where it was not one number)."""
    indices = []
    for call in log(outcome, "train_step"):
        args, kwargs = call["args"], call["kwargs"]
        value = args[0] if isinstance(args, list) and len(args) == 1 and not kwargs else (
            kwargs.get("minibatch_index") if isinstance(kwargs, dict) and not args else None)
        indices.append(value.item() if isinstance(value, np.ndarray) and value.size == 1
                       else None)
    return indices


def validations(outcome: Outcome) -> int:
    """How many times validate was called."""
    return len(log(outcome, "validate"))


def bests(outcome: Outcome) -> list:
    """The iter passed to each on_best call (None where it was not one number)."""
    iters = []
    for call in log(outcome, "on_best"):
        args = call["args"]
        value = args[0] if isinstance(args, list) and len(args) == 1 else None
        iters.append(value.item() if isinstance(value, np.ndarray) and value.size == 1
                     else None)
    return iters


def kept(value: Any, count: int) -> list:
    """best_params as ``count`` float64 arrays, or CheckFailed."""
    expect(isinstance(value, list) and len(value) == count and all(
        isinstance(v, np.ndarray) for v in value),
        f"best_params must be a list with one copy per array of params ({count}), got "
        f"{'a list of ' + str(len(value)) if isinstance(value, list) else _name(value)}")
    return [np.asarray(v, dtype=np.float64) for v in value]


def _name(value: Any) -> str:
    return getattr(value, "name", type(value).__name__)


def close(value: Any, expected: float) -> bool:
    """best_valid_error (returned, or already a float) equal to ``expected`` within
    :data:`RTOL`."""
    x = value if isinstance(value, float) else number(value, "best_valid_error")
    return bool(abs(x - expected) <= RTOL * expected)


# -- the worked example ------------------------------------------------------------------------
def _worked_calls() -> list:
    return [run_call([0.5, 0.4], on_best=False, n_train_batches=10, n_epochs=100, patience=20)]


def _worked_verdict(calls: list, outcomes: list) -> None:
    out = outcomes[0]
    r = result(out)
    expect(close(r["best_valid_error"], 0.4),
           f"best validation error: expected 0.4, got {number(r['best_valid_error'], 'it')}")
    expect(whole(r["best_iter"], "best_iter") == 19, (
        f"best iter: expected 19, got {number(r['best_iter'], 'best_iter'):g} (the later errors "
        "of 0.4 are ties: only an error strictly below the best is a new best)"))
    expect(whole(r["updates"], "updates") == 39, (
        f"the loop must stop after the update with iter 38 (39 updates), got "
        f"{number(r['updates'], 'updates'):g}: patience becomes max(20, 19 * 2) = 38 and the "
        "loop stops as soon as patience <= iter"))
    expect(whole(r["epochs"], "epochs") == 4,
           f"that update is in epoch 4 (epochs count from 1), got "
           f"{number(r['epochs'], 'epochs'):g}")
    first = steps(out)[:12]
    expect(first == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1],
           f"train_step gets the minibatch index 0..n_train_batches-1, got {first}")
    expect(validations(out) == 3, (
        "validations at iter 9, 19 and 29 ((iter + 1) % 10 == 0): expected 3 calls, got "
        f"{validations(out)}"))


# -- best_params in the worked example --------------------------------------------------------
def _best_params_calls() -> list:
    return [run_call([0.5, 0.4], params=[np.zeros(3)], on_best=False, n_train_batches=10,
                     n_epochs=100, patience=20)]


def _best_params_verdict(calls: list, outcomes: list) -> None:
    out = outcomes[0]
    r = result(out)
    (copy,) = kept(r["best_params"], 1)
    (after,) = out.kwargs_after["params"]
    expect(np.array_equal(after, [39.0, 39.0, 39.0]), "the loop must not change params itself")
    expect(copy.shape == (3,) and np.array_equal(copy, [20.0, 20.0, 20.0]), (
        f"best_params must hold the values right after the best update (iter 19: 20.0), got "
        f"{copy}: copy the parameters (p.copy(), not the arrays themselves) when a new best is "
        "found, and only then"))


# -- the demonstration run, replayed ----------------------------------------------------------
def _mini_calls() -> list:
    errors = [k / 960 for k in MINI_RUN_960]
    return [run_call(errors, params=[np.zeros(1)], n_train_batches=MINI_BATCHES,
                     n_epochs=1000, patience=500)]


def _mini_verdict(calls: list, outcomes: list) -> None:
    out = outcomes[0]
    r = result(out)
    indices = steps(out)
    bad = [i for i in indices if i not in range(MINI_BATCHES)]
    if bad:
        raise CheckFailed(f"train_step got {bad[0]!r}: minibatch indices run from 0 to "
                          f"{MINI_BATCHES - 1} (the batches of 60 images), in every epoch")
    epochs = whole(r["epochs"], "epochs")
    expect(epochs is not None and epochs < 1000,
           "the loop must stop before n_epochs = 1000 on this run")
    best_iter = whole(r["best_iter"], "best_iter")
    on_best = bests(out)
    if best_iter is None or not on_best or best_iter != on_best[-1]:
        raise CheckFailed("best_iter must be the iter passed to on_best for the best model")
    error = number(r["best_valid_error"], "best_valid_error")
    expect(error < 0.12, f"best validation error {error:.2%} should be below 12 %")
    epoch = (best_iter + 1) // MINI_BATCHES  # the validation of the best model, counted from 1
    expect(1 <= epoch <= len(MINI_RUN_960) and close(error, MINI_RUN_960[epoch - 1] / 960),
           "best_valid_error must be the error of the validation at best_iter")
    (copy,) = kept(r["best_params"], 1)
    expect(np.array_equal(copy, [best_iter + 1.0]), (
        f"the model restored from best_params is the one after {copy[0]:g} updates, not the best "
        f"model (after {best_iter + 1} updates): best_params must be a copy taken at the best "
        "model"))


#: The visible checks, by name.
CHECKS = {c.name: c for c in [
    Check("worked_example", "early_stopping_loop", _worked_calls, _worked_verdict, OFF),
    Check("best_params_worked_example", "early_stopping_loop", _best_params_calls,
          _best_params_verdict, OFF),
    Check("mini_run_replayed", "early_stopping_loop", _mini_calls, _mini_verdict, OFF),
]}


def check(name: str, function: Callable[..., Any]) -> None:
    """Run the visible check ``name`` on ``function``: AssertionError with what to fix, or
    ``"<name>: passed"``."""
    run_visible(CHECKS, name, function)
