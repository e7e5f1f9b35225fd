"""SoftmaxRegression: sanity checks with known answers, SGD, L2, L1 sparsity, saving."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mnistlib import Classifier, SoftmaxRegression, softmax_loss_and_grad, train_sgd
from mnistlib.gradcheck import check_gradient

from _blobs import gaussian_blobs


def toy_problem(N=300, D=20, C=3, seed=0):
    """Linearly separable-ish Gaussian blobs."""
    return gaussian_blobs(N, D, C, seed=seed, spread=3.0, dtype=np.float32)


def test_zero_initialisation_predicts_uniform_probabilities():
    """Does the default (zero) initialisation give probability 1/10 to every class and loss log 10?"""
    model = SoftmaxRegression()
    X = np.random.default_rng(0).random((7, 784), dtype=np.float32)
    assert not model.W.any()  # the teaching API creates the parameters on first use
    np.testing.assert_allclose(model.predict_proba(X), 0.1, rtol=1e-6)
    assert model.loss(X, np.arange(7)) == pytest.approx(np.log(10), rel=1e-6)
    assert model.sparsity() == 1.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sgd_step_equals_a_plain_gradient_step(dtype):
    """Is the fused sgd_step the same update as W -= lr * dE/dW from softmax_loss_and_grad?"""
    X, y = toy_problem(D=784, C=10)
    X = X.astype(dtype) / 10
    model = SoftmaxRegression(dtype=dtype, init="normal", seed=3, l2=0.01)
    W0, b0 = model.W.copy(), model.b.copy()
    loss0, dW, db = softmax_loss_and_grad(W0, b0, X, y, l2=0.01)
    cost = model.sgd_step(X, y, 0.5)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(model.W, W0 - 0.5 * dW, atol=tol)
    np.testing.assert_allclose(model.b, b0 - 0.5 * db, atol=tol)
    assert cost == pytest.approx(loss0 - 0.5 * 0.01 * np.sum(W0.astype(float) ** 2), rel=1e-5)


@settings(max_examples=40, deadline=None)
@given(N=st.integers(1, 200), l2=st.sampled_from([0.0, 0.01]), row_major_W=st.booleans(),
       seed=st.integers(0, 1000))
def test_sgd_step_is_the_gradient_step_for_any_batch_size(N, l2, row_major_W, seed):
    """Across the 64-row blocks of sgd_step (N below, at and above them, with a remainder),
    and with a W the user replaced by a row-major array, is it still W -= lr * dE/dW?"""
    X, y = toy_problem(N=N, D=30, C=4, seed=seed)
    X = X.astype(np.float64) / 10
    model = SoftmaxRegression(30, 4, l2=l2, dtype=np.float64, init="normal", seed=seed)
    if row_major_W:
        model.W = np.ascontiguousarray(model.W)
    W0, b0 = model.W.copy(), model.b.copy()
    loss0, dW, db = softmax_loss_and_grad(W0, b0, X, y, l2=l2)
    cost = model.sgd_step(X, y, 0.3)
    np.testing.assert_allclose(model.W, W0 - 0.3 * dW, atol=1e-12)
    np.testing.assert_allclose(model.b, b0 - 0.3 * db, atol=1e-12)
    assert cost == pytest.approx(loss0 - 0.5 * l2 * np.sum(W0 ** 2), rel=1e-10)


def test_loss_and_grad_matches_numerical_gradient_with_l2():
    """Does the model's gradient (with L2) match central differences in float64?"""
    X, y = toy_problem(N=20, D=6, C=4)
    model = SoftmaxRegression(6, 4, l2=0.3, dtype=np.float64, init="normal", seed=1)
    _, (dW, db) = model.loss_and_grad(X.astype(np.float64), y)
    f = lambda: model.loss_and_grad(X.astype(np.float64), y)[0]  # noqa: E731
    assert check_gradient(f, model.W, dW) < 1e-6
    assert check_gradient(f, model.b, db) < 1e-6


