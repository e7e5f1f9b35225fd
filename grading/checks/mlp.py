"""Checks of assignment 05_mlp as the grader runs them: the visible ones and the hidden ones.

The visible checks come from :mod:`mnistlib.assignment_checks.mlp` (the notebook's visible test
cells run them in the student's kernel). The hidden ones are here, in the grader's package,
which the jail never contains. They repeat the hidden test cells of
``solutions/05_mlp/mlp.ipynb`` (same inputs, seeds and tolerances); the training checks give
``train_mlp`` a :class:`Scripted` ``grad_fn`` that replays the reference trajectory's losses and
gradients and judge its call log as well: the batches it was given (sizes, samples, order) and
the parameters it was called at, step by step.

:data:`CELLS` says which checks make up each graded test cell of the notebook.
"""

from __future__ import annotations

import math

import numpy as np

from mnistlib.assignment_checks._core import (Call, Check, Scripted, array, expect, items, log,
                                              number)
from mnistlib.assignment_checks.mlp import (CHECKS as VISIBLE, LAYER_KEYS, OFF, PARAM_KEYS,
                                            forward_reference, mapping, mini_data, rel_err,
                                            sigmoid_reference)


def _random_params(rng, d, h, c, scale, scale_W2=1.0, biases=True):
    """W1, b1, W2, b2 drawn in that order, as the notebook's hidden tests draw them."""
    params = {"W1": rng.normal(scale=scale, size=(d, h))}
    params["b1"] = rng.normal(size=h) if biases else np.zeros(h)
    params["W2"] = rng.normal(scale=scale_W2, size=(h, c))
    params["b2"] = rng.normal(size=c) if biases else np.zeros(c)
    return params


def _params_unchanged(call, outcome, function, position=0):
    """CheckFailed if the function changed the params dict it was given (or its arrays)."""
    after = outcome.args_after[position]
    for k, before in call.args[position].items():
        expect(isinstance(after, dict) and isinstance(after.get(k), np.ndarray)
               and after[k].shape == before.shape and np.array_equal(after[k], before),
               f"{function} must not modify params[{k!r}]: work on a copy")


def _array_unchanged(call, outcome, position, name, function):
    after, before = outcome.args_after[position], call.args[position]
    expect(isinstance(after, np.ndarray) and after.shape == before.shape
           and np.array_equal(after, before), f"{function} must not modify {name}")


# -- forward (test_forward_hidden) -------------------------------------------------------------
_FORWARD_CONFIGS = [(7, 5, 4, 3, 1.0), (1, 3, 6, 2, 2.0), (30, 784, 50, 10, 0.1)]


def _forward_random_calls():
    rng = np.random.default_rng(51)
    X_mini = mini_data()["X_train"]
    calls = []
    for n, d, h, c, scale in _FORWARD_CONFIGS:
        Xs = rng.normal(size=(n, d)) if d != 784 else X_mini[:n].copy()
        calls.append(Call((_random_params(rng, d, h, c, scale), Xs)))
    return calls


def _forward_random_verdict(calls, outcomes):
    formulas = {"a1": "X W1 + b1", "z1": "sigmoid(a1)", "a2": "z1 W2 + b2",
                "z2": "softmax(a2) over each row"}
    for call, outcome in zip(calls, outcomes):
        p, Xs = call.args
        _array_unchanged(call, outcome, 1, "X", "forward")
        _params_unchanged(call, outcome, "forward")
        f = mapping(outcome.value, LAYER_KEYS, "forward's result")
        expected = forward_reference(p, Xs)
        shape = (Xs.shape[0], Xs.shape[1], p["W1"].shape[1], p["W2"].shape[1])
        for name in LAYER_KEYS:
            expect(f[name].shape == expected[name].shape,
                   f"(N, D, H, C) = {shape}: {name} has shape {f[name].shape}, expected "
                   f"{expected[name].shape}")
            expect(rel_err(f[name], expected[name]) < 1e-5,
                   f"(N, D, H, C) = {shape}: {name} is wrong, it must be {formulas[name]}")


def _huge_params():
    return {"W1": np.array([[800.0, -800.0, 0.0]]), "b1": np.zeros(3), "W2": np.eye(3),
            "b2": np.zeros(3)}


