"""Correct variant: a while loop over the batches and copies with .copy()."""

CELL = 'train_mlp'  # the answer cell this file replaces
MUST_LOSE = ()  # test cells that must lose points (none: full marks)

import numpy as np

import mnistlib


def train_mlp(params, X, y, grad_fn, lr=0.5, batch_size=50, n_epochs=5, seed=0):
    trained = {k: v.copy() for k, v in params.items()}
    rng = np.random.default_rng(seed)
    n = len(y)
    losses = []
    epoch = 0
    while epoch < n_epochs:
        order = rng.permutation(n)
        total, count, start = 0.0, 0, 0
        while start < n:
            idx = order[start:min(start + batch_size, n)]
            loss, grads = grad_fn(trained, X[idx], y[idx])
            trained = {k: trained[k] - lr * grads[k] for k in trained}
            total += loss
            count += 1
            start += batch_size
        losses.append(total / count)
        epoch += 1
    return trained, losses
