"""Correct variant: copies X, prints a warning and a progress line per epoch, returns the losses
as an array."""

CELL = 'train_sgd'  # the answer cell this file replaces
MUST_LOSE = ()  # test cells that must lose points (none: full marks)

import numpy as np

import mnistlib


def train_softmax_sgd(X, y, lr=0.13, batch_size=60, n_epochs=5, seed=0, C=10):
    import sys
    import warnings
    X = np.array(X, dtype=np.float64)  # a private copy: editing it in place is harmless
    np.nan_to_num(X, copy=False)
    warnings.warn("train_softmax_sgd: NaN pixels would be replaced by 0")
    n, d = X.shape
    W, b = np.zeros((d, C)), np.zeros(C)
    rng = np.random.default_rng(seed)
    losses = np.empty(n_epochs)
    for epoch in range(n_epochs):
        batches = minibatch_indices(n, batch_size, rng)
        batch_losses = np.empty(len(batches))
        for k, idx in enumerate(batches):
            batch_losses[k], dW, db = mnistlib.softmax_loss_and_grad(W, b, X[idx], y[idx])
            W -= lr * dW
            b -= lr * db
        losses[epoch] = batch_losses.mean()
        print(f"epoch {epoch + 1}: loss {losses[epoch]:.4f}", file=sys.stderr)
    return W, b, losses
