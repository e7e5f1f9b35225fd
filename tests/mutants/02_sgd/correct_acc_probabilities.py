"""Correct variant: argmax of the softmax probabilities, with a warning printed."""

CELL = 'accuracy'  # the answer cell this file replaces
MUST_LOSE = ()  # test cells that must lose points (none: full marks)

import numpy as np

import mnistlib


def accuracy(W, b, X, y):
    import warnings
    warnings.warn("accuracy: computing probabilities first (slower)")
    P = mnistlib.softmax(X @ W + b)
    return np.mean(P.argmax(axis=1) == y)
