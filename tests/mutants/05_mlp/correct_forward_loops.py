"""Correct variant: one sample at a time, sigmoid and softmax by hand."""

CELL = 'forward'  # the answer cell this file replaces
MUST_LOSE = ()  # test cells that must lose points (none: full marks)

import numpy as np

import mnistlib


def sigmoid(A):
    A = np.asarray(A, dtype=np.float64)
    out = np.empty_like(A)
    for i, a in np.ndenumerate(A):
        out[i] = 1.0 / (1.0 + np.exp(-a)) if a >= 0 else np.exp(a) / (1.0 + np.exp(a))
    return out


def forward(params, X):
    rows = {"a1": [], "z1": [], "a2": [], "z2": []}
    for x in X:
        a1 = x @ params["W1"] + params["b1"]
        z1 = sigmoid(a1)
        a2 = z1 @ params["W2"] + params["b2"]
        e = np.exp(a2 - a2.max())
        for name, value in zip(rows, (a1, z1, a2, e / e.sum())):
            rows[name].append(value)
    return {name: np.array(values) for name, values in rows.items()}
