"""SoftmaxRegression and MLP as scikit-learn estimators, on the same parameters as the book's
teaching API."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, PredefinedSplit, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from mnistlib import MLP, SoftmaxRegression, train_sgd
from tests._blobs import gaussian_blobs

# Checks of scikit-learn that cannot apply to these models, with the reason. Empty: every
# check applies and passes (a check skipped by scikit-learn itself, e.g. for pandas input when
# pandas is not installed, says so in the test report).
EXPECTED_FAILED_CHECKS: dict = {}


@parametrize_with_checks([SoftmaxRegression(), MLP(), MLP(layer_sizes=(784, 16, 10),
                                                         activation="relu")],
                         expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS)
def test_scikit_learn_estimator_checks(estimator, check):
    """Does each model pass scikit-learn's own estimator checks (check_estimator)?"""
    check(estimator)


def _blobs(N=300, D=20, C=3, seed=0):
    return gaussian_blobs(N, D, C, seed=seed, spread=3.0, dtype=np.float32)


@pytest.mark.parametrize("make", [SoftmaxRegression, MLP])
def test_string_and_non_contiguous_labels_go_through_classes_(make):
    """Do string labels and non-contiguous integers come back from predict as the same labels,
    with classes_ sorted, as in scikit-learn?"""
    X, y = _blobs()
    for labels in (np.array(["cat", "dog", "emu"]), np.array([-3, 7, 40])):
        model = make(n_epochs=20).fit(X, labels[y])
        np.testing.assert_array_equal(model.classes_, np.sort(labels))
        assert set(model.predict(X)) <= set(labels)
        assert model.score(X, labels[y]) > 0.9
        assert model.predict_proba(X).shape == (len(X), 3)


def test_an_index_predicting_model_fails_the_label_test():
    """Mutant: a predict that returns class indices instead of classes_ must fail the test."""

    class IndexPredictor(SoftmaxRegression):
        def predict(self, X):
            return np.argmax(self.logits(np.asarray(X, np.float32)), axis=1)

    with pytest.raises(AssertionError):
        test_string_and_non_contiguous_labels_go_through_classes_(IndexPredictor)


def test_coef_and_intercept_are_views_of_the_teaching_attributes():
    """Are coef_ (C, D) and intercept_ (C,) the same memory as W (D, C) and b?"""
    X, y = _blobs()
    model = SoftmaxRegression().fit(X, y)
    assert model.coef_.shape == (3, 20) and model.W.shape == (20, 3)
    assert np.shares_memory(model.coef_, model.W) and model.intercept_ is model.b
    model.coef_[0, 0] = 123.0
    assert model.W[0, 0] == 123.0
    assert model.n_features_in_ == 20 and model.n_iter_ == 3


def test_fit_is_train_sgd_with_the_default_recipe():
    """Does fit give exactly the parameters of train_sgd with lr 0.5, batch 100, 3 shuffled
    epochs from zeros, the book's minibatch recipe?"""
    X, y = _blobs(N=1000)
    fitted = SoftmaxRegression().fit(X, y)
    taught = SoftmaxRegression(20, 3)
    train_sgd(taught, X, y, lr=0.5, batch_size=100, n_epochs=3, shuffle=True,
              seed=np.random.default_rng(0))
    np.testing.assert_array_equal(fitted.W, taught.W)
    np.testing.assert_array_equal(fitted.b, taught.b)


def test_clone_pipeline_grid_search_and_cross_validation():
    """Do clone, a Pipeline, GridSearchCV on a predefined validation split and cross_val_score
    work, and does the grid search pick by validation accuracy?"""
    X, y = _blobs(N=400)
    X_hard, y_hard = gaussian_blobs(400, 20, 3, seed=1, spread=0.3)  # overlapping classes
    model = SoftmaxRegression(l2=0.01)
    copy = clone(model)
    assert copy.get_params() == model.get_params() and not hasattr(copy, "classes_")
    pipe = make_pipeline(StandardScaler(), SoftmaxRegression())
    assert pipe.fit(X[:300], y[:300]).score(X[300:], y[300:]) > 0.9
    fold = np.r_[np.full(300, -1), np.zeros(100)]  # -1: always training; 0: the validation set
    grid = [1e-3, 0.05, 0.5]
    search = GridSearchCV(pipe, {"softmaxregression__lr": grid}, cv=PredefinedSplit(fold),
                          refit=False).fit(X_hard, y_hard)
    by_hand = [clone(pipe).set_params(softmaxregression__lr=lr).fit(X_hard[:300], y_hard[:300])
               .score(X_hard[300:], y_hard[300:]) for lr in grid]
    np.testing.assert_allclose(search.cv_results_["mean_test_score"], by_hand)
    assert search.best_params_ == {"softmaxregression__lr": grid[int(np.argmax(by_hand))]}
    assert cross_val_score(SoftmaxRegression(), X, y, cv=3).mean() > 0.9


def test_partial_fit_makes_one_pass_from_the_current_parameters():
    """Is partial_fit one SGD epoch (first call needs classes), continuing where it stopped?"""
    X, y = _blobs(N=500)
    with pytest.raises(ValueError, match="classes"):
        SoftmaxRegression().partial_fit(X, y)
    model = SoftmaxRegression(shuffle=False)
    model.partial_fit(X, y, classes=[0, 1, 2])
    once = model.W.copy()
    model.partial_fit(X, y)
    assert model.n_iter_ == 2 and not np.array_equal(once, model.W)
    ref = SoftmaxRegression(20, 3)
    train_sgd(ref, X, y, lr=0.5, batch_size=100, n_epochs=2)
    np.testing.assert_allclose(model.W, ref.W, rtol=1e-6)
    with pytest.raises(ValueError, match="outside classes_"):
        model.partial_fit(X, y + 5)


def test_predict_before_fit_names_the_ways_to_fit():
    """Does predict on a model that was neither fitted nor trained say what to call?"""
    with pytest.raises(NotFittedError, match="train_sgd"):
        SoftmaxRegression().predict(np.zeros((2, 784)))


def test_teaching_api_after_fit_is_the_same_model():
    """After fit, do loss_and_grad, sgd_step and train_sgd work on the fitted parameters?"""
    X, y = _blobs()
    model = MLP(layer_sizes=(1, 8, 1), activation="relu").fit(X, y)
    assert [W.shape for W in model.weights] == [(20, 8), (8, 3)]
    loss, grads = model.loss_and_grad(X, y)
    assert np.isfinite(loss) and grads[0].shape == (20, 8)
    train_sgd(model, X, y, lr=0.1, batch_size=50, n_epochs=1)
    assert model.score(X, y) > 0.8
