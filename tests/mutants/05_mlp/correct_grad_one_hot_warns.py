"""Correct variant: mnistlib.one_hot, a numpy warning about the labels' dtype, grads built in a
loop over the two layers."""

CELL = 'loss_and_grad'  # the answer cell this file replaces
MUST_LOSE = ()  # test cells that must lose points (none: full marks)

import warnings

import numpy as np

import mnistlib


def loss_and_grad(params, X, y):
    if np.asarray(y).dtype != np.int64:
        warnings.warn("labels are not int64; converting")
    y = np.asarray(y, dtype=np.int64)
    n = len(y)
    f = forward(params, X)
    delta = (f["z2"] - mnistlib.one_hot(y, params["W2"].shape[1])) / n
    inputs = {1: X, 2: f["z1"]}
    grads = {}
    for layer in (2, 1):
        grads[f"W{layer}"] = inputs[layer].T @ delta
        grads[f"b{layer}"] = delta.sum(axis=0)
        if layer == 2:
            z1 = f["z1"]
            delta = (delta @ params["W2"].T) * z1 * (1 - z1)
    return mnistlib.cross_entropy(f["a2"], y), grads
