"""Gaussian blobs: the small classification problem the model and training tests share."""

import numpy as np


def gaussian_blobs(N, D, C, seed=0, spread=1.0, dtype=np.float64):
    """X (N, D) of C Gaussian blobs whose centres are drawn with scale ``spread``, and y (N,).

    A large ``spread`` makes the classes nearly separable; 1.0 makes them overlap.
    """
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=spread, size=(C, D))
    y = rng.integers(0, C, N)
    X = centres[y] + rng.normal(size=(N, D))
    return X.astype(dtype), y
