"""Mutant: counts weights close to zero (np.isclose) as zero."""

CELL = "l1_prox"  # the answer cell this file replaces
MUST_LOSE = ('test_l1_prox_hidden',)  # test cells that must lose points

import matplotlib.pyplot as plt
import numpy as np


def l1_prox(W, t):
    W = np.asarray(W)
    return (np.sign(W) * np.maximum(np.abs(W) - t, 0)).astype(W.dtype, copy=False)


def sparsity(W):
    return float(np.mean(np.isclose(np.asarray(W), 0)))
