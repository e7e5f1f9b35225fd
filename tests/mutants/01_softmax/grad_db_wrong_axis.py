"""Mutant: db summed over the classes (axis=1) instead of the samples."""

CELL = "softmax_loss_and_grad"  # the answer cell this file replaces
MUST_LOSE = ('test_grad', 'test_grad_hidden')  # test cells that must lose points

import numpy as np


def softmax_loss_and_grad(W, b, X, y):
    n = X.shape[0]
    Z = X @ W + b
    G = softmax(Z)
    G[np.arange(n), y] -= 1.0
    G /= n
    return cross_entropy(Z, y), X.T @ G, G.sum(axis=1)
