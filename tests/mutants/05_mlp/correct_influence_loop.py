"""Correct variant: one probe image at a time."""

CELL = 'influence'  # the answer cell this file replaces
MUST_LOSE = ()  # test cells that must lose points (none: full marks)

import math

import numpy as np

import mnistlib


def hidden_influence(params, nodes, value=1.0):
    D = params["W1"].shape[0]
    side = int(round(math.sqrt(D)))
    nodes = list(nodes)
    base = forward(params, np.zeros((1, D)))["z1"][0, nodes]
    maps = np.zeros((len(nodes), D))
    for p in range(D):
        image = np.zeros((1, D))
        image[0, p] = value
        maps[:, p] = forward(params, image)["z1"][0, nodes] - base
    return maps.reshape(len(nodes), side, side)