def _forward_saturates_verdict(calls, outcomes):
    f = mapping(outcomes[0].value, LAYER_KEYS, "forward's result")
    z1 = f["z1"]
    expect(z1.shape == (2, 3) and np.all(np.isfinite(z1))
           and np.allclose(z1, [[1, 0, 0.5], [0, 1, 0.5]], atol=1e-12),
           f"sigmoid of +-800 and +-1600 must saturate to 1 and 0, got {z1}")
    expect(f["z2"].shape == (2, 3) and np.allclose(f["z2"].sum(axis=1), 1.0),
           "each row of z2 sums to 1")


_SIGMOID_INPUTS = np.array([-745.0, -40.0, 40.0, 745.0])


def _sigmoid_extremes_verdict(calls, outcomes):
    s = array(outcomes[0].value, "sigmoid(A)")
    expected = [0, 1 / (1 + math.exp(40)), 1 / (1 + math.exp(-40)), 1]
    expect(s.shape == (4,) and np.all(np.isfinite(s))
           and np.allclose(s, expected, rtol=1e-6, atol=1e-12),
           f"sigmoid of (-745, -40, 40, 745) is off: {s}")


def _forward_huge_scores_calls():
    p = _huge_params()
    p["W2"] = 1000.0 * np.eye(3)
    return [Call((p, np.array([[1.0]])))]


def _forward_huge_scores_verdict(calls, outcomes):
    z2 = mapping(outcomes[0].value, LAYER_KEYS, "forward's result")["z2"]
    expect(z2.shape == (1, 3) and np.all(np.isfinite(z2))
           and np.allclose(z2, [[1.0, 0.0, 0.0]], atol=1e-12),
           f"scores (1000, 0, 500) must give probabilities (1, 0, 0), got {z2}: shift before "
           "exp")


# -- loss_and_grad (test_loss_hidden, test_grad_hidden) ----------------------------------------
def _problems(seed, configs):
    """(params, X, y) at random weights, drawn as the notebook's hidden tests draw them."""
    rng = np.random.default_rng(seed)
    X_mini = mini_data()["X_train"]
    calls = []
    for n, d, h, c, scale in configs:
        Xs = rng.normal(size=(n, d)) if d != 784 else X_mini[:n].copy()
        ys = rng.integers(0, c, size=n)
        calls.append(Call((_random_params(rng, d, h, c, scale, scale_W2=1.5), Xs, ys)))
    return calls


def _log_probabilities(p, Xs):
    a2 = forward_reference(p, Xs)["a2"]
    m = a2.max(axis=1, keepdims=True)
    return a2 - m - np.log(np.exp(a2 - m).sum(axis=1, keepdims=True))


def _reference_loss(p, Xs, ys):
    return float(-_log_probabilities(p, Xs)[np.arange(len(ys)), ys].mean())


def _loss_calls():
    return _problems(52, [(13, 6, 5, 4, 1.0), (40, 784, 20, 10, 0.1)])


def _loss_verdict(calls, outcomes):
    for call, outcome in zip(calls, outcomes):
        p, Xs, ys = call.args
        value = outcome.value
        expect(isinstance(value, list) and value, "loss_and_grad must return (loss, grads)")
        loss = number(value[0], "the loss")
        expected = _reference_loss(p, Xs, ys)
        shape = (Xs.shape[0], Xs.shape[1], p["W1"].shape[1], p["W2"].shape[1])
        expect(abs(loss - expected) < 1e-6 * expected, (
            f"at random weights, (N, D, H, C) = {shape}, the loss must be the mean "
            f"cross-entropy of softmax(a2), {expected:.6f}; got {loss:.6f} (a mean over the "
            "batch, both biases included, no extra term)"))


def _reference_grads(p, Xs, ys):
    """Loops over the samples: a different computation from the matrix recursion."""
    grads = {k: np.zeros_like(v) for k, v in p.items()}
    n, c = len(ys), p["W2"].shape[1]
    for x, label in zip(Xs, ys):
        z1 = sigmoid_reference(x @ p["W1"] + p["b1"])
        a2 = z1 @ p["W2"] + p["b2"]
        prob = np.exp(a2 - a2.max())
        prob /= prob.sum()
        d2 = (prob - np.eye(c)[label]) / n
        d1 = (p["W2"] @ d2) * z1 * (1.0 - z1)
        grads["W2"] += np.outer(z1, d2)
        grads["b2"] += d2
        grads["W1"] += np.outer(x, d1)
        grads["b1"] += d1
    return grads


