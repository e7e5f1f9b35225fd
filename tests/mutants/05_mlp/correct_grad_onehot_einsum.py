"""Correct variant: one-hot targets, einsum, log-sum-exp written out."""

CELL = 'loss_and_grad'  # the answer cell this file replaces
MUST_LOSE = ()  # test cells that must lose points (none: full marks)

import numpy as np

import mnistlib


def loss_and_grad(params, X, y):
    n, c = X.shape[0], params["W2"].shape[1]
    f = forward(params, X)
    a2 = f["a2"]
    m = a2.max(axis=1, keepdims=True)
    log_p = a2 - m - np.log(np.exp(a2 - m).sum(axis=1, keepdims=True))
    T = np.eye(c)[y]
    loss = -np.sum(T * log_p) / n
    d2 = (f["z2"] - T) / n
    z1 = f["z1"]
    d1 = np.einsum("nc,hc->nh", d2, params["W2"]) * (z1 - z1 ** 2)
    return loss, {"W1": np.einsum("nd,nh->dh", X, d1), "b1": np.einsum("nh->h", d1),
                  "W2": np.einsum("nh,nc->hc", z1, d2), "b2": np.einsum("nc->c", d2)}
