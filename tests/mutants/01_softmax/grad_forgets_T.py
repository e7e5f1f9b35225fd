"""Mutant: dW = X^T P / N: the one-hot targets are never subtracted."""

CELL = "softmax_loss_and_grad"  # the answer cell this file replaces
MUST_LOSE = ('test_grad', 'test_grad_hidden')  # test cells that must lose points

import numpy as np


def softmax_loss_and_grad(W, b, X, y):
    n = X.shape[0]
    Z = X @ W + b
    G = softmax(Z) / n
    return cross_entropy(Z, y), X.T @ G, G.sum(axis=0)
