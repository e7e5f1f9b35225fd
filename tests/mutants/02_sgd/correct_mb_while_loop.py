"""Correct variant: a while loop appending python lists of ints."""

CELL = 'minibatch_indices'  # the answer cell this file replaces
MUST_LOSE = ()  # test cells that must lose points (none: full marks)

import numpy as np


def minibatch_indices(N, batch_size, rng=None):
    order = list(range(N)) if rng is None else [int(i) for i in rng.permutation(N)]
    batches, start = [], 0
    while start < N:
        batches.append(np.array(order[start:start + batch_size]))
        start += batch_size
    return batches
