"""Mutant: dW1 = delta1^T X, of shape (H, D) instead of (D, H)."""

CELL = 'loss_and_grad'  # the answer cell this file replaces
MUST_LOSE = ('test_loss_and_grad', 'test_gradient_check', 'test_grad_hidden')

import numpy as np

import mnistlib


def loss_and_grad(params, X, y):
    n = X.shape[0]
    f = forward(params, X)
    loss = mnistlib.cross_entropy(f["a2"], y)
    delta2 = f["z2"].copy()
    delta2[np.arange(n), y] -= 1.0
    delta2 /= n
    z1 = f["z1"]
    delta1 = (delta2 @ params["W2"].T) * z1 * (1.0 - z1)
    grads = {"W1": delta1.T @ X, "b1": delta1.sum(axis=0),
             "W2": z1.T @ delta2, "b2": delta2.sum(axis=0)}
    return float(loss), grads
