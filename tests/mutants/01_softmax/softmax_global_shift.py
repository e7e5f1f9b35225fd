"""Mutant: subtracts the largest score of the whole batch: rows far below it underflow to 0/0."""

CELL = "softmax"  # the answer cell this file replaces
MUST_LOSE = ('test_softmax_hidden',)  # test cells that must lose points

import numpy as np


def softmax(Z):
    E = np.exp(Z - np.max(Z))
    return E / E.sum(axis=1, keepdims=True)
