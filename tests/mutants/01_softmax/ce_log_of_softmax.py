"""Mutant: takes the log of softmax: infinite once a probability underflows."""

CELL = "cross_entropy"  # the answer cell this file replaces
MUST_LOSE = ('test_cross_entropy_hidden',)  # test cells that must lose points

import numpy as np


def cross_entropy(Z, y):
    P = softmax(Z)
    return float(-np.log(P[np.arange(len(y)), y]).mean())
