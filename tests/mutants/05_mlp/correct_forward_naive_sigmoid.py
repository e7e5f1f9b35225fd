"""Correct variant: the textbook 1 / (1 + exp(-A)), which warns of overflow for large negative A
(the result, 0, is right)."""

CELL = 'forward'  # the answer cell this file replaces
MUST_LOSE = ()  # test cells that must lose points (none: full marks)

import numpy as np

import mnistlib


def sigmoid(A):
    return 1.0 / (1.0 + np.exp(-np.asarray(A, dtype=np.float64)))


def forward(params, X):
    a1 = X @ params["W1"] + params["b1"]
    z1 = sigmoid(a1)
    a2 = z1 @ params["W2"] + params["b2"]
    return {"a1": a1, "z1": z1, "a2": a2, "z2": mnistlib.softmax(a2)}
