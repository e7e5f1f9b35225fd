"""Visible checks of assignment 05_mlp (sigmoid, forward, loss_and_grad, train_mlp,
hidden_influence).

In the notebook::

    from mnistlib.assignment_checks.mlp import check
    check("forward_toy_network", forward)
    check("train_reaches_87_percent", train_mlp)

``train_reaches_87_percent`` trains with the notebook's own ``loss_and_grad`` (through the
driver :func:`train_with_notebook_grad`). Each check is a known answer or a stated budget: a
network small enough to compute by hand, the gradient with ``W2 = 0``, the gradient against
central differences of the notebook's own loss, 87 % validation accuracy after 5 epochs (counted
with a reference forward pass, so a wrong ``forward`` is not charged twice), influence images
known in closed form.
Shapes: N samples, D inputs, H hidden units, C classes. The grader runs these same checks, and
hidden ones, on what the notebook's functions compute.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from ._core import Call, Check, CheckFailed, TypeTag, array, expect, items, number, run_visible

#: mnistlib functions no graded function may call (dotted below ``mnistlib``).
OFF = ("MLP.forward", "MLP.logits", "MLP.backward", "MLP._data_grads", "MLP.loss_and_grad",
       "MLP.sgd_step", "models.mlp.sigmoid", "train_sgd", "layer_values",
       "influence.image_influence", "pixel_influence", "gradient_maps",
       # this module's references (the verdicts' own, called after the graded function)
       "assignment_checks.mlp.sigmoid_reference", "assignment_checks.mlp.forward_reference")
#: The keys of the parameter and gradient dicts, and of forward's result.
PARAM_KEYS = ("W1", "b1", "W2", "b2")
LAYER_KEYS = ("a1", "z1", "a2", "z2")
#: The notebook's network: D inputs, H hidden units, C classes.
D, H, C = 784, 50, 10
#: Finite-difference step and entries compared per array (the notebook's gradient check).
FD_STEP = 1e-5
FD_CHECKS = 40


def mini_data() -> dict:
    """The notebook's data, float64: ``X_train`` (5000, D), ``y_train``, ``X_valid`` (1000, D),
    ``y_valid``."""
    from mnistlib import load_mnist

    data = load_mnist(subset="mini")
    valid = data.valid  # the mini subset has a validation split
    if valid is None:
        raise RuntimeError("the mini subset has no validation split")
    return {"X_train": data.X_train.astype(np.float64), "y_train": np.asarray(data.y_train),
            "X_valid": valid[0].astype(np.float64), "y_valid": np.asarray(valid[1])}


def init_params(D: int, H: int, C: int, seed: int = 0) -> dict:
    """The notebook's ``init_params``: Glorot uniform times 4, biases 0 (float64)."""
    rng = np.random.default_rng(seed)
    params = {}
    for layer, (fan_in, fan_out) in enumerate([(D, H), (H, C)], start=1):
        bound = 4 * np.sqrt(6.0 / (fan_in + fan_out))
        params[f"W{layer}"] = rng.uniform(-bound, bound, size=(fan_in, fan_out))
        params[f"b{layer}"] = np.zeros(fan_out)
    return params


