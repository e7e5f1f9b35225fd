"""Correct variant: sigmoid through tanh, softmax through log-sum-exp."""

CELL = 'forward'  # the answer cell this file replaces
MUST_LOSE = ()  # test cells that must lose points (none: full marks)

import numpy as np

import mnistlib


def sigmoid(A):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(A, dtype=np.float64)))


def forward(params, X):
    W1, b1, W2, b2 = (params[k] for k in ("W1", "b1", "W2", "b2"))
    a1 = np.dot(X, W1) + b1[None, :]
    z1 = sigmoid(a1)
    a2 = np.dot(z1, W2) + b2[None, :]
    m = a2.max(axis=1, keepdims=True)
    log_z2 = a2 - m - np.log(np.sum(np.exp(a2 - m), axis=1, keepdims=True))
    return dict(a1=a1, z1=z1, a2=a2, z2=np.exp(log_z2))
