"""The numerical gradient-check utility learners use: does it tell right from wrong?"""

import numpy as np
import pytest

from mnistlib.gradcheck import check_gradient, numerical_gradient, relative_error


def test_numerical_gradient_of_a_quadratic_is_exact():
    """Is the central difference of sum(x^2) equal to 2x (it is exact for quadratics)?"""
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    g = numerical_gradient(lambda: float(np.sum(x**2)), x)
    np.testing.assert_allclose(g, 2 * x, rtol=1e-8)


def test_numerical_gradient_restores_the_input():
    """Is the array left exactly as it was after the in-place perturbations?"""
    x = np.random.default_rng(0).normal(size=(3, 4))
    before = x.copy()
    numerical_gradient(lambda: float(np.sum(np.sin(x))), x)
    assert np.array_equal(x, before)


def test_check_gradient_flags_a_wrong_gradient():
    """Does a gradient off by a factor 2 give a large relative error, and the right one a tiny error?"""
    x = np.random.default_rng(1).normal(size=(5,))
    f = lambda: float(np.sum(np.exp(x)))  # noqa: E731
    assert check_gradient(f, x, np.exp(x)) < 1e-8
    assert check_gradient(f, x, 2 * np.exp(x)) > 0.3


def test_check_gradient_on_a_random_subset_of_entries():
    """With n_checks, are only that many entries compared, and still correctly?"""
    x = np.random.default_rng(2).normal(size=(100, 10))
    calls = []

    def f():
        calls.append(1)
        return float(np.sum(x**3))

    assert check_gradient(f, x, 3 * x**2, n_checks=7) < 1e-7
    assert len(calls) == 14


def test_relative_error_of_identical_arrays_is_zero():
    """Is the relative error 0 for equal arrays (including zeros) and 1 for opposite signs?"""
    assert relative_error(np.zeros(3), np.zeros(3)) == 0
    assert relative_error(np.array([1.0]), np.array([-1.0])) == pytest.approx(1.0)
