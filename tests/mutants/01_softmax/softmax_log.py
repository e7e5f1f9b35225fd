"""Mutant: returns the log-probabilities (forgot the final exp)."""

CELL = "softmax"  # the answer cell this file replaces
MUST_LOSE = ('test_softmax',)  # test cells that must lose points

import numpy as np


def softmax(Z):
    shifted = Z - Z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
