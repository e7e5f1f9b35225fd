"""Mutant: log-sum-exp of the shifted scores compared with the unshifted score of the label."""

CELL = "cross_entropy"  # the answer cell this file replaces
MUST_LOSE = ('test_cross_entropy',)  # test cells that must lose points

import numpy as np


def cross_entropy(Z, y):
    m = Z.max(axis=1, keepdims=True)
    lse = np.log(np.exp(Z - m).sum(axis=1))
    return float(np.mean(lse - Z[np.arange(len(y)), y]))
