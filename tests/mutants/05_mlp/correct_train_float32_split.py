"""Correct variant: trains float32 copies (mnistlib's default dtype), batches cut with np.split."""

CELL = 'train_mlp'  # the answer cell this file replaces
MUST_LOSE = ()  # test cells that must lose points (none: full marks)

import numpy as np

import mnistlib


def train_mlp(params, X, y, grad_fn, lr=0.5, batch_size=50, n_epochs=5, seed=0):
    trained = {k: np.asarray(v, dtype=np.float32).copy() for k, v in params.items()}
    rng = np.random.default_rng(seed)
    n = X.shape[0]
    losses = []
    for _ in range(n_epochs):
        batch_losses = []
        for idx in np.split(rng.permutation(n), np.arange(batch_size, n, batch_size)):
            loss, grads = grad_fn(trained, X[idx], y[idx])
            for k in trained:
                trained[k] -= np.float32(lr) * np.asarray(grads[k], dtype=np.float32)
            batch_losses.append(loss)
        losses.append(sum(batch_losses) / len(batch_losses))
    return trained, losses