_GRAD_HINTS = {"W1": "X^T delta1 with delta1 = (delta2 W2^T) * z1 * (1 - z1)",
               "b1": "the column sums of delta1 (a sum over the samples, axis 0)",
               "W2": "z1^T delta2 with delta2 = (z2 - T) / N",
               "b2": "the column sums of delta2 (a sum over the samples, axis 0)"}


def _grad_calls():
    return _problems(53, [(13, 6, 5, 4, 1.0), (7, 3, 9, 3, 2.0), (40, 784, 20, 10, 0.1)])


def _grad_verdict(calls, outcomes):
    for call, outcome in zip(calls, outcomes):
        p, Xs, ys = call.args
        _array_unchanged(call, outcome, 1, "X", "loss_and_grad")
        _array_unchanged(call, outcome, 2, "y", "loss_and_grad")
        _params_unchanged(call, outcome, "loss_and_grad")
        _, grads = items(outcome.value, 2, "loss_and_grad")
        grads = mapping(grads, PARAM_KEYS, "grads")
        expected = _reference_grads(p, Xs, ys)
        shape = (Xs.shape[0], Xs.shape[1], p["W1"].shape[1], p["W2"].shape[1])
        for k in ("W2", "b2", "W1", "b1"):
            expect(grads[k].shape == p[k].shape, f"grads[{k!r}] must have shape {p[k].shape}")
            err = rel_err(grads[k], expected[k])
            expect(err < 1e-5, f"grads[{k!r}] at random weights, (N, D, H, C) = {shape}, is "
                   f"off by a relative {err:.1e}: it must be {_GRAD_HINTS[k]}")


# -- train_mlp (test_train_step_hidden, test_train_epochs_hidden) ------------------------------
def _reference_loss_and_grad(p, Xs, ys):
    log_P = _log_probabilities(p, Xs)
    n = len(ys)
    d2 = (np.exp(log_P) - np.eye(log_P.shape[1])[ys]) / n
    z1 = forward_reference(p, Xs)["z1"]
    d1 = (d2 @ p["W2"].T) * z1 * (1.0 - z1)
    grads = {"W1": Xs.T @ d1, "b1": d1.sum(axis=0), "W2": z1.T @ d2, "b2": d2.sum(axis=0)}
    return float(-log_P[np.arange(n), ys].mean()), grads


def _trajectory(p, Xs, ys, lr, batch_size, n_epochs, seed):
    """The specification written out: one generator, a new permutation per epoch.

    Returns the batches (index arrays), the parameters each step starts from, the (loss, grads)
    of each step, the epochs' mean losses and the final parameters.
    """
    order_rng = np.random.default_rng(seed)
    current = {k: v.copy() for k, v in p.items()}
    batches, starts, steps, epoch_losses = [], [], [], []
    n = len(ys)
    for _ in range(n_epochs):
        order = order_rng.permutation(n)
        losses = []
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            loss, grads = _reference_loss_and_grad(current, Xs[idx], ys[idx])
            batches.append(idx)
            starts.append(current)
            steps.append((loss, grads))
            current = {k: current[k] - lr * grads[k] for k in current}
            losses.append(loss)
        epoch_losses.append(float(np.mean(losses)))
    return batches, starts, steps, epoch_losses, current


def _grad_fn_arguments(entry):
    """(params, X_batch, y_batch) of one logged grad_fn call."""
    args = list(entry["args"]) + list(entry["kwargs"].values())
    expect(len(args) == 3, "call grad_fn as grad_fn(params, X_batch, y_batch)")
    return args


def _train_call(p, Xs, ys, lr, batch_size, n_epochs, seed):
    _, _, steps, _, _ = _trajectory(p, Xs, ys, lr, batch_size, n_epochs, seed)
    grad_fn = Scripted("grad_fn", returns=steps, then="raise")
    return Call((p, Xs, ys, grad_fn), {"lr": lr, "batch_size": batch_size,
                                       "n_epochs": n_epochs, "seed": seed})


def _step_problem():
    data = mini_data()
    Xs, ys = data["X_train"][:120], data["y_train"][:120]
    p = _random_params(np.random.default_rng(54), 784, 12, 10, 0.05)
    return p, Xs, ys


def _train_step_calls():
    p, Xs, ys = _step_problem()
    return [_train_call(p, Xs, ys, 0.3, 120, 1, 5)]


