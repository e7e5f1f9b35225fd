"""Mutant: reshapes column by column (order='F'): every map transposed."""

CELL = 'influence'  # the answer cell this file replaces
MUST_LOSE = ('test_influence', 'test_influence_hidden')  # test cells that must lose points

import math

import numpy as np

import mnistlib


def hidden_influence(params, nodes, value=1.0):
    D = params["W1"].shape[0]
    side = math.isqrt(D)
    probes = np.vstack([np.zeros((1, D)), value * np.eye(D)])
    z1 = forward(params, probes)["z1"]
    nodes = list(nodes)
    response = z1[1:, nodes] - z1[0, nodes]
    return np.stack([response[:, k].reshape(side, side, order="F") for k in range(len(nodes))])
