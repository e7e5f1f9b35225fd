"""Mutant: normalises the columns (axis=0) instead of the rows."""

CELL = "softmax"  # the answer cell this file replaces
MUST_LOSE = ('test_softmax',)  # test cells that must lose points

import numpy as np


def softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)
