"""Mutant: a consistent wrong objective: + 0.5 ||W2||^2 in the loss and + W2 in dW2 (zero at W2 =
0, so the visible test and the finite differences pass)."""

CELL = 'loss_and_grad'  # the answer cell this file replaces
MUST_LOSE = ('test_loss_hidden', 'test_grad_hidden')  # test cells that must lose points

import numpy as np

import mnistlib


def loss_and_grad(params, X, y):
    n = X.shape[0]
    f = forward(params, X)
    loss = mnistlib.cross_entropy(f["a2"], y) + 0.5 * float(np.sum(params["W2"] ** 2))
    delta2 = f["z2"].copy()
    delta2[np.arange(n), y] -= 1.0
    delta2 /= n
    z1 = f["z1"]
    delta1 = (delta2 @ params["W2"].T) * z1 * (1.0 - z1)
    grads = {"W1": X.T @ delta1, "b1": delta1.sum(axis=0),
             "W2": z1.T @ delta2, "b2": delta2.sum(axis=0)}
    grads["W2"] = grads["W2"] + params["W2"]
    return float(loss), grads
