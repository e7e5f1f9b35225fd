"""Mutant: the mean probability of the predicted class (confidence), not the fraction right."""

CELL = 'accuracy'  # the answer cell this file replaces
MUST_LOSE = ('test_accuracy', 'test_accuracy_hidden')  # test cells that must lose points

import numpy as np

import mnistlib


def accuracy(W, b, X, y):
    P = mnistlib.softmax(X @ W + b)
    return float(np.mean(P.max(axis=1)))
