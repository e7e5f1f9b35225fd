"""Correct variant: one row at a time with the math module."""

CELL = "softmax"  # the answer cell this file replaces
MUST_LOSE = ()  # test cells that must lose points (none: full marks)

import math

import numpy as np


def softmax(Z):
    P = np.empty(np.shape(Z))
    for n, row in enumerate(Z):
        top = max(row)
        e = [math.exp(z - top) for z in row]
        total = sum(e)
        P[n] = [v / total for v in e]
    return P