def _trained(outcome, count):
    trained, losses = items(outcome.value, 2, "train_mlp")
    trained = mapping(trained, PARAM_KEYS, "the trained parameters")
    expect(isinstance(losses, (list, np.ndarray)) and len(losses) == count,
           f"one loss per epoch: expected {count}, got "
           f"{len(losses) if isinstance(losses, (list, np.ndarray)) else 'no list'}")
    return trained, [number(v, "a recorded loss") for v in losses]


def _row_keys(X):
    # one number per row that tells the samples apart (float32 copies included)
    return np.asarray(X, dtype=np.float64) @ np.linspace(1.0, 2.0, X.shape[1])


def _train_step_verdict(calls, outcomes):
    call, outcome = calls[0], outcomes[0]
    p, Xs, ys = call.args[:3]
    _params_unchanged(call, outcome, "train_mlp")
    logged = log(outcome, "grad_fn")
    expect(len(logged) == 1, f"one epoch of one batch of all 120 samples is one call of "
           f"grad_fn; it was called {len(logged)} times")
    given, Xb, yb = _grad_fn_arguments(logged[0])
    given = mapping(given, PARAM_KEYS, "the params given to grad_fn")
    for k in PARAM_KEYS:
        expect(rel_err(given[k], p[k]) < 1e-6,
               f"the first step's gradient is taken at the given params[{k!r}]")
    Xb = array(Xb, "the batch X given to grad_fn")
    expect(Xb.shape == Xs.shape and np.allclose(np.sort(_row_keys(Xb)), np.sort(_row_keys(Xs)),
                                                rtol=1e-6, atol=0),
           "a batch of 120 for 120 samples holds every sample once")
    loss0, grads0 = call.args[3].returns[0]
    trained, losses = _trained(outcome, 1)
    for k in PARAM_KEYS:
        expect(rel_err(trained[k] - p[k], -0.3 * grads0[k]) < 1e-4,
               f"one batch of all samples must move params[{k!r}] by -lr * grads[{k!r}]")
    expect(abs(losses[0] - loss0) < 1e-5 * loss0,
           f"the recorded loss is the batch's loss before the step, {loss0:.6f}; got {losses}")


_EPOCHS = dict(lr=0.4, batch_size=50, n_epochs=3, seed=8)


def _epochs_problem():
    data = mini_data()
    Xs, ys = data["X_train"][:230], data["y_train"][:230]
    p = _random_params(np.random.default_rng(55), 784, 12, 10, 0.05, biases=False)
    return p, Xs, ys


def _train_epochs_calls():
    p, Xs, ys = _epochs_problem()
    return [_train_call(p, Xs, ys, **_EPOCHS)]


def _train_epochs_verdict(calls, outcomes):
    call, outcome = calls[0], outcomes[0]
    p, Xs, ys = call.args[:3]
    batches, starts, _, expected_losses, expected = _trajectory(p, Xs, ys, **_EPOCHS)
    logged = [_grad_fn_arguments(e) for e in log(outcome, "grad_fn")]
    sizes = [int(np.size(yb)) for _, _, yb in logged]
    expect(sizes == [50, 50, 50, 50, 30] * 3, (
        f"230 samples in batches of 50 are 5 batches per epoch, the last of 30, for 3 epochs; "
        f"grad_fn was called with batches of {sizes}"))
    for i, ((given, Xb, yb), idx, start) in enumerate(zip(logged, batches, starts)):
        epoch, batch = divmod(i, 5)
        where = f"epoch {epoch + 1}, batch {batch + 1}"
        expect(np.array_equal(array(yb, "y_batch"), ys[idx])
               and np.allclose(array(Xb, "X_batch"), Xs[idx], rtol=1e-6, atol=1e-7), (
                   f"{where}: the batch must be the samples order[start:start + 50] of "
                   "order = rng.permutation(230), one generator rng = "
                   "np.random.default_rng(seed) created before the first epoch"))
        given = mapping(given, PARAM_KEYS, "the params given to grad_fn")
        for k in PARAM_KEYS:
            expect(rel_err(given[k], start[k]) < 1e-4,
                   f"{where}: grad_fn must be called at the parameters after the previous "
                   f"steps (params[{k!r}] is off): theta <- theta - lr * grads, all four arrays")
    trained, losses = _trained(outcome, 3)
    expect(np.allclose(losses, expected_losses, rtol=1e-5, atol=0), (
        f"the recorded losses must be each epoch's mean minibatch loss, "
        f"{np.round(expected_losses, 6).tolist()}; got {np.round(losses, 6).tolist()}"))
    for k in PARAM_KEYS:
        err = rel_err(trained[k], expected[k])
        expect(err < 1e-4, (
            f"params[{k!r}] after 3 epochs is off by a relative {err:.1e}: create one "
            "generator np.random.default_rng(seed) before the first epoch and draw "
            "rng.permutation(N) in every epoch"))


