"""Mutant: shifts by the column maxima (axis=0) instead of each row's."""

CELL = "softmax"  # the answer cell this file replaces
MUST_LOSE = ('test_softmax',)  # test cells that must lose points

import numpy as np


def softmax(Z):
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)
