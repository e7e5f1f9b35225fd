"""Mutant: shrinks the caller's array in place."""

CELL = "l1_prox"  # the answer cell this file replaces
MUST_LOSE = ('test_l1_prox', 'test_l1_prox_hidden')  # test cells that must lose points

import matplotlib.pyplot as plt
import numpy as np


def l1_prox(W, t):
    W = np.asarray(W)
    W[...] = np.sign(W) * np.maximum(np.abs(W) - t, 0)
    return W


def sparsity(W):
    return float(np.mean(np.asarray(W) == 0))
