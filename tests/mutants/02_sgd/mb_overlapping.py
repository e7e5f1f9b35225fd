"""Mutant: off-by-one slice end, consecutive batches share a sample."""

CELL = 'minibatch_indices'  # the answer cell this file replaces
MUST_LOSE = (  # test cells that must lose points
    'test_minibatch_indices_hidden',
    'test_minibatch_indices',
)

import numpy as np


def minibatch_indices(N, batch_size, rng=None):
    order = np.arange(N) if rng is None else rng.permutation(N)
    return [order[s:s + batch_size + 1] for s in range(0, N, batch_size)]
