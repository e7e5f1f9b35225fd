"""Correct variant: np.take, a separate blank image, a warning on stderr."""

CELL = 'influence'  # the answer cell this file replaces
MUST_LOSE = ()  # test cells that must lose points (none: full marks)

import math
import warnings

import numpy as np

import mnistlib


def hidden_influence(params, nodes, value=1.0):
    warnings.warn("hidden_influence: D + 1 forward passes in one batch")
    D = params["W1"].shape[0]
    side = math.isqrt(D)
    lit = np.take(forward(params, value * np.eye(D))["z1"], nodes, axis=1)
    blank = np.take(forward(params, np.zeros((1, D)))["z1"], nodes, axis=1)
    return np.moveaxis((lit - blank).reshape(side, side, -1), -1, 0)
