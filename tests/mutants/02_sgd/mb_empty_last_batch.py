"""Mutant: off-by-one stop, an empty batch when batch_size divides N."""

CELL = 'minibatch_indices'  # the answer cell this file replaces
MUST_LOSE = ('test_minibatch_indices_hidden',)  # test cells that must lose points

import numpy as np


def minibatch_indices(N, batch_size, rng=None):
    order = np.arange(N) if rng is None else rng.permutation(N)
    return [order[s:s + batch_size] for s in range(0, N + 1, batch_size)]
