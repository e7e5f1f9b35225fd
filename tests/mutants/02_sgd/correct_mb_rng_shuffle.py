"""Correct variant: shuffle a copy of 0..N-1 in place with rng.shuffle (the same stream as
rng.permutation(N)), then slice."""

CELL = 'minibatch_indices'  # the answer cell this file replaces
MUST_LOSE = ()  # test cells that must lose points (none: full marks)

import numpy as np


def minibatch_indices(N, batch_size, rng=None):
    order = np.arange(N)
    if rng is not None:
        rng.shuffle(order)
    return [order[i:i + batch_size] for i in range(0, N, batch_size)]
