"""Correct variant: log-sum-exp in float32, a numpy scalar returned."""

CELL = "cross_entropy"  # the answer cell this file replaces
MUST_LOSE = ()  # test cells that must lose points (none: full marks)

import numpy as np


def cross_entropy(Z, y):
    Z = np.asarray(Z, dtype=np.float32)
    m = Z.max(axis=1)
    lse = m + np.log(np.exp(Z - m[:, None]).sum(axis=1))
    return np.mean(lse - np.take_along_axis(Z, np.asarray(y)[:, None], axis=1)[:, 0])
