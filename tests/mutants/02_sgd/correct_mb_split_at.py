"""Correct variant: np.array_split at the multiples of batch_size."""

CELL = 'minibatch_indices'  # the answer cell this file replaces
MUST_LOSE = ()  # test cells that must lose points (none: full marks)

import numpy as np


def minibatch_indices(N, batch_size, rng=None):
    order = rng.permutation(N) if rng is not None else np.arange(N)
    return np.array_split(order, np.arange(batch_size, N, batch_size))
