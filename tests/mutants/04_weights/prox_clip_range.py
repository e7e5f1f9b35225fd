"""Mutant: clips the weights to [-t, t] instead of shrinking them."""

CELL = "l1_prox"  # the answer cell this file replaces
MUST_LOSE = (
    'test_l1_prox',
    'test_l1_prox_hidden',
    'test_l1_sweep',
)  # test cells that must lose points

import matplotlib.pyplot as plt
import numpy as np


def l1_prox(W, t):
    W = np.asarray(W)
    return (np.clip(W, -t, t)).astype(W.dtype, copy=False)


def sparsity(W):
    return float(np.mean(np.asarray(W) == 0))
