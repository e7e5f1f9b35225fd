"""The source documents' recipes: do they reproduce what the documents print?"""

import dataclasses

import numpy as np
import pytest

from mnistlib import load_mnist
from mnistlib.reproductions import (SOURCES, agree_as_printed, compare_theano_tutorial,
                                    reproduce_sklearn_l1,
                                    reproduce_tensorflow_softmax, reproduce_theano_tutorial)
from mnistlib.reproductions import sklearn_l1

# The tutorial's printed predictions for its first 25 test images, copied from the
# document a second time, so that an edit of `published` cannot move both sides at once.
DOCUMENT_PREDICTIONS = (
    "(7, 0.988) (2, 0.733) (1, 0.951) (0, 0.995) (4, 0.936) (1, 0.979) (4, 0.957) "
    "(9, 0.912) (6, 0.912) (9, 0.844) (0, 0.904) (6, 0.668) (9, 0.917) (0, 0.983) "
    "(1, 0.991) (5, 0.832) (9, 0.790) (7, 0.986) (3, 0.659) (4, 0.979) (9, 0.775) "
    "(6, 0.952) (6, 0.801) (5, 0.955) (4, 0.862)"
)
DOCUMENT_VALIDATION_ERRORS = [
    16.458333, 14.375, 13.333333, 13.541667, 13.75, 13.125, 12.916667, 13.125, 13.125,
    12.916667, 12.916667, 12.291667, 12.291667, 12.5, 12.5, 12.5, 12.5, 12.5, 12.708333,
    12.708333, 12.708333, 12.708333, 13.125]
DOCUMENT_TEST_ERRORS_AT_BEST = {1: 15.833333, 2: 12.916667, 3: 11.666667, 6: 10.833333,
                                7: 10.208333, 12: 8.75}


@pytest.fixture(scope="module")
def tutorial_run():
    return reproduce_theano_tutorial()


@pytest.fixture(scope="module")
def run_at_255():
    """A plausible wrong recipe: pixels / 255 instead of the tutorial's / 256."""
    return reproduce_theano_tutorial(pixel_scale="mnistlib")


def _pairs(text):
    return [f"({p}" for p in text.strip("(").split(" (")]


def test_published_copy_is_the_document():
    """Does `published` hold the document's 25 predictions and its validation log?"""
    published = SOURCES["theano_tutorial"]
    assert list(published["predictions"]) == _pairs(DOCUMENT_PREDICTIONS)
    valid = [float(line.split("validation error ")[1].rstrip(" %"))
             for line in published["log"] if line.startswith("epoch")]
    assert valid == DOCUMENT_VALIDATION_ERRORS


def test_all_25_predictions_match_the_document(tutorial_run):
    """Does the tutorial's recipe print the document's 25 (class, probability) pairs?"""
    assert list(tutorial_run.predictions) == _pairs(DOCUMENT_PREDICTIONS)
    # The printed probability is the rounded maximum of each row of probabilities.
    printed = [float(p.split(", ")[1].rstrip(")")) for p in _pairs(DOCUMENT_PREDICTIONS)]
    np.testing.assert_allclose(tutorial_run.proba.max(axis=1), printed, atol=5e-4)


def test_the_whole_log_matches_the_document(tutorial_run):
    """Is every line of the log, validation and test errors included, the document's?"""
    assert tutorial_run.log == SOURCES["theano_tutorial"]["log"]
    history = tutorial_run.history
    assert [round(100 * r["valid_error"], 6) for r in history.records] \
        == DOCUMENT_VALIDATION_ERRORS
    at_best = {r["epoch"]: round(100 * r["test_error"], 6)
               for r in history.records if r["is_best"]}
    assert at_best == DOCUMENT_TEST_ERRORS_AT_BEST
    assert history.n_epochs == 24 and history.stopped_early
    verdict = compare_theano_tutorial(tutorial_run)
    assert verdict.reproduced and verdict.first_log_difference is None


def test_pixels_over_255_keep_the_log_but_not_the_predictions(run_at_255):
    """With pixels / 255, is the log still the document's but some predictions not?"""
    verdict = compare_theano_tutorial(run_at_255)
    assert verdict.log_matches == verdict.n_log == 31
    assert verdict.prediction_matches < 25
    assert not verdict.reproduced


def test_a_wrong_patience_changes_the_log():
    """Would a recipe with another patience be caught by the log comparison?"""
    verdict = compare_theano_tutorial(reproduce_theano_tutorial(patience=400))
    assert not verdict.reproduced
    assert verdict.first_log_difference is not None


