"""Correct variant: computes in float32 and warns about it (stderr)."""

CELL = "softmax"  # the answer cell this file replaces
MUST_LOSE = ()  # test cells that must lose points (none: full marks)

import warnings

import numpy as np


def softmax(Z):
    warnings.warn("softmax computes in float32")
    Z = np.asarray(Z, dtype=np.float32)
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)