def test_training_learns_a_separable_problem():
    """Does minibatch SGD drive the training error of separable blobs to (nearly) zero?"""
    X, y = toy_problem()
    model = SoftmaxRegression(20, 3)
    history = train_sgd(model, X, y, lr=0.1, batch_size=32, n_epochs=20, shuffle=True, seed=0)
    assert model.error_rate(X, y) < 0.02
    assert history.n_steps == 20 * 10


def test_l1_sets_weights_exactly_to_zero_and_more_penalty_means_sparser():
    """Does the proximal L1 step produce exact zeros, more of them for a larger penalty?"""
    X, y = toy_problem(D=50)
    sparsities = []
    for l1 in (0.0, 0.01, 0.1):
        model = SoftmaxRegression(50, 3, l1=l1)
        train_sgd(model, X, y, lr=0.1, batch_size=30, n_epochs=10, shuffle=True, seed=0)
        sparsities.append(model.sparsity())
    assert sparsities[0] < 0.05
    assert 0 < sparsities[1] < sparsities[2] <= 1
    assert np.count_nonzero(model.W == 0) == round(sparsities[2] * model.W.size)


def test_soft_thresholding_shrinks_by_exactly_t():
    """Does the proximal step map w to sign(w) max(|w| - t, 0)?"""
    model = SoftmaxRegression(2, 2, dtype=np.float64)
    model.W[...] = [[0.5, -0.5], [0.05, -2.0]]
    model._soft_threshold(0.1)
    np.testing.assert_allclose(model.W, [[0.4, -0.4], [0.0, -1.9]])
    assert model.W[1, 0] == 0.0


def test_l2_shrinks_the_weights():
    """Does an L2 penalty give a smaller weight norm than no penalty on the same data?"""
    X, y = toy_problem()
    norms = []
    for l2 in (0.0, 1.0):
        model = SoftmaxRegression(20, 3, l2=l2)
        train_sgd(model, X, y, lr=0.1, batch_size=32, n_epochs=10)
        norms.append(np.linalg.norm(model.W))
    assert norms[1] < 0.5 * norms[0]


def test_save_and_load_round_trip(tmp_path):
    """Does a saved model load back with the same weights, settings and predictions?"""
    X, y = toy_problem()
    model = SoftmaxRegression(20, 3, l1=0.001, dtype=np.float64)
    train_sgd(model, X, y, lr=0.1, batch_size=32, n_epochs=2)
    model.save(tmp_path / "model.npz")
    loaded = Classifier.load(tmp_path / "model.npz")
    assert isinstance(loaded, SoftmaxRegression)
    assert loaded.l1 == 0.001 and np.dtype(loaded.dtype) == np.float64
    np.testing.assert_array_equal(loaded.W, model.W)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


@pytest.mark.parametrize("kwargs", [{"l1": -1}, {"l2": -0.1}, {"init": "ones"}])
def test_bad_settings_are_refused(kwargs):
    """Are negative penalties and unknown initialisations refused with a ValueError at first
    use (the constructor only stores its arguments, as scikit-learn requires), by the teaching
    API and by fit alike?"""
    model = SoftmaxRegression(**kwargs)
    with pytest.raises(ValueError, match="penalties|init"):
        model.W
    with pytest.raises(ValueError, match="penalties|init"):
        SoftmaxRegression(**kwargs).fit(np.eye(4), [0, 1, 0, 1])


def test_a_failed_run_leaves_no_thread_or_progress_bar_behind():
    """When training diverges and the error (with its frames) is still held, as a notebook
    holds the last traceback, are the background batch thread and the progress bar gone?"""
    import threading

    from tqdm import tqdm

    X, y = toy_problem(N=3000, D=20, C=3)
    with pytest.raises(FloatingPointError) as caught:
        train_sgd(SoftmaxRegression(20, 3), X * 1e6, y, lr=1e30, batch_size=10, n_epochs=2,
                  shuffle=True, seed=0, progress=True)
    assert caught.tb is not None
    assert not [t for t in threading.enumerate() if t.name.startswith("mnistlib-batches")]
    assert not [bar for bar in list(tqdm._instances) if "training" in (bar.desc or "")]
