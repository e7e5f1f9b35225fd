"""Correct variant: loops over the samples, one outer product each."""

CELL = "softmax_loss_and_grad"  # the answer cell this file replaces
MUST_LOSE = ()  # test cells that must lose points (none: full marks)

import numpy as np


def softmax_loss_and_grad(W, b, X, y):
    n, d = X.shape
    dW = np.zeros_like(W, dtype=float)
    db = np.zeros(W.shape[1])
    loss = 0.0
    for x_n, y_n in zip(X, y):
        z = x_n @ W + b
        p = softmax(z[None, :])[0]
        loss -= np.log(p[y_n])
        p[y_n] -= 1.0
        dW += np.outer(x_n, p)
        db += p
    return loss / n, dW / n, db / n
