"""Mutant: hard thresholding: small weights zeroed, large ones not shrunk."""

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
    return np.where(np.abs(W) <= t, 0, W).astype(W.dtype, copy=False)


def sparsity(W):
    return float(np.mean(np.asarray(W) == 0))
