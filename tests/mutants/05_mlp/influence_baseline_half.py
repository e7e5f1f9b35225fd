"""Mutant: assumes the blank image gives sigmoid(0) = 1/2 (true only without biases)."""

CELL = 'influence'  # the answer cell this file replaces
MUST_LOSE = ('test_influence_hidden',)  # test cells that must lose points

import math

import numpy as np

import mnistlib


def hidden_influence(params, nodes, value=1.0):
    D = params["W1"].shape[0]
    side = math.isqrt(D)
    probes = np.vstack([np.zeros((1, D)), value * np.eye(D)])
    z1 = forward(params, probes)["z1"]
    nodes = list(nodes)
    response = z1[1:, nodes] - 0.5
    return response.T.reshape(len(nodes), side, side)
