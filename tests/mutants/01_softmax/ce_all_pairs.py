"""Mutant: indexes log_P[:, y]: the mean over every sample and every label of the batch."""

CELL = "cross_entropy"  # the answer cell this file replaces
MUST_LOSE = ('test_cross_entropy_hidden',)  # test cells that must lose points

import numpy as np


def cross_entropy(Z, y):
    shifted = Z - Z.max(axis=1, keepdims=True)
    log_P = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-log_P[:, y].mean())
