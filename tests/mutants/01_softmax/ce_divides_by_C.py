"""Mutant: divides the sum by the number of classes instead of the batch size."""

CELL = "cross_entropy"  # the answer cell this file replaces
MUST_LOSE = ('test_cross_entropy',)  # test cells that must lose points

import numpy as np


def cross_entropy(Z, y):
    shifted = Z - Z.max(axis=1, keepdims=True)
    log_P = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-log_P[np.arange(len(y)), y].sum() / Z.shape[1])
