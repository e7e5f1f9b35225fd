"""Mutant: returns the shifted exponentials without dividing by their sum."""

CELL = "softmax"  # the answer cell this file replaces
MUST_LOSE = ('test_softmax',)  # test cells that must lose points

import numpy as np


def softmax(Z):
    return np.exp(Z - Z.max(axis=1, keepdims=True))
