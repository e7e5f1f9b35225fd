"""Mutant: the error rate, 1 - accuracy."""

CELL = 'accuracy'  # the answer cell this file replaces
MUST_LOSE = ('test_accuracy', 'test_accuracy_hidden')  # test cells that must lose points

import numpy as np


def accuracy(W, b, X, y):
    return float(np.mean(np.argmax(X @ W + b, axis=1) != y))
