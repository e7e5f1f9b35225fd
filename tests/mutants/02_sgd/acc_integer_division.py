"""Mutant: integer division of the count by N."""

CELL = 'accuracy'  # the answer cell this file replaces
MUST_LOSE = ('test_accuracy', 'test_accuracy_hidden')  # test cells that must lose points

import numpy as np


def accuracy(W, b, X, y):
    return int(np.sum(np.argmax(X @ W + b, axis=1) == y)) // len(y)
