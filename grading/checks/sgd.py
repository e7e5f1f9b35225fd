"""Checks of assignment 02_sgd as the grader runs them: the visible ones and the hidden ones.

The visible checks come from :mod:`mnistlib.assignment_checks.sgd` (the notebook's visible test
cells run them in the student's kernel). The hidden ones are here, in the grader's package,
which the jail never contains: their inputs reach the student's kernel as ``.npy`` files, their
source, expected values and messages never do.

The hidden checks repeat the hidden test cells of ``solutions/02_sgd/sgd.ipynb`` (same inputs,
seeds and tolerances). ``minibatch_indices`` is called through the driver
:func:`~mnistlib.assignment_checks.sgd.epochs` (a seeded generator, two epochs from one
generator, each epoch's batches as sizes and indices); ``train_softmax_sgd`` through
:func:`~mnistlib.assignment_checks.sgd.train_reference_batches`, which runs it with the
specification's ``minibatch_indices`` so that a wrong one is not charged twice. Weights and
losses are compared with an independent float64 reference to a relative 1e-4 of their largest
entry: float32 rounding (allowed by the instructions) stays far below, every wrong loop above.

:data:`CELLS` says which checks make up each graded test cell; a cell earns its points (from
the notebook's nbgrader metadata) when all its checks pass.
"""

from __future__ import annotations

import numpy as np

from mnistlib.assignment_checks._core import Call, Check, array, expect, items, number
from mnistlib.assignment_checks.sgd import (CHECKS as VISIBLE, OFF, epoch, epochs, losses_of,
                                            the_epoch, train_reference_batches)

# -- references (independent of the notebook's code) -------------------------------------------
_BATCH = 60