def sigmoid_reference(A: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-A)) without overflow, float64."""
    return 0.5 * (1.0 + np.tanh(np.asarray(A, dtype=np.float64) / 2))


def forward_reference(params: dict, X: np.ndarray) -> dict:
    """The forward pass written out: ``"a1"``, ``"z1"`` (N, H), ``"a2"``, ``"z2"`` (N, C)."""
    a1 = X @ params["W1"] + params["b1"]
    z1 = sigmoid_reference(a1)
    a2 = z1 @ params["W2"] + params["b2"]
    E = np.exp(a2 - a2.max(axis=1, keepdims=True))
    return {"a1": a1, "z1": z1, "a2": a2, "z2": E / E.sum(axis=1, keepdims=True)}


def mapping(value: Any, keys: tuple, what: str) -> dict:
    """``value`` as a dict holding ``keys`` (each as a float64 array), or CheckFailed."""
    if not isinstance(value, dict):
        got = value.name if isinstance(value, TypeTag) else "a tuple or list"
        raise CheckFailed(f"{what} must be a dict with the keys {', '.join(map(repr, keys))}, "
                          f"got {got}")
    missing = [k for k in keys if k not in value]
    expect(not missing, f"{what} must have the keys {', '.join(map(repr, keys))}; "
           f"missing {', '.join(map(repr, missing))}")
    return {k: array(value[k], f"{what}[{k!r}]") for k in keys}


def rel_err(a: np.ndarray, b: np.ndarray) -> float:
    """Norm-wise relative error of ``a`` against ``b``: float32 rounding stays far below 1e-4,
    a wrong formula far above."""
    a = np.asarray(a, dtype=np.float64)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-300))


# -- sigmoid -----------------------------------------------------------------------------------
def _sigmoid_calls() -> list:
    return [Call((np.array([[0.0, math.log(3.0), -math.log(3.0)], [1000.0, -1000.0, 0.0]]),))]


def _sigmoid_verdict(calls: list, outcomes: list) -> None:
    S = array(outcomes[0].value, "sigmoid(A)")
    expect(S.shape == (2, 3),
           f"sigmoid works entry by entry and keeps the shape (2, 3), got {S.shape}")
    expect(np.allclose(S[0], [0.5, 0.75, 0.25], rtol=1e-6, atol=0),
           f"expected sigmoid(0, log 3, -log 3) = (0.5, 0.75, 0.25), got {S[0]}: "
           "1 / (1 + exp(-a))")
    expect(np.all(np.isfinite(S)),
           "sigmoid(+-1000) must be finite, not nan: exp(1000) / exp(1000) is nan")
    expect(np.allclose(S[1], [1.0, 0.0, 0.5], rtol=0, atol=1e-12),
           f"sigmoid(1000) = 1 and sigmoid(-1000) = 0 (to rounding), got {S[1, :2]}")


# -- forward -----------------------------------------------------------------------------------
def toy_params() -> dict:
    """D = H = C = 2: for x = (1, 0) the hidden pre-activations are (log 3, -log 3)."""
    return {"W1": np.array([[math.log(3.0), -math.log(3.0)], [5.0, 7.0]]), "b1": np.zeros(2),
            "W2": np.array([[2.0, 0.0], [0.0, 2.0]]), "b2": np.array([0.0, 1.0])}


def _forward_calls() -> list:
    return [Call((toy_params(), np.array([[1.0, 0.0], [0.0, 0.0]])))]


def _forward_verdict(calls: list, outcomes: list) -> None:
    f = mapping(outcomes[0].value, LAYER_KEYS, "forward's result")
    for name in LAYER_KEYS:
        expect(f[name].shape == (2, 2), f"{name} must have shape (2, 2), got {f[name].shape}")
    log3, e = math.log(3.0), math.e
    expect(np.allclose(f["a1"], [[log3, -log3], [0.0, 0.0]], rtol=1e-6, atol=1e-12),
           f"a1 = X W1 + b1: expected [[log 3, -log 3], [0, 0]], got {f['a1']}")
    expect(np.allclose(f["z1"], [[0.75, 0.25], [0.5, 0.5]], rtol=1e-6),
           f"z1 = sigmoid(a1): expected [[0.75, 0.25], [0.5, 0.5]], got {f['z1']}")
    expect(np.allclose(f["a2"], [[1.5, 1.5], [1.0, 2.0]], rtol=1e-6),
           f"a2 = z1 W2 + b2: expected [[1.5, 1.5], [1, 2]], got {f['a2']}")
    expect(np.allclose(f["z2"], [[0.5, 0.5], [1 / (1 + e), e / (1 + e)]], rtol=1e-6),
           f"z2 = softmax(a2) over each row: expected [[0.5, 0.5], [0.269, 0.731]], "
           f"got {f['z2']}")


# -- loss_and_grad -----------------------------------------------------------------------------
def _zero_W2_calls() -> list:
    data = mini_data()
    rng = np.random.default_rng(0)
    params = {"W1": rng.normal(scale=0.05, size=(D, H)), "b1": rng.normal(size=H),
              "W2": np.zeros((H, C)), "b2": np.zeros(C)}
    return [Call((params, data["X_train"][:200], data["y_train"][:200]))]


def _zero_W2_verdict(calls: list, outcomes: list) -> None:
    params, X, y = calls[0].args
    loss, grads = items(outcomes[0].value, 2, "loss_and_grad")
    expect(isinstance(grads, dict) and set(grads) == set(PARAM_KEYS),
           "grads is a dict with the keys 'W1', 'b1', 'W2', 'b2'")
    grads = mapping(grads, PARAM_KEYS, "grads")
    for name in PARAM_KEYS:
        expect(grads[name].shape == params[name].shape,
               f"grads[{name!r}] must have the shape of params[{name!r}], "
               f"{params[name].shape}; got {grads[name].shape}")
    loss = number(loss, "the loss")
    expect(abs(loss - math.log(C)) < 1e-6,
           f"with W2 = 0 every score is 0 and the loss is log 10 = 2.302585, got {loss}")
    frequencies = np.bincount(y, minlength=C) / len(y)
    expect(np.allclose(grads["b2"], 1 / C - frequencies, rtol=1e-5, atol=1e-9),
           "db2 must be 1/C - (fraction of each class): the column sums of (z2 - T) / N")
    z1 = sigmoid_reference(X @ params["W1"] + params["b1"])
    dW2_expected = z1.T @ (1 / C - np.eye(C)[y]) / len(y)
    expect(np.allclose(grads["W2"], dW2_expected, rtol=1e-5, atol=1e-9),
           "dW2 must be z1^T (z2 - T) / N: check the transpose, the 1/N and that z1 (not a1) "
           "is used")
    expect(np.allclose(grads["W1"], 0, atol=1e-12) and np.allclose(grads["b1"], 0, atol=1e-12),
           "with W2 = 0 the error delta1 = (delta2 W2^T) * z1 * (1 - z1) is 0, so dW1 and db1 "
           "must be 0")


def _fd_entries(size: int) -> np.ndarray:
    # the entries mnistlib.check_gradient(..., n_checks=40, seed=0) compares
    return np.random.default_rng(0).choice(size, size=min(FD_CHECKS, size), replace=False)


def _gradient_check_calls() -> list:
    """The gradient at random weights, then the loss at each compared entry +- h."""
    data = mini_data()
    rng = np.random.default_rng(1)
    params = {"W1": rng.normal(scale=0.1, size=(D, 8)), "b1": rng.normal(size=8),
              "W2": rng.normal(size=(8, C)), "b2": rng.normal(size=C)}
    X, y = data["X_train"][:20], data["y_train"][:20]
    calls = [Call((params, X, y))]
    for name in PARAM_KEYS:
        for flat in _fd_entries(params[name].size):
            idx = np.unravel_index(flat, params[name].shape)
            for step in (FD_STEP, -FD_STEP):
                moved = {k: v.copy() for k, v in params.items()}
                moved[name][idx] = params[name][idx] + step
                calls.append(Call((moved, X, y)))
    return calls


def _gradient_check_verdict(calls: list, outcomes: list) -> None:
    from mnistlib import relative_error

    params = calls[0].args[0]
    _, grads = items(outcomes[0].value, 2, "loss_and_grad")
    grads = mapping(grads, PARAM_KEYS, "grads")
    losses = iter(outcomes[1:])
    errors = {}
    for name in PARAM_KEYS:
        expect(grads[name].shape == params[name].shape,
               f"grads[{name!r}] must have the shape of params[{name!r}], "
               f"{params[name].shape}; got {grads[name].shape}")
        numeric, analytic = [], []
        for flat in _fd_entries(params[name].size):
            plus = number(items(next(losses).value, 2, "loss_and_grad")[0], "the loss")
            minus = number(items(next(losses).value, 2, "loss_and_grad")[0], "the loss")
            numeric.append((plus - minus) / (2 * FD_STEP))
            analytic.append(grads[name].ravel()[flat])
        errors[name] = relative_error(np.array(analytic), np.array(numeric))
    for name, err in errors.items():
        expect(err < 1e-6, (
            f"grads[{name!r}] disagrees with the finite differences of your loss (relative "
            f"error {err:.1e}, a correct gradient gives about 1e-8): check delta1's sigmoid "
            "derivative z1 * (1 - z1), the transposes and the 1/N"))


# -- train_mlp ---------------------------------------------------------------------------------
#: The budget the notebook states: lr, batch size, epochs, seed.
TRAIN_BUDGET = (0.5, 50, 5, 0)
#: What the budget must reach on the 1,000 validation images.
MIN_ACCURACY = 0.87


def _train_calls() -> list:
    data = mini_data()
    return [Call((init_params(D, H, C, seed=0), data["X_train"], data["y_train"])
                 + TRAIN_BUDGET)]


def _train_verdict(calls: list, outcomes: list) -> None:
    trained, losses = items(outcomes[0].value, 2, "train_mlp")
    expect(isinstance(trained, dict) and set(trained) == set(PARAM_KEYS),
           "train_mlp returns the trained parameters as a dict with the keys 'W1', 'b1', "
           "'W2', 'b2'")
    trained = mapping(trained, PARAM_KEYS, "the trained parameters")
    expect(isinstance(losses, (list, np.ndarray)) and len(losses) == 5,
           f"one loss per epoch: expected 5, got "
           f"{len(losses) if isinstance(losses, (list, np.ndarray)) else 'no list'}")
    losses = [number(v, "a recorded loss") for v in losses]
    expect(losses[-1] < losses[0] < math.log(C) + 0.5,
           f"the loss must fall from epoch to epoch, got {losses}")
    data = mini_data()
    for name, value in trained.items():
        expect(np.all(np.isfinite(value)), f"the trained params[{name!r}] are not finite")
    # a reference forward pass: a wrong forward is charged by its own checks, not here
    scores = forward_reference(trained, data["X_valid"])["a2"]
    accuracy = float(np.mean(np.argmax(scores, axis=1) == data["y_valid"]))
    expect(accuracy >= MIN_ACCURACY,
           f"5 epochs must reach at least 87 % validation accuracy, got {accuracy:.1%} "
           f"(losses per epoch {np.round(losses, 4).tolist()})")


# -- hidden_influence --------------------------------------------------------------------------
def _influence_calls() -> list:
    W1 = np.array([[math.log(3.0), 0.0], [0.0, 1.0], [-math.log(3.0), 2.0], [0.0, 3.0]])
    params = {"W1": W1, "b1": np.zeros(2), "W2": np.ones((2, 3)), "b2": np.zeros(3)}
    return [Call((params, np.array([0])), {"value": 1.0}),
            Call((params, np.array([1, 0])), {"value": 1.0})]


def _influence_verdict(calls: list, outcomes: list) -> None:
    maps = array(outcomes[0].value, "hidden_influence(params, [0])")
    maps_10 = array(outcomes[1].value, "hidden_influence(params, [1, 0])")
    expect(maps.shape == (1, 2, 2),
           f"one node of a 4-pixel (2 x 2) network: shape (1, 2, 2), got {maps.shape}")
    expect(np.allclose(maps[0], [[0.25, 0.0], [-0.25, 0.0]], rtol=1e-5, atol=1e-9),
           f"node 0: expected [[0.25, 0], [-0.25, 0]] (sigmoid(W1[p, 0]) - sigmoid(0), row by "
           f"row), got {maps[0].tolist()}")
    expect(maps_10.shape == (2, 2, 2) and np.allclose(maps_10[1], maps[0], rtol=1e-5, atol=1e-9),
           "maps[k] is the image of nodes[k]: nodes [1, 0] put node 0 second")
    expected_1 = sigmoid_reference(np.array([[0.0, 1.0], [2.0, 3.0]])) - 0.5
    expect(np.allclose(maps_10[0], expected_1, rtol=1e-5, atol=1e-9),
           f"node 1: expected {np.round(expected_1, 4).tolist()}, got "
           f"{np.round(maps_10[0], 4).tolist()}")


def train_with_notebook_grad(function: Callable, *args: Any, **kwargs: Any) -> Any:
    """Driver of ``train_reaches_87_percent``, run where ``function`` runs (the notebook's
    kernel): ``function(params, X, y, loss_and_grad, *rest)`` with the notebook's own
    ``loss_and_grad`` (found in ``function``'s globals, the notebook's namespace).

    It decides nothing: the verdict judges the parameters it returns.
    """
    grad_fn = getattr(function, "__globals__", {}).get("loss_and_grad")
    if not callable(grad_fn):
        raise NameError("the notebook defines no function 'loss_and_grad' (run its cell, keep "
                        "its name): train_mlp is trained with it")
    return function(*args[:3], grad_fn, *args[3:], **kwargs)


#: The drivers a check may name (module-level functions of this module).
DRIVERS = ("train_with_notebook_grad",)


#: The visible checks, by name.
CHECKS = {c.name: c for c in [
    Check("sigmoid_known_answers", "sigmoid", _sigmoid_calls, _sigmoid_verdict, OFF),
    Check("forward_toy_network", "forward", _forward_calls, _forward_verdict, OFF),
    Check("grad_with_zero_W2", "loss_and_grad", _zero_W2_calls, _zero_W2_verdict, OFF),
    Check("gradient_check", "loss_and_grad", _gradient_check_calls, _gradient_check_verdict,
          OFF),
    Check("train_reaches_87_percent", "train_mlp", _train_calls, _train_verdict, OFF,
          driver=train_with_notebook_grad),
    Check("influence_known_answers", "hidden_influence", _influence_calls, _influence_verdict,
          OFF),
]}

def check(name: str, function: Callable[..., Any]) -> None:
    """Run the visible check ``name`` on ``function``: AssertionError with what to fix, or
    ``"<name>: passed"``. ``train_reaches_87_percent`` trains ``function`` (train_mlp) with
    the notebook's own ``loss_and_grad``."""
    run_visible(CHECKS, name, function)
