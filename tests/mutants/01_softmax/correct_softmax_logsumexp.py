"""Correct variant: exp(Z - logsumexp(Z)) with the log-sum-exp computed first."""

CELL = "softmax"  # the answer cell this file replaces
MUST_LOSE = ()  # test cells that must lose points (none: full marks)

import numpy as np


def softmax(Z):
    Z = np.array(Z, dtype=float)
    m = np.max(Z, axis=-1)[:, None]
    lse = m + np.log(np.sum(np.exp(Z - m), axis=-1, keepdims=True))
    return np.exp(Z - lse)
