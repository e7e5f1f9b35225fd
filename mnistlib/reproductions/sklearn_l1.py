"""The scikit-learn example "MNIST classification using multinomial logistic + L1".

Its recipe: all 70,000 images as one table (the 60,000 training images, then the 10,000
test images) with raw 0..255 pixels, shuffled with ``check_random_state(0)``; 5,000
training and 10,000 test images split off with ``train_test_split``; every pixel
standardised with the training rows' mean and deviation; ``LogisticRegression`` with
``C = 50 / 5000``, an L1 penalty, the SAGA solver and ``tol=0.1``. The example leaves the
split and SAGA's order unseeded; here both are seeded so that a build is reproducible.

Shown in chapter 6, :doc:`/book/06_sparsity`, and chapter 8, :doc:`/book/08_classics`;
the benchmarks' section 5 fits on the same rows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ..data import MNISTSplits
from ..plots import plot_weight_templates

__all__ = ["ExampleSplit", "SklearnL1Run", "example_split", "reproduce",
           "N_TRAIN", "N_TEST", "C_TIMES_N", "TOL"]

#: The example's training and test sizes (``train_samples``, ``test_size``).
N_TRAIN, N_TEST = 5000, 10000
#: Its penalty: ``C = C_TIMES_N / train_samples``.
C_TIMES_N = 50.0
#: Its loose stopping tolerance.
TOL = 0.1


@dataclass(frozen=True)
class ExampleSplit:
    """The example's standardised training and test rows.

    Attributes
    ----------
    X_train : ndarray of shape (N_train, D), float64
        Standardised pixels (training mean 0, deviation 1; constant pixels 0).
    y_train : ndarray of shape (N_train,)
    X_test : ndarray of shape (N_test, D), float64
        Standardised with the training rows' mean and deviation.
    y_test : ndarray of shape (N_test,)
    rows_train, rows_test : ndarray of int
        Their rows in the table of all images (training images first).
    n_pool : int
        Images in the table.
    C : float
        The example's ``C = 50 / N_train``.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    rows_train: np.ndarray
    rows_test: np.ndarray
    n_pool: int
    C: float


@dataclass(frozen=True)
class SklearnL1Run:
    """The example's fit and its two printed figures.

    Attributes
    ----------
    split : ExampleSplit
    clf : sklearn.linear_model.LogisticRegression
        Fitted; ``clf.coef_`` of shape (C, D).
    sparsity : float
        Fraction of coefficients exactly zero (the example prints it in percent).
    score : float
        Test accuracy.
    seconds : float
        Wall time of split, scaling and fit.
    """

    split: ExampleSplit
    clf: Any
    sparsity: float
    score: float
    seconds: float

    def figure(self) -> Figure:
        """The coefficients of the ten classes as 28x28 images."""
        return plot_weight_templates(self.clf.coef_.T,
                                     title="the scikit-learn example's L1 coefficients")


def example_split(standard: MNISTSplits, n_train: int = N_TRAIN,
                  n_test: int = N_TEST, seed: int = 0) -> ExampleSplit:
    """The example's rows: shuffle all images, split, standardise.

    Parameters
    ----------
    standard : MNISTSplits
        The standard split (``load_mnist(split="standard")``), full or mini.
    n_train : int
    n_test : int
        At most the images left after the training rows (the mini subset has
        6,000 in all, so it gets 1,000 test rows).
    seed : int
        Seed of the shuffle and of the split.

    Returns
    -------
    ExampleSplit
    """
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler
    from sklearn.utils import check_random_state

    if standard.split != "standard":
        raise ValueError("example_split needs the standard split: "
                         "load_mnist(split='standard', ...)")
    X_all = np.concatenate([standard.X_train, standard.X_test])
    y_all = np.concatenate([standard.y_train, standard.y_test])
    n_test = min(n_test, len(y_all) - n_train)
    if n_train < 1 or n_test < 1:
        raise ValueError(f"n_train={n_train} leaves no test rows out of "
                         f"{len(y_all)} images")
    permutation = check_random_state(seed).permutation(len(y_all))
    # Splitting the shuffled row numbers selects the rows that splitting the
    # shuffled table would.
    rows_train, rows_test = train_test_split(
        permutation, train_size=n_train, test_size=n_test, random_state=seed)
    # The example's raw 0..255 pixels (exact: the loader's x / 255 times 255).
    raw_train = np.rint(X_all[rows_train].astype(np.float64) * 255)
    raw_test = np.rint(X_all[rows_test].astype(np.float64) * 255)
    scaler = StandardScaler()
    return ExampleSplit(
        X_train=scaler.fit_transform(raw_train), y_train=y_all[rows_train],
        X_test=scaler.transform(raw_test), y_test=y_all[rows_test],
        rows_train=rows_train, rows_test=rows_test, n_pool=len(y_all),
        C=C_TIMES_N / n_train)


def reproduce(standard: MNISTSplits, n_train: int = N_TRAIN,
              n_test: int = N_TEST, seed: int = 0) -> SklearnL1Run:
    """Run the example: its split, its scaling, its L1 fit with SAGA.

    Parameters
    ----------
    standard : MNISTSplits
        The standard split, full or mini.
    n_train, n_test, seed
        As in `example_split`; ``seed`` also seeds SAGA's order.

    Returns
    -------
    SklearnL1Run
    """
    from sklearn.linear_model import LogisticRegression

    start = time.perf_counter()
    split = example_split(standard, n_train, n_test, seed)
    # scikit-learn 1.8 spells penalty="l1" as l1_ratio=1: the same model.
    clf = LogisticRegression(C=split.C, l1_ratio=1.0, solver="saga", tol=TOL,
                             random_state=seed)
    clf.fit(split.X_train, split.y_train)
    return SklearnL1Run(
        split=split, clf=clf, sparsity=float(np.mean(clf.coef_ == 0)),
        score=float(clf.score(split.X_test, split.y_test)),
        seconds=time.perf_counter() - start)
