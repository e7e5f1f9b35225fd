"""Mutant: a constant loss log C with zero gradients (passes a finite-difference check)."""

CELL = 'loss_and_grad'  # the answer cell this file replaces
MUST_LOSE = ('test_loss_and_grad', 'test_loss_hidden', 'test_grad_hidden')

import math

import numpy as np

import mnistlib


def loss_and_grad(params, X, y):
    return math.log(params["W2"].shape[1]), {k: np.zeros_like(v) for k, v in params.items()}
