"""Correct variant: one-hot targets and np.logaddexp.reduce; prints a note."""

CELL = "cross_entropy"  # the answer cell this file replaces
MUST_LOSE = ()  # test cells that must lose points (none: full marks)

import numpy as np


def cross_entropy(Z, y):
    T = np.eye(Z.shape[1])[y]
    lse = np.logaddexp.reduce(Z, axis=1)
    loss = np.mean(lse - np.sum(T * Z, axis=1))
    print(f"cross_entropy of {len(y)} samples: {loss:.4f}")
    return loss
