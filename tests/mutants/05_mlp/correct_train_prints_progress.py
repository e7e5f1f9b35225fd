"""Correct variant: prints each epoch's loss and warns on stderr; the steps through np.subtract."""

CELL = 'train_mlp'  # the answer cell this file replaces
MUST_LOSE = ()  # test cells that must lose points (none: full marks)

import sys

import numpy as np

import mnistlib


def train_mlp(params, X, y, grad_fn, lr=0.5, batch_size=50, n_epochs=5, seed=0):
    print("Warning: training from a copy of params", file=sys.stderr)
    trained = {k: np.copy(v) for k, v in params.items()}
    rng = np.random.default_rng(seed)
    losses = []
    for epoch in range(n_epochs):
        order = rng.permutation(len(X))
        batch_losses = []
        for start in range(0, len(X), batch_size):
            idx = order[start:start + batch_size]
            loss, grads = grad_fn(trained, X[idx], y[idx])
            for k, g in grads.items():
                np.subtract(trained[k], lr * g, out=trained[k])
            batch_losses.append(loss)
        losses.append(float(np.mean(batch_losses)))
        print(f"epoch {epoch + 1}: mean loss {losses[-1]:.4f}")
    return trained, losses
