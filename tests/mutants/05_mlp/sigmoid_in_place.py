"""Mutant: sigmoid computed in place in its argument, so forward returns a1 overwritten."""

CELL = 'forward'  # the answer cell this file replaces
MUST_LOSE = ('test_forward', 'test_forward_hidden')  # test cells that must lose points

import numpy as np

import mnistlib


def sigmoid(A):
    A = np.asarray(A, dtype=np.float64)
    np.negative(A, out=A)
    np.exp(A, out=A)
    A += 1.0
    np.reciprocal(A, out=A)
    return A

def forward(params, X):
    a1 = X @ params["W1"] + params["b1"]
    z1 = sigmoid(a1)
    a2 = z1 @ params["W2"] + params["b2"]
    return {"a1": a1, "z1": z1, "a2": a2, "z2": mnistlib.softmax(a2)}
