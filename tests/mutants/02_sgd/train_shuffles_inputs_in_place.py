"""Mutant: shuffles X and y in place each epoch, then takes consecutive batches (the caller's
arrays are changed, and epoch 2 shuffles a shuffled set)."""

CELL = 'train_sgd'  # the answer cell this file replaces
MUST_LOSE = (  # test cells that must lose points
    'test_train_sgd_reference_hidden',
    'test_train_sgd_losses_hidden',
    'test_train_sgd_inputs_hidden',
)

import numpy as np

import mnistlib


def train_softmax_sgd(X, y, lr=0.13, batch_size=60, n_epochs=5, seed=0, C=10):
    n, d = X.shape
    W = np.zeros((d, C))
    b = np.zeros(C)
    rng = np.random.default_rng(seed)
    losses = []
    for epoch in range(n_epochs):
        order = rng.permutation(n)
        X[:] = X[order]
        y[:] = y[order]
        batch_losses = []
        for idx in (np.arange(s, min(s + batch_size, n)) for s in range(0, n, batch_size)):
            loss, dW, db = mnistlib.softmax_loss_and_grad(W, b, X[idx], y[idx])
            W -= lr * dW
            b -= lr * db
            batch_losses.append(loss)
        losses.append(float(np.mean(batch_losses)))
    return W, b, losses
