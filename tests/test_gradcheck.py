"""The numerical gradient-check utility learners use: does it tell right from wrong?"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from mnistlib.gradcheck import check_gradient, numerical_gradient, relative_error

finite = st.floats(-1e3, 1e3, allow_nan=False, width=64)


# Plausible wrong relative errors, kept to show that the exact-value checks catch them.
def _max_not_sum_denominator(a, b, kind="norm", eps=1e-12):
    if kind == "norm":
        scale = max(np.linalg.norm(a), np.linalg.norm(b), eps)
        return float(np.linalg.norm(a - b) / scale)
    return relative_error(a, b, kind, eps)


def _entry_kind_is_norm_wise(a, b, kind="norm", eps=1e-12):
    return relative_error(a, b, "norm", eps)


def _entry_kind_is_mean(a, b, kind="norm", eps=1e-12):
    if kind == "norm":
        return relative_error(a, b, kind, eps)
    return float(np.mean(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), eps)))


def _entry_kind_from_largest_entries(a, b, kind="norm", eps=1e-12):
    if kind == "norm":
        return relative_error(a, b, kind, eps)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(a)) + np.max(np.abs(b)), eps))


WRONG = [_max_not_sum_denominator, _entry_kind_is_norm_wise, _entry_kind_is_mean,
         _entry_kind_from_largest_entries]


def _agrees_with_hand_computed_values(rel):
    """Values worked out by hand for both kinds."""
    a, b = np.array([3.0, 0.0]), np.array([0.0, 4.0])
    c, d = np.array([1.0, 100.0, 5.0]), np.array([1.1, 100.0, 5.0])
    expected = [
        (rel(a, b, "norm"), 5 / 7),            # ||(3, -4)|| / (3 + 4)
        (rel(a, b, "max_entry"), 1.0),         # each entry: |3| / 3, |4| / 4
        (rel(c, d, "norm"), 0.1 / (np.sqrt(10026) + np.sqrt(10026.21))),
        (rel(c, d, "max_entry"), 0.1 / 2.1),   # the first entry
    ]
    return all(np.isclose(got, want, rtol=1e-12, atol=0) for got, want in expected)


def test_relative_error_matches_hand_computed_values():
    """Are both kinds the formulas their docstring states, on values worked out by hand?"""
    assert _agrees_with_hand_computed_values(relative_error)


@pytest.mark.parametrize("wrong", WRONG, ids=lambda f: f.__name__)
def test_hand_computed_values_reject_wrong_formulas(wrong):
    """Would the hand-computed check catch a plausible wrong formula?"""
    assert not _agrees_with_hand_computed_values(wrong)


def test_relative_error_of_identical_arrays_is_zero():
    """Is the relative error 0 for equal arrays (including zeros) and 1 for opposite signs?"""
    for kind in ("norm", "max_entry"):
        assert relative_error(np.zeros(3), np.zeros(3), kind=kind) == 0
        assert relative_error(np.array([1.0]), np.array([-1.0]), kind=kind) == pytest.approx(1.0)


@settings(max_examples=50, deadline=None)
@given(st.tuples(finite, finite))
def test_both_kinds_agree_on_one_entry(pair):
    """For a single entry, are the norm-wise and the entry-wise error the same number?"""
    a, b = np.array([pair[0]]), np.array([pair[1]])
    assert relative_error(a, b, "norm") == pytest.approx(relative_error(a, b, "max_entry"))


@settings(max_examples=50, deadline=None)
@given(arrays(np.float64, st.integers(1, 12), elements=finite),
       arrays(np.float64, 12, elements=finite), st.sampled_from(["norm", "max_entry"]))
def test_relative_error_is_symmetric_and_bounded(a, b_long, kind):
    """Is the error the same both ways round and between 0 and 1, whatever the arrays?"""
    b = b_long[: a.size]
    err = relative_error(a, b, kind)
    assert 0 <= err <= 1 + 1e-12
    assert err == pytest.approx(relative_error(b, a, kind))


def test_unknown_kind_and_shape_mismatch_are_refused():
    """Are an unknown kind and arrays of different shapes refused, saying what is wrong?"""
    with pytest.raises(ValueError, match="kind must be one of"):
        relative_error(np.ones(2), np.ones(2), kind="max")
    with pytest.raises(ValueError, match="same shape"):
        relative_error(np.ones(2), np.ones(3))


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
    """Does a gradient off by a factor 2 give a large error, and the right one a tiny one?"""
    x = np.random.default_rng(1).normal(size=(5,))

    def f():
        return float(np.sum(np.exp(x)))

    for kind in ("norm", "max_entry"):
        assert check_gradient(f, x, np.exp(x), kind=kind) < 1e-8
        assert check_gradient(f, x, 2 * np.exp(x), kind=kind) > 0.3


def test_one_wrong_entry_shows_in_full_only_entry_by_entry():
    """Among 400 entries, does one wrong entry give a large max_entry error but a small norm one?"""
    x = np.random.default_rng(3).normal(size=(20, 20))

    def f():
        return float(np.sum(x**3))

    wrong = 3 * x**2
    wrong[4, 7] = -wrong[4, 7]  # a sign error in a single entry
    assert check_gradient(f, x, wrong, kind="max_entry") == pytest.approx(1.0, abs=1e-6)
    assert check_gradient(f, x, wrong, kind="norm") < 0.2


def test_check_gradient_on_a_random_subset_of_entries():
    """With n_checks, are only that many entries compared, and still correctly?"""
    x = np.random.default_rng(2).normal(size=(100, 10))
    calls = []

    def f():
        calls.append(1)
        return float(np.sum(x**3))

    assert check_gradient(f, x, 3 * x**2, n_checks=7) < 1e-7
    assert len(calls) == 14


@pytest.mark.parametrize("n_checks", [0, -3, 2.5, True])
def test_check_gradient_refuses_to_check_nothing(n_checks):
    """Is a number of checks that is not a whole number >= 1 refused, not answered with 0.0?"""
    x = np.ones(4)
    with pytest.raises(ValueError, match="n_checks"):
        check_gradient(lambda: float(np.sum(x)), x, np.ones(4), n_checks=n_checks)


def test_check_gradient_refuses_a_gradient_of_another_shape():
    """Is an analytic gradient of the wrong shape (say, transposed) refused with its shapes?"""
    x = np.ones((3, 2))
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        check_gradient(lambda: float(np.sum(x)), x, np.ones((2, 3)))
