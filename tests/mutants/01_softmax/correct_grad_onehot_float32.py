"""Correct variant: one-hot targets, the products in float32."""

CELL = "softmax_loss_and_grad"  # the answer cell this file replaces
MUST_LOSE = ()  # test cells that must lose points (none: full marks)

import numpy as np


def softmax_loss_and_grad(W, b, X, y):
    X32, W32, b32 = (np.asarray(a, dtype=np.float32) for a in (X, W, b))
    Z = X32 @ W32 + b32
    T = np.eye(W.shape[1], dtype=np.float32)[y]
    G = (softmax(Z).astype(np.float32) - T) / X.shape[0]
    return cross_entropy(Z, y), X32.T @ G, G.sum(axis=0)
