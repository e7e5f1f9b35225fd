"""Correct variant: einsum, a piecewise sigmoid with np.where, and a warning printed on stderr."""

CELL = 'forward'  # the answer cell this file replaces
MUST_LOSE = ()  # test cells that must lose points (none: full marks)

import sys

import numpy as np

import mnistlib


def sigmoid(A):
    A = np.asarray(A, dtype=np.float64)
    e = np.exp(-np.abs(A))  # never overflows
    return np.where(A >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def forward(params, X):
    print("Warning: forward computes in float64", file=sys.stderr)
    a1 = np.einsum("nd,dh->nh", X, params["W1"]) + params["b1"]
    z1 = sigmoid(a1)
    a2 = np.einsum("nh,hc->nc", z1, params["W2"]) + params["b2"]
    z2 = mnistlib.softmax(a2)
    return {"a1": a1, "z1": z1, "a2": a2, "z2": z2}
