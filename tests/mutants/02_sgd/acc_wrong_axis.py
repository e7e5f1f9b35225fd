"""Mutant: argmax over samples (axis 0) instead of classes."""

CELL = 'accuracy'  # the answer cell this file replaces
MUST_LOSE = ('test_accuracy', 'test_accuracy_hidden')  # test cells that must lose points

import numpy as np


def accuracy(W, b, X, y):
    return float(np.mean(np.argmax(X @ W + b, axis=0) == y))
