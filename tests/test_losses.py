"""Softmax, log-softmax and the mean cross-entropy: invariants and known answers."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from mnistlib import cross_entropy, log_softmax, one_hot, softmax, softmax_loss_and_grad
from mnistlib.gradcheck import check_gradient

logits = arrays(np.float64, st.tuples(st.integers(1, 8), st.integers(2, 12)),
                elements=st.floats(-1e4, 1e4, allow_nan=False))


@given(logits)
def test_softmax_rows_are_probability_distributions(Z):
    """Does every row of softmax(Z) lie in [0, 1] and sum to 1, even for logits of 1e4?"""
    P = softmax(Z)
    assert np.all(np.isfinite(P))
    assert np.all(P >= 0) and np.all(P <= 1)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-12)


@given(logits, st.floats(-1e3, 1e3))
def test_softmax_is_invariant_to_a_constant_per_row(Z, c):
    """Is softmax(Z + c) equal to softmax(Z) for a constant added to each row?"""
    shift = c * np.arange(1, Z.shape[0] + 1)[:, None]
    np.testing.assert_allclose(softmax(Z + shift), softmax(Z), atol=1e-9)


@given(logits)
def test_log_softmax_is_finite_and_matches_log_of_softmax(Z):
    """Does log_softmax stay finite where log(softmax) would give -inf, and agree elsewhere?"""
    L = log_softmax(Z)
    assert np.all(np.isfinite(L)) and np.all(L <= 0)
    P = softmax(Z)
    ok = P > 1e-300
    np.testing.assert_allclose(L[ok], np.log(P[ok]), atol=1e-9)


def test_huge_logits_do_not_overflow():
    """Do logits of magnitude 1e4 give exact one-hot probabilities and no warnings?"""
    Z = np.array([[1e4, 0.0, -1e4], [-1e4, -1e4, -1e4]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        P = softmax(Z)
        L = log_softmax(Z)
    np.testing.assert_allclose(P[0], [1, 0, 0])
    np.testing.assert_allclose(P[1], [1 / 3] * 3)
    assert L[0, 0] == 0 and L[0, 2] == -2e4


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_loss_at_zero_weights_is_log_of_the_number_of_classes(dtype):
    """Is the mean cross-entropy at W = 0, b = 0 exactly log 10, whatever X is?"""
    rng = np.random.default_rng(0)
    X = rng.random((50, 784)).astype(dtype)
    y = rng.integers(0, 10, 50)
    loss, dW, db = softmax_loss_and_grad(np.zeros((784, 10), dtype), np.zeros(10, dtype), X, y)
    assert loss == pytest.approx(np.log(10), rel=1e-6)
    assert dW.dtype == dtype and dW.shape == (784, 10) and db.shape == (10,)


def test_cross_entropy_of_a_confident_correct_prediction_is_near_zero():
    """Is the loss ~0 when the true class has a far larger score, and ~1e4 when a wrong one has?"""
    Z = np.array([[1e4, 0.0]])
    assert cross_entropy(Z, np.array([0])) == pytest.approx(0.0, abs=1e-12)
    assert cross_entropy(Z, np.array([1])) == pytest.approx(1e4)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 6), st.integers(2, 5), st.integers(2, 4), st.floats(0, 1), st.integers(0, 10**6))
def test_analytic_gradient_matches_central_differences(N, D, C, l2, seed):
    """Does dE/dW = X^T (P - T)/N + l2 W (and dE/db) match the numerical gradient on random inputs?"""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, D))
    y = rng.integers(0, C, N)
    W = rng.normal(size=(D, C))
    b = rng.normal(size=C)
    _, dW, db = softmax_loss_and_grad(W, b, X, y, l2)
    f = lambda: softmax_loss_and_grad(W, b, X, y, l2)[0]  # noqa: E731
    assert check_gradient(f, W, dW) < 1e-6
    assert check_gradient(f, b, db) < 1e-6


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10**6))
def test_float32_and_float64_agree(seed):
    """Do float32 and float64 give the same loss and gradient to float32 precision?"""
    rng = np.random.default_rng(seed)
    X = rng.random((20, 30))
    y = rng.integers(0, 10, 20)
    W = rng.normal(scale=0.1, size=(30, 10))
    b = rng.normal(scale=0.1, size=10)
    l64, dW64, db64 = softmax_loss_and_grad(W, b, X, y)
    l32, dW32, db32 = softmax_loss_and_grad(*(a.astype(np.float32) for a in (W, b, X)), y)
    assert dW32.dtype == np.float32
    assert l32 == pytest.approx(l64, rel=1e-5)
    np.testing.assert_allclose(dW32, dW64, atol=1e-5)
    np.testing.assert_allclose(db32, db64, atol=1e-5)


def test_one_hot_places_a_single_one_per_row():
    """Does one_hot put exactly one 1 per row, in the label's column?"""
    T = one_hot(np.array([3, 0, 9]), 10)
    assert T.shape == (3, 10) and T.sum() == 3
    assert T[0, 3] == T[1, 0] == T[2, 9] == 1
