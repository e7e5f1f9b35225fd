"""Correct variant: computes in float32, count_nonzero / N."""

CELL = 'accuracy'  # the answer cell this file replaces
MUST_LOSE = ()  # test cells that must lose points (none: full marks)

import numpy as np


def accuracy(W, b, X, y):
    Z = np.asarray(X, np.float32) @ np.asarray(W, np.float32) + np.asarray(b, np.float32)
    return np.count_nonzero(Z.argmax(axis=1) == y) / len(y)
