"""Mutant: np.array_split into batch_size batches, not batches of batch_size."""

CELL = 'minibatch_indices'  # the answer cell this file replaces
MUST_LOSE = (  # test cells that must lose points
    'test_minibatch_indices_hidden',
    'test_minibatch_indices',
)

import numpy as np


def minibatch_indices(N, batch_size, rng=None):
    order = np.arange(N) if rng is None else rng.permutation(N)
    return np.array_split(order, batch_size)
