"""Mutant: shows the columns of W1 instead of the probe's responses."""

CELL = 'influence'  # the answer cell this file replaces
MUST_LOSE = ('test_influence', 'test_influence_hidden')  # test cells that must lose points

import math

import numpy as np

import mnistlib


def hidden_influence(params, nodes, value=1.0):
    W1 = params["W1"]
    side = math.isqrt(W1.shape[0])
    return W1[:, list(nodes)].T.reshape(len(nodes), side, side)
