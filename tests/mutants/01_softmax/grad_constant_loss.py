"""Mutant: a constant loss log C with zero gradients."""

CELL = "softmax_loss_and_grad"  # the answer cell this file replaces
MUST_LOSE = ('test_grad', 'test_grad_loss_hidden', 'test_grad_hidden')  # test cells that must lose points

import math

import numpy as np


def softmax_loss_and_grad(W, b, X, y):
    return math.log(W.shape[1]), np.zeros_like(W), np.zeros_like(b)
