"""The MLP: forward pass, backpropagation against finite differences, training, given weights."""

import numpy as np
import pytest

from mnistlib import MLP, Classifier, softmax, train_sgd
from mnistlib.gradcheck import check_gradient
from mnistlib.models import sigmoid


def test_forward_exposes_every_layer_with_the_right_shapes():
    """Does forward() give a1, z1, ..., a3, z3 of shapes (N, 50), (N, 100), (N, 10) for 784-50-100-10?"""
    net = MLP((784, 50, 100, 10), seed=0)
    X = np.random.default_rng(0).random((4, 784), dtype=np.float32)
    f = net.forward(X)
    assert f.layer_names == ["a1", "z1", "a2", "z2", "a3", "z3"]
    assert [f[name].shape for name in f.layer_names] == [(4, 50), (4, 50), (4, 100), (4, 100),
                                                         (4, 10), (4, 10)]
    np.testing.assert_allclose(f["z1"], sigmoid(f["a1"]), rtol=1e-6)
    np.testing.assert_allclose(f["z3"], softmax(f["a3"]), rtol=1e-6)
    np.testing.assert_allclose(net.logits(X), f["a3"], rtol=1e-6)
    with pytest.raises(KeyError, match="a1"):
        f["a4"]


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_backpropagation_matches_central_differences(activation):
    """Does every parameter's backpropagated gradient match the numerical one (float64)?"""
    rng = np.random.default_rng(1)
    net = MLP((6, 5, 4, 3), activation=activation, l2=0.05, dtype=np.float64, seed=2)
    for b in net.biases:
        b[...] = rng.normal(scale=0.1, size=b.shape)  # keep ReLUs away from their kink at 0
    X = rng.normal(size=(8, 6))
    y = rng.integers(0, 3, 8)
    _, grads = net.loss_and_grad(X, y)
    f = lambda: net.loss_and_grad(X, y)[0]  # noqa: E731
    for p, g in zip(net.params, grads):
        assert check_gradient(f, p, g) < 1e-5


def test_sigmoid_is_stable_for_large_inputs():
    """Does sigmoid give 0 and 1 without overflow warnings for inputs of +-1e4?"""
    with np.errstate(over="raise", invalid="raise"):
        s = sigmoid(np.array([-1e4, 0.0, 1e4]))
    np.testing.assert_allclose(s, [0, 0.5, 1])


def test_training_fits_a_non_linear_problem_a_linear_model_cannot():
    """Does a small sigmoid MLP learn XOR-like data that no linear classifier separates?"""
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(400, 2))
    y = ((X[:, 0] > 0) ^ (X[:, 1] > 0)).astype(np.int64)
    net = MLP((2, 16, 2), activation="relu", dtype=np.float64, seed=0)
    train_sgd(net, X, y, lr=0.5, batch_size=20, n_epochs=200, shuffle=True, seed=0)
    assert net.error_rate(X, y) < 0.05


def test_from_weights_reproduces_a_network_trained_elsewhere():
    """Does a network built from given arrays compute exactly sigmoid/softmax of those arrays?"""
    rng = np.random.default_rng(3)
    W1, b1 = rng.normal(size=(784, 50)), rng.normal(size=50)
    W2, b2 = rng.normal(size=(50, 100)), rng.normal(size=100)
    W3, b3 = rng.normal(size=(100, 10)), rng.normal(size=10)
    X = rng.random((5, 784))
    net = MLP.from_weights([W1, W2, W3], [b1, b2, b3], activation="sigmoid")
    expected = softmax(sigmoid(sigmoid(X @ W1 + b1) @ W2 + b2) @ W3 + b3)
    np.testing.assert_allclose(net.predict_proba(X), expected, rtol=1e-10)
    assert net.layer_sizes == (784, 50, 100, 10)


def test_from_weights_refuses_mismatched_shapes():
    """Are inconsistent layer shapes refused with a message naming the layer?"""
    with pytest.raises(ValueError, match="layer 2"):
        MLP.from_weights([np.zeros((4, 3)), np.zeros((5, 2))], [np.zeros(3), np.zeros(2)])


def test_best_parameters_are_kept_and_saved(tmp_path):
    """Does save/load round-trip an MLP, and get_state/set_state restore parameters?"""
    net = MLP((6, 4, 3), activation="relu", seed=5)
    state = net.get_state()
    for p in net.params:
        p += 1
    net.set_state(state)
    np.testing.assert_array_equal(net.weights[0], state[0])
    net.save(tmp_path / "mlp.npz")
    loaded = Classifier.load(tmp_path / "mlp.npz")
    assert isinstance(loaded, MLP) and loaded.activation == "relu"
    for a, b in zip(loaded.params, net.params):
        np.testing.assert_array_equal(a, b)
