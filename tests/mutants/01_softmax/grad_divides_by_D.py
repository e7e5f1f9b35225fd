"""Mutant: divides by the number of features instead of the number of samples."""

CELL = "softmax_loss_and_grad"  # the answer cell this file replaces
MUST_LOSE = ('test_grad', 'test_grad_hidden')  # test cells that must lose points

import numpy as np


def softmax_loss_and_grad(W, b, X, y):
    Z = X @ W + b
    G = softmax(Z)
    G[np.arange(X.shape[0]), y] -= 1.0
    G /= X.shape[1]
    return cross_entropy(Z, y), X.T @ G, G.sum(axis=0)
