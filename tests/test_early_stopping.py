"""Early stopping: the tutorial's patience rule, scripted cases and the tutorial's own run."""

import numpy as np
import pytest

from mnistlib import EarlyStopping, SoftmaxRegression, load_mnist, train_sgd


def run_scripted(errors, n_train_batches, patience, **kwargs):
    """Drive the rule with a scripted sequence of validation errors, as the tutorial's loop would.

    Returns (iteration at which it stopped or None, best iteration, number of validations used).
    """
    rule = EarlyStopping(patience, **kwargs)
    frequency = rule.validation_frequency(n_train_batches)
    errors = iter(errors)
    used = 0
    for iteration in range(10**6):
        if (iteration + 1) % frequency == 0:
            try:
                rule.update(iteration, next(errors))
            except StopIteration:
                return None, rule.best_iteration, used
            used += 1
        if rule.should_stop(iteration):
            return iteration, rule.best_iteration, used
    raise AssertionError("never stopped")


def test_validation_frequency_is_min_of_batches_and_half_the_patience():
    """Is validation_frequency = min(n_train_batches, patience // 2)?"""
    assert EarlyStopping(500).validation_frequency(83) == 83
    assert EarlyStopping(5000).validation_frequency(833) == 833
    assert EarlyStopping(100).validation_frequency(83) == 50


def test_no_improvement_stops_at_the_initial_patience():
    """With a flat validation error, does training stop exactly when iter reaches the patience?"""
    stop, best, _ = run_scripted([0.5] * 100, n_train_batches=10, patience=40)
    assert stop == 40
    assert best == 9  # the first validation is the best (and only) improvement


def test_a_significant_improvement_extends_patience():
    """Does an improvement at iter i (beyond the threshold) push the stop to i * patience_increase?"""
    # validations at iterations 9, 19, 29, ...; improvement at iteration 29 -> patience 58
    stop, best, _ = run_scripted([0.5, 0.5, 0.4] + [0.45] * 100, n_train_batches=10, patience=40)
    assert best == 29
    assert stop == 58


def test_an_insignificant_improvement_is_kept_but_does_not_extend_patience():
    """Is a tiny improvement (< 0.5 %) recorded as the best model without extending patience?"""
    stop, best, _ = run_scripted([0.5, 0.5, 0.4999] + [0.6] * 100, n_train_batches=10, patience=40)
    assert best == 29
    assert stop == 40


def test_bad_settings_are_refused():
    """Are a zero patience and a threshold above 1 refused?"""
    with pytest.raises(ValueError):
        EarlyStopping(0)
    with pytest.raises(ValueError):
        EarlyStopping(10, improvement_threshold=1.5)


def test_early_stopping_needs_a_validation_set():
    """Does train_sgd refuse early stopping without a validation set, saying what to pass?"""
    with pytest.raises(ValueError, match="valid="):
        train_sgd(SoftmaxRegression(4, 2), np.zeros((4, 4)), np.zeros(4, int),
                  early_stopping=EarlyStopping(10))


def test_reproduces_the_deeplearning_net_tutorial_log():
    """Does the tutorial's 1/10-subset run reproduce its log exactly (16.458333 %, 12.291667 %, 8.75 %, 24 epochs)?"""
    data = load_mnist(split="classic", subset="mini")  # its rows are the tutorial's rows
    model = SoftmaxRegression(dtype=np.float64)
    history = train_sgd(
        model, data.X_train[:5000], data.y_train[:5000], lr=0.13, batch_size=60, n_epochs=100,
        shuffle=False, drop_last=True, valid=(data.X_valid[:500], data.y_valid[:500]),
        test=(data.X_test[:500], data.y_test[:500]), early_stopping=EarlyStopping(500),
        eval_whole_batches=True)
    valid = [round(100 * r["valid_error"], 6) for r in history.records]
    assert valid[0] == 16.458333
    assert round(100 * history.best_valid_error, 6) == 12.291667
    assert round(100 * history.test_error_at_best, 6) == 8.75
    assert history.n_epochs == 24 and history.stopped_early
    # The full validation log, epochs 1-23 (the run stops inside epoch 24).
    assert valid == [16.458333, 14.375, 13.333333, 13.541667, 13.75, 13.125, 12.916667, 13.125,
                     13.125, 12.916667, 12.916667, 12.291667, 12.291667, 12.5, 12.5, 12.5, 12.5,
                     12.5, 12.708333, 12.708333, 12.708333, 12.708333, 13.125]
    # The best model is the one kept.
    assert model.error_rate(data.X_valid[:480], data.y_valid[:480]) == pytest.approx(0.12291667, abs=1e-7)
