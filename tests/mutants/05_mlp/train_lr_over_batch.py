"""Mutant: divides the step by the batch size again (the gradient is already a mean)."""

CELL = 'train_mlp'  # the answer cell this file replaces
MUST_LOSE = ('test_train', 'test_train_step_hidden', 'test_train_epochs_hidden')

import numpy as np

import mnistlib


def train_mlp(params, X, y, grad_fn, lr=0.5, batch_size=50, n_epochs=5, seed=0):
    trained = {name: np.array(value, dtype=np.float64) for name, value in params.items()}
    n = X.shape[0]
    rng = np.random.default_rng(seed)
    losses = []
    for epoch in range(n_epochs):
        order = rng.permutation(n)
        batch_losses = []
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            loss, grads = grad_fn(trained, X[idx], y[idx])
            for name in trained:
                trained[name] -= lr * grads[name] / len(idx)
            batch_losses.append(loss)
        losses.append(float(np.mean(batch_losses)))
    return trained, losses
