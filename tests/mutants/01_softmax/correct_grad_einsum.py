"""Correct variant: einsum for the product, warns that it is slow."""

CELL = "softmax_loss_and_grad"  # the answer cell this file replaces
MUST_LOSE = ()  # test cells that must lose points (none: full marks)

import warnings

import numpy as np


def softmax_loss_and_grad(W, b, X, y):
    warnings.warn("einsum is slower than @", RuntimeWarning)
    Z = np.einsum("nd,dc->nc", X, W) + b
    P = softmax(Z)
    P[np.arange(len(y)), y] -= 1
    G = P / len(y)
    return cross_entropy(Z, y), np.einsum("nd,nc->dc", X, G), np.einsum("nc->c", G)
