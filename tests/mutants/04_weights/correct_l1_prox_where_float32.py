"""Correct variant: np.where and np.copysign in the input's dtype; sparsity by counting."""

CELL = "l1_prox"  # the answer cell this file replaces
MUST_LOSE = ()  # test cells that must lose points (none: full marks)

import numpy as np


def l1_prox(W, t):
    W = np.asarray(W)
    t = W.dtype.type(t)
    shrunk = np.copysign(np.abs(W) - t, W)
    return np.where(np.abs(W) <= t, W.dtype.type(0), shrunk)


def sparsity(W):
    W = np.asarray(W)
    return np.count_nonzero(W == 0) / W.size
