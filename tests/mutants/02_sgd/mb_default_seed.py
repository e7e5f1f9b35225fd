"""Mutant: rng=None falls back to a seeded generator, so it shuffles too."""

CELL = 'minibatch_indices'  # the answer cell this file replaces
MUST_LOSE = (  # test cells that must lose points
    'test_minibatch_indices_hidden',
    'test_minibatch_indices',
)

import numpy as np


def minibatch_indices(N, batch_size, rng=None):
    rng = rng if rng is not None else np.random.default_rng(0)
    order = rng.permutation(N)
    return [order[s:s + batch_size] for s in range(0, N, batch_size)]
