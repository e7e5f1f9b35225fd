"""Mutant: the number right, not the fraction."""

CELL = 'accuracy'  # the answer cell this file replaces
MUST_LOSE = ('test_accuracy', 'test_accuracy_hidden')  # test cells that must lose points

import numpy as np


def accuracy(W, b, X, y):
    return float(np.sum(np.argmax(X @ W + b, axis=1) == y))
