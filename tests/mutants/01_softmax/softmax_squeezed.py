"""Mutant: squeezes the result: a batch of one class (N, 1) comes back as (N,)."""

CELL = "softmax"  # the answer cell this file replaces
MUST_LOSE = ('test_softmax_hidden',)  # test cells that must lose points

import numpy as np


def softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return np.squeeze(E / E.sum(axis=1, keepdims=True))
