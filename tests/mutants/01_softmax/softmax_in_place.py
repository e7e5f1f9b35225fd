"""Mutant: shifts the caller's array in place (Z -= max)."""

CELL = "softmax"  # the answer cell this file replaces
MUST_LOSE = ('test_softmax_hidden',)  # test cells that must lose points

import numpy as np


def softmax(Z):
    Z -= Z.max(axis=1, keepdims=True)
    E = np.exp(Z)
    return E / E.sum(axis=1, keepdims=True)
