"""Mutant: divides by the row maximum of the exponentials instead of their sum."""

CELL = "softmax"  # the answer cell this file replaces
MUST_LOSE = ('test_softmax',)  # test cells that must lose points

import numpy as np


def softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.max(axis=1, keepdims=True)
