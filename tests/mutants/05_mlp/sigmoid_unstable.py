"""Mutant: sigmoid as exp(A) / (1 + exp(A)): nan for large A."""

CELL = 'forward'  # the answer cell this file replaces
MUST_LOSE = ('test_sigmoid', 'test_forward_hidden')  # test cells that must lose points

import numpy as np

import mnistlib


def sigmoid(A):
    E = np.exp(np.asarray(A, dtype=np.float64))
    return E / (1.0 + E)

def forward(params, X):
    a1 = X @ params["W1"] + params["b1"]
    z1 = sigmoid(a1)
    a2 = z1 @ params["W2"] + params["b2"]
    return {"a1": a1, "z1": z1, "a2": a2, "z2": mnistlib.softmax(a2)}