def test_compare_reports_one_changed_line_and_a_longer_log(tutorial_run):
    """Does one differing line, or one extra line, make the verdict 'not reproduced'?"""
    published = dict(SOURCES["theano_tutorial"])
    log = list(published["log"])
    log[7] = log[7].replace("13.750000", "13.750001")
    verdict = compare_theano_tutorial(tutorial_run, {**published, "log": log})
    assert not verdict.reproduced and verdict.log_matches == len(log) - 1
    assert verdict.first_log_difference == (tutorial_run.log[7], log[7])
    longer = dataclasses.replace(tutorial_run, log=tutorial_run.log + ("extra",))
    verdict = compare_theano_tutorial(longer)
    assert not verdict.reproduced and verdict.first_log_difference[0] == "extra"


def test_unknown_pixel_scale_is_refused():
    """Is a pixel scale other than 'tutorial' or 'mnistlib' refused, naming the choices?"""
    with pytest.raises(ValueError, match="mnistlib"):
        reproduce_theano_tutorial(pixel_scale="255")


@pytest.fixture(scope="module")
def standard_mini():
    return load_mnist(split="standard", subset="mini")


def test_sklearn_example_rows_are_the_shuffled_table_split(standard_mini):
    """Are the example's rows those of splitting the shuffled table itself, standardised?"""
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler
    from sklearn.utils import check_random_state

    split = sklearn_l1.example_split(standard_mini, n_train=500, n_test=300)
    X = np.rint(np.concatenate([standard_mini.X_train, standard_mini.X_test])
                .astype(np.float64) * 255)
    y = np.concatenate([standard_mini.y_train, standard_mini.y_test])
    permutation = check_random_state(0).permutation(len(y))
    X_tr, X_te, y_tr, y_te = train_test_split(X[permutation], y[permutation],
                                              train_size=500, test_size=300, random_state=0)
    scaler = StandardScaler().fit(X_tr)
    np.testing.assert_allclose(split.X_train, scaler.transform(X_tr))
    np.testing.assert_allclose(split.X_test, scaler.transform(X_te))
    assert np.array_equal(split.y_train, y_tr) and np.array_equal(split.y_test, y_te)
    assert not set(split.rows_train) & set(split.rows_test)
    assert split.C == 50.0 / 500


def test_sklearn_example_on_the_mini_subset(standard_mini):
    """Does the example's fit give sparse weights and its score above 0.8, with 1,000 test rows?"""
    run = reproduce_sklearn_l1(standard_mini)
    assert run.split.X_train.shape == (5000, 784) and run.split.X_test.shape == (1000, 784)
    assert run.sparsity == pytest.approx(np.mean(run.clf.coef_ == 0))
    assert run.sparsity > 0.5
    assert run.score > SOURCES["sklearn_l1"]["reported"]["score_above"]


def test_sklearn_example_needs_the_standard_split():
    """Is the classic split refused, saying which split to load?"""
    with pytest.raises(ValueError, match="standard"):
        sklearn_l1.example_split(load_mnist(subset="mini"))


def test_benchmark_fits_on_the_example_rows(standard_mini):
    """Does the benchmark's L1 section take its rows from the recipe, not rows of its own?"""
    from benchmarks import l1_sparsity
    from benchmarks._common import Settings

    settings = Settings()
    data = type("Data", (), {"standard": standard_mini})()
    X, Xt, y, yt, C = l1_sparsity.example_rows(data, settings)
    split = sklearn_l1.example_split(standard_mini, n_train=settings.l1_train_samples)
    np.testing.assert_allclose(X, split.X_train, rtol=1e-6, atol=1e-5)
    np.testing.assert_allclose(Xt, split.X_test, rtol=1e-6, atol=1e-5)
    assert np.array_equal(y, split.y_train) and np.array_equal(yt, split.y_test)
    assert C == split.C


def test_tensorflow_setting_runs_1000_steps_and_evaluations_do_not_train():
    """Are 1000 steps of 64 taken, and is the model the same however often it is tested?"""
    data = load_mnist(subset="mini")
    often = reproduce_tensorflow_softmax(data, eval_every=10)
    rarely = reproduce_tensorflow_softmax(data, eval_every=1000)
    assert often.history.n_steps == 1000 and len(often.history.records) == 100
    assert np.array_equal(often.model.W, rarely.model.W)
    assert often.test_accuracy == rarely.test_accuracy
    assert often.n_epochs_of_data == pytest.approx(1000 * 64 / 5000)


def test_agree_as_printed_compares_at_the_documents_precision():
    """Do figures agree exactly when they print the same, and only then?"""
    assert agree_as_printed(0.16458333, 0.16458333333333333, ".6%")
    assert not agree_as_printed(0.16458333, 0.1645842, ".6%")
    assert agree_as_printed(0.9352, 0.93524, ".4f")
    assert agree_as_printed(0.9352, 0.93516, ".3f")  # both print 0.935
    assert not agree_as_printed(0.9352, 0.9349, ".4f")
