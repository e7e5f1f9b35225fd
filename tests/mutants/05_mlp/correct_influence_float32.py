"""Correct variant: computes the first layer itself in float32 (mnistlib's default dtype)."""

CELL = 'influence'  # the answer cell this file replaces
MUST_LOSE = ()  # test cells that must lose points (none: full marks)

import math

import numpy as np

import mnistlib


def hidden_influence(params, nodes, value=1.0):
    W1 = np.asarray(params["W1"], dtype=np.float32)[:, list(nodes)]
    b1 = np.asarray(params["b1"], dtype=np.float32)[list(nodes)]
    D = W1.shape[0]
    side = math.isqrt(D)
    lit = 1.0 / (1.0 + np.exp(-(np.float32(value) * W1 + b1)))  # (D, K): pixel p lit
    blank = 1.0 / (1.0 + np.exp(-b1))
    return (lit - blank).T.reshape(-1, side, side)
