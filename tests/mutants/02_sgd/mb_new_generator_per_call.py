"""Mutant: a fresh generator per call, seeded from rng's first draw, so the order is not
rng.permutation(N)."""

CELL = 'minibatch_indices'  # the answer cell this file replaces
MUST_LOSE = ('test_minibatch_shuffle_hidden',)  # test cells that must lose points

import numpy as np


def minibatch_indices(N, batch_size, rng=None):
    if rng is None:
        order = np.arange(N)
    else:
        order = np.random.default_rng(int(rng.integers(1 << 30))).permutation(N)
    return [order[s:s + batch_size] for s in range(0, N, batch_size)]
