"""Mutant: shuffles the order of fixed batches, not the samples."""

CELL = 'minibatch_indices'  # the answer cell this file replaces
MUST_LOSE = ('test_minibatch_shuffle_hidden',)  # test cells that must lose points

import numpy as np


def minibatch_indices(N, batch_size, rng=None):
    batches = [np.arange(s, min(s + batch_size, N)) for s in range(0, N, batch_size)]
    if rng is None:
        return batches
    return [batches[i] for i in rng.permutation(len(batches))]
