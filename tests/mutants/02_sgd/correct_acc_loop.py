"""Correct variant: a python loop over samples and classes."""

CELL = 'accuracy'  # the answer cell this file replaces
MUST_LOSE = ()  # test cells that must lose points (none: full marks)

import numpy as np


def accuracy(W, b, X, y):
    right = 0
    for n in range(len(y)):
        scores = [float(X[n] @ W[:, c] + b[c]) for c in range(W.shape[1])]
        right += scores.index(max(scores)) == int(y[n])
    return right / len(y)
