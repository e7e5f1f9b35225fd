"""AveragedModel: Polyak-Ruppert iterate averaging around any mnistlib classifier."""

import numpy as np
import pytest

from mnistlib import MLP, Classifier, SoftmaxRegression, train_sgd
from mnistlib.training.averaging import AveragedModel

from _blobs import gaussian_blobs


def toy_problem(N=240, D=12, C=3, seed=0):
    """Overlapping Gaussian blobs (SGD with a constant rate keeps moving on them)."""
    return gaussian_blobs(N, D, C, seed=seed, spread=1.0, dtype=np.float64)


def sgd_iterates(model, X, y, lr, batch_size, n_steps):
    """Copies of the parameters after each of n_steps in-order minibatch steps."""
    iterates = []
    for step in range(n_steps):
        lo = (step * batch_size) % X.shape[0]
        model.sgd_step(X[lo:lo + batch_size], y[lo:lo + batch_size], lr)
        iterates.append(model.get_state())
    return iterates


@pytest.mark.parametrize("start", [0, 4])
def test_average_is_the_mean_of_the_iterates_after_start(start):
    """Are the averaged parameters the arithmetic mean of the iterates after `start` updates?"""
    X, y = toy_problem()
    reference = SoftmaxRegression(12, 3, dtype=np.float64, init="normal", seed=1)
    wrapped = AveragedModel(SoftmaxRegression(12, 3, dtype=np.float64, init="normal", seed=1),
                            start=start)
    iterates = sgd_iterates(reference, X, y, 0.5, 20, 10)
    for step in range(10):
        lo = (step * 20) % X.shape[0]
        wrapped.sgd_step(X[lo:lo + 20], y[lo:lo + 20], 0.5)
    for k, name in enumerate(("W", "b")):
        expected = np.mean([state[k] for state in iterates[start:]], axis=0)
        np.testing.assert_allclose(getattr(wrapped.average, name), expected, rtol=1e-12, atol=1e-12)
        # The wrapped model itself is the plain SGD iterate.
        np.testing.assert_allclose(getattr(wrapped.model, name), iterates[-1][k], rtol=1e-12)
    assert (wrapped.n_steps, wrapped.n_averaged) == (10, 10 - start)


def test_average_follows_the_iterate_before_start():
    """Before `start` updates, is the average exactly the current iterate?"""
    X, y = toy_problem()
    wrapped = AveragedModel(SoftmaxRegression(12, 3), start=100)
    for step in range(3):
        wrapped.sgd_step(X[step * 10:(step + 1) * 10].astype(np.float32), y[step * 10:(step + 1) * 10], 0.3)
        np.testing.assert_array_equal(wrapped.average.W, wrapped.model.W)
    assert wrapped.n_averaged == 0


def test_predictions_use_the_averaged_parameters():
    """Do logits, predict and score come from the average, not from the last iterate?"""
    X, y = toy_problem()
    wrapped = AveragedModel(SoftmaxRegression(12, 3, dtype=np.float64))
    for step in range(12):
        wrapped.sgd_step(X[step * 20:(step + 1) * 20], y[step * 20:(step + 1) * 20], 2.0)
    assert not np.allclose(wrapped.average.W, wrapped.model.W)
    np.testing.assert_allclose(wrapped.logits(X), X @ wrapped.average.W + wrapped.average.b)
    assert wrapped.score(X, y) == wrapped.average.score(X, y)
    assert wrapped.params[0] is wrapped.average.W
    assert isinstance(wrapped, Classifier)


def test_train_sgd_evaluates_and_keeps_the_best_average():
    """Does train_sgd record the average's validation error and restore the best average?"""
    X, y = toy_problem(N=400)
    Xt, yt, Xv, yv = X[:300], y[:300], X[300:], y[300:]
    wrapped = AveragedModel(SoftmaxRegression(12, 3, dtype=np.float64), start=15)
    history = train_sgd(wrapped, Xt, yt, lr=1.0, batch_size=20, n_epochs=6, shuffle=True,
                        seed=0, valid=(Xv, yv), keep_best=True)
    assert history.n_steps == 6 * 15
    assert wrapped.error_rate(Xv, yv) == pytest.approx(history.best_valid_error)
    assert wrapped.n_steps == history.best_step
    assert wrapped.n_averaged == max(0, history.best_step - 15)


def test_state_round_trip_restores_iterate_average_and_counters():
    """Does set_state(get_state()) undo later steps, counters included?"""
    X, y = toy_problem()
    wrapped = AveragedModel(SoftmaxRegression(12, 3, dtype=np.float64), start=1)
    wrapped.sgd_step(X[:20], y[:20], 0.5)
    wrapped.sgd_step(X[20:40], y[20:40], 0.5)
    state = wrapped.get_state()
    W_avg, W_it = wrapped.average.W.copy(), wrapped.model.W.copy()
    wrapped.sgd_step(X[40:60], y[40:60], 0.5)
    wrapped.set_state(state)
    np.testing.assert_array_equal(wrapped.average.W, W_avg)
    np.testing.assert_array_equal(wrapped.model.W, W_it)
    assert (wrapped.n_steps, wrapped.n_averaged) == (2, 1)


def test_mlp_average_is_the_mean_of_its_iterates():
    """Does averaging work for the MLP's list of layers, in float32?"""
    X, y = toy_problem()
    X = X.astype(np.float32)
    reference = MLP((12, 8, 3), activation="relu", seed=0)
    wrapped = AveragedModel(MLP((12, 8, 3), activation="relu", seed=0))
    iterates = sgd_iterates(reference, X, y, 0.1, 30, 6)
    for step in range(6):
        lo = (step * 30) % X.shape[0]
        wrapped.sgd_step(X[lo:lo + 30], y[lo:lo + 30], 0.1)
    for k, p in enumerate(wrapped.params):
        np.testing.assert_allclose(p, np.mean([s[k] for s in iterates], axis=0), rtol=1e-5, atol=1e-6)


def test_averaging_beats_the_last_iterate_at_a_large_constant_rate():
    """With a constant, too-large rate, is the average's training loss below the last iterate's?"""
    X, y = toy_problem(N=600, seed=2)
    wrapped = AveragedModel(SoftmaxRegression(12, 3, dtype=np.float64), start=30)
    train_sgd(wrapped, X, y, lr=3.0, batch_size=10, n_epochs=10, shuffle=True, seed=0)
    assert wrapped.average.loss(X, y) < wrapped.model.loss(X, y)


def test_saved_average_loads_as_a_plain_model(tmp_path):
    """Does save() write the averaged parameters as an ordinary SoftmaxRegression file?"""
    X, y = toy_problem()
    wrapped = AveragedModel(SoftmaxRegression(12, 3, dtype=np.float64))
    for step in range(5):
        wrapped.sgd_step(X[step * 20:(step + 1) * 20], y[step * 20:(step + 1) * 20], 1.0)
    wrapped.save(tmp_path / "avg.npz")
    loaded = Classifier.load(tmp_path / "avg.npz")
    assert isinstance(loaded, SoftmaxRegression)
    np.testing.assert_array_equal(loaded.W, wrapped.average.W)


@pytest.mark.parametrize("start", [-1, 2.5])
def test_invalid_start_is_refused(start):
    """Is a negative or fractional start refused with a message?"""
    with pytest.raises(ValueError, match="start must be"):
        AveragedModel(SoftmaxRegression(12, 3), start=start)


def test_non_model_is_refused():
    """Is wrapping something that is not an mnistlib classifier refused with a message?"""
    with pytest.raises(TypeError, match="wraps an mnistlib classifier"):
        AveragedModel(object())
