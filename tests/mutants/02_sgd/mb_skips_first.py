"""Mutant: off-by-one start, sample 0 is never used."""

CELL = 'minibatch_indices'  # the answer cell this file replaces
MUST_LOSE = (  # test cells that must lose points
    'test_minibatch_indices_hidden',
    'test_minibatch_indices',
)

import numpy as np


def minibatch_indices(N, batch_size, rng=None):
    order = np.arange(N) if rng is None else rng.permutation(N)
    return [order[s:s + batch_size] for s in range(1, N, batch_size)]
