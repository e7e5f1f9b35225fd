"""Mutant: a consistent wrong objective: + 0.5 ||W||^2 in the loss and + W in dW (zero at W = 0)."""

CELL = "softmax_loss_and_grad"  # the answer cell this file replaces
MUST_LOSE = ('test_grad_loss_hidden', 'test_grad_hidden')  # test cells that must lose points

import numpy as np


def softmax_loss_and_grad(W, b, X, y):
    n = X.shape[0]
    Z = X @ W + b
    G = softmax(Z)
    G[np.arange(n), y] -= 1.0
    G /= n
    return cross_entropy(Z, y) + 0.5 * float(np.sum(W * W)), X.T @ G + W, G.sum(axis=0)
