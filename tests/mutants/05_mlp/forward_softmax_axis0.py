"""Mutant: softmax normalised over the batch (axis 0) instead of each row."""

CELL = 'forward'  # the answer cell this file replaces
MUST_LOSE = ('test_forward', 'test_forward_hidden')  # test cells that must lose points

import numpy as np

import mnistlib


def sigmoid(A):
    A = np.asarray(A, dtype=np.float64)
    return np.exp(-np.logaddexp(0.0, -A))

def forward(params, X):
    a1 = X @ params["W1"] + params["b1"]
    z1 = sigmoid(a1)
    a2 = z1 @ params["W2"] + params["b2"]
    E = np.exp(a2 - a2.max(axis=0, keepdims=True))
    return {"a1": a1, "z1": z1, "a2": a2, "z2": E / E.sum(axis=0, keepdims=True)}
