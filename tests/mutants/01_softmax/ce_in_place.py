"""Mutant: shifts the caller's scores in place."""

CELL = "cross_entropy"  # the answer cell this file replaces
MUST_LOSE = ('test_cross_entropy_hidden',)  # test cells that must lose points

import numpy as np


def cross_entropy(Z, y):
    Z -= Z.max(axis=1, keepdims=True)
    log_P = Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))
    return float(-log_P[np.arange(len(y)), y].mean())
