"""Mutant: shuffles with numpy's global generator instead of rng."""

CELL = 'minibatch_indices'  # the answer cell this file replaces
MUST_LOSE = ('test_minibatch_shuffle_hidden',)  # test cells that must lose points

import numpy as np


def minibatch_indices(N, batch_size, rng=None):
    order = np.arange(N) if rng is None else np.random.permutation(N)
    return [order[s:s + batch_size] for s in range(0, N, batch_size)]