# -- hidden_influence (test_influence_hidden) --------------------------------------------------
_INFLUENCE_CONFIGS = [(3, 4, [2, 0, 2], 0.5), (28, 50, [0, 7, 49], 1.0)]


def _influence_calls():
    rng = np.random.default_rng(56)
    calls = []
    for side, h, nodes, value in _INFLUENCE_CONFIGS:
        d = side * side
        p = {"W1": rng.normal(scale=1.0 if d < 100 else 0.3, size=(d, h)),
             "b1": rng.normal(size=h), "W2": rng.normal(size=(h, 10)),
             "b2": rng.normal(size=10)}
        calls.append(Call((p, np.array(nodes)), {"value": value}))
    return calls


def _influence_verdict(calls, outcomes):
    import mnistlib

    for call, outcome, (side, _, nodes, value) in zip(calls, outcomes, _INFLUENCE_CONFIGS):
        p = call.args[0]
        _params_unchanged(call, outcome, "hidden_influence")
        maps = array(outcome.value, "hidden_influence(params, nodes, value)")
        net = mnistlib.MLP.from_weights([p["W1"], p["W2"]], [p["b1"], p["b2"]],
                                        dtype=np.float64)
        expected = mnistlib.pixel_influence(net, "z1", value=value,
                                            image_shape=(side, side))[nodes]
        expect(maps.shape == expected.shape, f"{len(nodes)} nodes of a {side} x {side} "
               f"network: shape {expected.shape}, got {maps.shape}")
        for i, node in enumerate(nodes):
            expect(rel_err(maps[i], expected[i]) < 1e-4, (
                f"{side} x {side} pixels, value {value}: the map of node {node} must be "
                "z1(value e_p) - z1(0) for every pixel p, arranged row by row (biases "
                "included)"))


HIDDEN = {c.name: c for c in [
    Check("forward_random_networks", "forward", _forward_random_calls,
          _forward_random_verdict, OFF),
    Check("forward_saturates", "forward",
          lambda: [Call((_huge_params(), np.array([[1.0], [-2.0]])))],
          _forward_saturates_verdict, OFF),
    Check("sigmoid_extremes", "sigmoid", lambda: [Call((_SIGMOID_INPUTS.copy(),))],
          _sigmoid_extremes_verdict, OFF),
    Check("forward_huge_scores", "forward", _forward_huge_scores_calls,
          _forward_huge_scores_verdict, OFF),
    Check("loss_at_random_weights", "loss_and_grad", _loss_calls, _loss_verdict, OFF),
    Check("grad_at_random_weights", "loss_and_grad", _grad_calls, _grad_verdict, OFF),
    Check("train_one_step", "train_mlp", _train_step_calls, _train_step_verdict, OFF),
    Check("train_epochs", "train_mlp", _train_epochs_calls, _train_epochs_verdict, OFF),
    Check("influence_random_networks", "hidden_influence", _influence_calls,
          _influence_verdict, OFF),
]}

#: Every check, visible and hidden, by name.
CHECKS = {**VISIBLE, **HIDDEN}

#: The checks of each graded test cell (grade id) of the notebook.
CELLS = {
    "test_sigmoid": ("sigmoid_known_answers",),
    "test_forward": ("forward_toy_network",),
    "test_forward_hidden": ("forward_random_networks", "forward_saturates", "sigmoid_extremes",
                            "forward_huge_scores"),
    "test_loss_and_grad": ("grad_with_zero_W2",),
    "test_gradient_check": ("gradient_check",),
    "test_loss_hidden": ("loss_at_random_weights",),
    "test_grad_hidden": ("grad_at_random_weights",),
    "test_train": ("train_reaches_87_percent",),
    "test_train_step_hidden": ("train_one_step",),
    "test_train_epochs_hidden": ("train_epochs",),
    "test_influence": ("influence_known_answers",),
    "test_influence_hidden": ("influence_random_networks",),
}
