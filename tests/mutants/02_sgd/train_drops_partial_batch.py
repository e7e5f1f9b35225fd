"""Mutant: the last partial batch is skipped."""

CELL = 'train_sgd'  # the answer cell this file replaces
MUST_LOSE = (  # test cells that must lose points
    'test_train_sgd_reference_hidden',
    'test_train_sgd_losses_hidden',
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
        batch_losses = []
        for idx in minibatch_indices(n, batch_size, rng):
            if len(idx) < batch_size:
                continue
            loss, dW, db = mnistlib.softmax_loss_and_grad(W, b, X[idx], y[idx])
            W -= lr * dW
            b -= lr * db
            batch_losses.append(loss)
        losses.append(float(np.mean(batch_losses)))
    return W, b, losses