def _reference_step(W, b, X, y):
    """Mean cross-entropy of softmax(X W + b) and its gradients, float64."""
    m = len(y)
    S = X @ W + b
    P = np.exp(S - S.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    loss = -np.log(P[np.arange(m), y]).mean()
    P[np.arange(m), y] -= 1.0
    return loss, X.T @ P / m, P.sum(axis=0) / m


def _reference_train(X, y, lr, batch_size, n_epochs, seed, C):
    """(W, b, losses) of the specification, in float64: one generator, every batch, the mean of
    each epoch's batch losses taken before their steps."""
    X = np.asarray(X, dtype=np.float64)
    W, b = np.zeros((X.shape[1], C)), np.zeros(C)
    rng = np.random.default_rng(seed)
    losses = []
    for _ in range(n_epochs):
        order = rng.permutation(len(y))
        seen = []
        for start in range(0, len(y), batch_size):
            rows = order[start:start + batch_size]
            loss, dW, db = _reference_step(W, b, X[rows], y[rows])
            W, b = W - lr * dW, b - lr * db
            seen.append(loss)
        losses.append(np.mean(seen))
    return W, b, np.array(losses)


def _worst(got, expected, what):
    """Largest difference from ``expected``, and whether it is within float32 rounding."""
    got = array(got, what)
    expect(got.shape == expected.shape,
           f"{what}: expected shape {expected.shape}, got {got.shape}")
    diff = float(np.abs(got - expected).max())
    return diff, diff <= 1e-4 * float(np.abs(expected).max()) + 1e-7


def _synthetic():
    """N = 103 samples (batches of 10 leave a last one of 3), D = 7, C = 3; classes separable
    enough to learn."""
    rng = np.random.default_rng(2024)
    y = rng.integers(0, 3, size=103)
    X = rng.normal(size=(103, 7)) + 1.5 * np.eye(3, 7)[y]
    return X, y


def _training(lr, batch_size, n_epochs, seed, dtype=np.float64):
    """``train_softmax_sgd(X, y, lr=..., ..., C=3)`` on the synthetic data."""
    X, y = _synthetic()
    return Call((X.astype(dtype), y), {"lr": lr, "batch_size": batch_size, "n_epochs": n_epochs,
                                       "seed": seed, "C": 3})


# -- minibatch_indices -------------------------------------------------------------------------
def _in_order_calls():
    # Arguments of the driver `epochs`: N, batch_size, calls, shuffle, seed.
    return [Call((5000, _BATCH, 1, False, 0)), Call((120, _BATCH, 1, False, 0)),
            Call((7, _BATCH, 1, False, 0)), Call((5, 1, 1, False, 0))]


def _in_order_verdict(calls, outcomes):
    plain, exact, small, single = (the_epoch(o.value, f"minibatch_indices{c.args[:2]}")
                                   for c, o in zip(calls, outcomes))
    sizes = [len(b) for b in plain]
    expect(sizes == [60] * 83 + [20], (
        f"5000 samples in batches of 60: 83 full batches and a last one of 20; got {len(sizes)} "
        f"batches of sizes {sorted(set(sizes))}, the last of {sizes[-1] if sizes else None}"))
    expect([i for b in plain for i in b] == list(range(5000)),
           "with rng=None the batches are consecutive slices of 0, 1, ..., N-1")
    expect([len(b) for b in exact] == [60, 60],
           f"N = 120, batch_size = 60: two batches, no empty one; got sizes "
           f"{[len(b) for b in exact]}")
    expect(small == [list(range(7))], "N = 7 < batch_size = 60: a single batch holding 0..6")
    expect(single == [[0], [1], [2], [3], [4]], "batch_size = 1: one batch per sample, in order")


def _shuffled_calls():
    # Two epochs from one generator, then a new generator with the same seed.
    return [Call((5000, _BATCH, 2, True, 42)), Call((5000, _BATCH, 1, True, 42))]


def _shuffled_verdict(calls, outcomes):
    value = outcomes[0].value
    expect(isinstance(value, list) and len(value) == 2,
           "minibatch_indices(5000, 60, rng) must return a list of index arrays")
    epoch1, epoch2 = (epoch(v, "minibatch_indices(5000, 60, rng)") for v in value)
    again = the_epoch(outcomes[1].value, "minibatch_indices(5000, 60, rng)")
    expect([len(b) for b in epoch1] == [60] * 83 + [20],
           "shuffled, 5000 samples in batches of 60 are still 83 batches of 60 and one of 20")
    flat1, flat2 = ([i for b in e for i in b] for e in (epoch1, epoch2))
    for flat in (flat1, flat2):
        expect(sorted(flat) == list(range(5000)),
               "the shuffled batches must hold every index exactly once")
    expect(flat1 != list(range(5000)),
           "with a generator the order must be shuffled (rng.permutation(N))")
    expect(flat1 != flat2,
           "two calls with the same generator (two epochs) must give two different orders")
    expect(flat1 == [i for b in again for i in b],
           "a new generator with the same seed must give the same order: shuffle with rng only")
    reference = np.random.default_rng(42)
    for number_, got in enumerate((epoch1, epoch2), 1):
        order = reference.permutation(5000)
        expected = [sorted(int(i) for i in order[s:s + _BATCH]) for s in range(0, 5000, _BATCH)]
        expect([sorted(b) for b in got] == expected, (
            f"epoch {number_}: the batches must be consecutive slices of rng.permutation(N), "
            "one permutation per call"))


# -- accuracy ----------------------------------------------------------------------------------
def _accuracy_problem():
    """(W, b, X, y, expected): 200 samples, no near-ties, 120 of them right (accuracy 0.6)."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(400, 6))
    W = rng.normal(size=(6, 4))
    b = rng.normal(size=4)
    top2 = np.sort(X @ W + b, axis=1)[:, -2:]
    X = X[top2[:, 1] - top2[:, 0] > 1e-2][:200]  # no near-ties: float32 predicts the same
    predicted = [max(range(4), key=lambda c: float(x @ W[:, c] + b[c])) for x in X]
    y = np.array(predicted)
    wrong = rng.permutation(len(y))[:80]
    y[wrong] = (y[wrong] + rng.integers(1, 4, size=80)) % 4
    expected = sum(int(p == label) for p, label in zip(predicted, y)) / len(y)
    return W, b, X, y, expected


def _accuracy_calls():
    W, b, X, y, _ = _accuracy_problem()
    f32 = np.float32
    return [Call((W, b, X, y)), Call((W.astype(f32), b.astype(f32), X.astype(f32), y))]


def _accuracy_verdict(calls, outcomes):
    *_, y, expected = _accuracy_problem()
    value = outcomes[0].value
    expect(isinstance(value, np.ndarray) and value.ndim == 0
           and 0.0 <= float(value) <= 1.0,
           "accuracy must be one number in [0, 1] (a fraction, not a percentage), got "
           f"{value if isinstance(value, np.ndarray) else 'no number'}")
    got = float(value)
    expect(abs(got - expected) < 1e-12, (
        f"expected {expected} ({round(expected * len(y))} of {len(y)} right), got {got}: "
        "predict the argmax over classes of X @ W + b and average (prediction == y)"))
    got32 = number(outcomes[1].value, "accuracy")
    expect(abs(got32 - expected) < 1e-12,
           f"with float32 inputs expected {expected}, got {got32}")


# -- train_softmax_sgd -------------------------------------------------------------------------
def _step_verdict(calls, outcomes):
    X, y = calls[0].args[:2]
    W1, b1, _ = items(outcomes[0].value, 3, "train_softmax_sgd")
    W1, b1 = array(W1, "W"), array(b1, "b")
    expect(W1.shape == (7, 3) and b1.shape == (3,), (
        f"for D = 7 features and C = 3 classes W must have shape (7, 3) and b (3,), got "
        f"{W1.shape} and {b1.shape}: take D from X and use the argument C"))
    _, dW0, db0 = _reference_step(np.zeros((7, 3)), np.zeros(3), X, y)
    diff, ok = _worst(W1, -0.3 * dW0, "W")
    expect(ok, (f"one epoch with one batch of all samples is one step from zero: W must be "
                f"-lr * dE/dW, it differs by up to {diff:.3g} (check the sign, the learning "
                "rate lr and the mean, not summed, gradient)"))
    diff, ok = _worst(b1, -0.3 * db0, "b")
    expect(ok, f"likewise b must be -lr * dE/db after that step; it differs by up to {diff:.3g}")


def _reference_verdict(calls, outcomes):
    X, y = _synthetic()
    W_ref, b_ref, _ = _reference_train(X, y, 0.5, 10, 3, 7, 3)
    for call, outcome in zip(calls, outcomes):
        W, b, _ = items(outcome.value, 3, "train_softmax_sgd")
        diff_W, ok_W = _worst(W, W_ref, "W")
        diff_b, ok_b = _worst(b, b_ref, "b")
        expect(ok_W and ok_b, (
            f"X {call.args[0].dtype.name}: after 3 epochs of batches of 10 (N = 103: 10 "
            f"batches of 10 and a last one of 3) W differs from the reference by up to "
            f"{diff_W:.3g}, b by {diff_b:.3g}. Create the generator once before the first "
            "epoch, draw each epoch's batches with minibatch_indices(N, batch_size, rng), step "
            "on every batch, the last smaller one too"))


def _losses_verdict(calls, outcomes):
    X, y = _synthetic()
    _, _, losses_ref = _reference_train(X, y, 0.5, 10, 3, 7, 3)
    _, _, losses = items(outcomes[0].value, 3, "train_softmax_sgd")
    losses = losses_of(losses)
    expect(len(losses) == 3, f"3 epochs: expected 3 recorded losses, got {len(losses)}")
    diff, ok = _worst(losses, losses_ref, "the losses")
    expect(ok, (f"recorded losses {np.round(losses, 5)}, expected {np.round(losses_ref, 5)}: "
                "record per epoch the mean of that epoch's 11 batch losses (each batch once, "
                "the loss before the batch's step), starting a new list every epoch"))


def _seed_verdict(calls, outcomes):
    (Wa, ba, la), (Wc, _, _), (Wb, bb, lb) = (items(o.value, 3, "train_softmax_sgd")
                                              for o in outcomes)
    Wa, ba, Wb, bb, Wc = (array(a, n) for a, n in [(Wa, "W"), (ba, "b"), (Wb, "W"), (bb, "b"),
                                                   (Wc, "W")])
    la, lb = losses_of(la), losses_of(lb)
    expect(np.array_equal(Wa, Wb) and np.array_equal(ba, bb) and np.array_equal(la, lb), (
        "two calls with the same seed must give identical weights and losses: seed the "
        "generator with `seed`, start from zero weights every call and keep no state between "
        "calls"))
    expect(not np.array_equal(Wa, Wc),
           "another seed must give another model: shuffle the batches with the seeded generator")


def _inputs_verdict(calls, outcomes):
    X, y = calls[0].args[:2]
    after = outcomes[0].args_after[:2]
    expect(len(after) == 2 and all(
        isinstance(a, np.ndarray) and a.shape == np.shape(b) and np.array_equal(a, b)
        for a, b in zip(after, (X, y))),
        "train_softmax_sgd changed X or y: shuffle indices, not the data, and copy before "
        "editing")


def _train_check(name, calls, verdict):
    return Check(name, "train_softmax_sgd", calls, verdict, OFF, driver=train_reference_batches)


HIDDEN = {c.name: c for c in [
    Check("minibatch_in_order", "minibatch_indices", _in_order_calls, _in_order_verdict, OFF,
          driver=epochs),
    Check("minibatch_shuffled", "minibatch_indices", _shuffled_calls, _shuffled_verdict, OFF,
          driver=epochs),
    Check("accuracy_random_weights", "accuracy", _accuracy_calls, _accuracy_verdict, OFF),
    _train_check("train_one_full_batch_step", lambda: [_training(0.3, 103, 1, 5)],
                 _step_verdict),
    _train_check("train_weights_against_reference",
                 lambda: [_training(0.5, 10, 3, 7), _training(0.5, 10, 3, 7, np.float32)],
                 _reference_verdict),
    _train_check("train_recorded_losses", lambda: [_training(0.5, 10, 3, 7)], _losses_verdict),
    _train_check("train_same_seed_same_model",
                 lambda: [_training(0.5, 10, 2, 3), _training(0.5, 10, 2, 4),
                          _training(0.5, 10, 2, 3)], _seed_verdict),
    _train_check("train_inputs_unchanged", lambda: [_training(0.5, 10, 2, 7)],
                 _inputs_verdict),
]}

#: Every check, visible and hidden, by name.
CHECKS = {**VISIBLE, **HIDDEN}

#: The checks of each graded test cell (grade id) of the notebook, in the notebook's order.
CELLS = {
    "test_minibatch_indices": ("minibatch_known_answers",),
    "test_minibatch_indices_hidden": ("minibatch_in_order",),
    "test_minibatch_shuffle_hidden": ("minibatch_shuffled",),
    "test_accuracy": ("accuracy_known_answers",),
    "test_accuracy_hidden": ("accuracy_random_weights",),
    "test_train_sgd": ("train_reaches_86_percent",),
    "test_train_sgd_step_hidden": ("train_one_full_batch_step",),
    "test_train_sgd_reference_hidden": ("train_weights_against_reference",),
    "test_train_sgd_losses_hidden": ("train_recorded_losses",),
    "test_train_sgd_seed_hidden": ("train_same_seed_same_model",),
    "test_train_sgd_inputs_hidden": ("train_inputs_unchanged",),
}
