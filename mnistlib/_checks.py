"""Input checks shared by the losses, the models and the training loop.

Every check raises ValueError or TypeError with a one-line message that says what to do, before
any work starts, so that bad input never fails deep inside numpy (IndexError, AxisError).
Dimensions: N samples, D features, C classes.
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any

import numpy as np

__all__ = ["PixelScaleWarning", "as_features", "as_labels", "check_finite", "check_lr",
           "warn_if_raw_pixels", "LR_WARN_ABOVE"]

# Learning rates above this get a warning: the book's sweep tries up to 50, where softmax
# regression overshoots but still trains; 1e6 is a typo or a unit mistake.
LR_WARN_ABOVE = 100.0


class PixelScaleWarning(UserWarning):
    """X looks like raw 0-255 pixels where the models expect values in [0, 1]."""


def _kind_check(A: np.ndarray, name: str) -> None:
    if A.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {A.dtype}")


def as_features(X: Any, name: str = "X", D: int | None = None,
                dtype: Any = None) -> np.ndarray:
    """X as a 2-D array (N, D) of real numbers, optionally of ``dtype``.

    Raises
    ------
    ValueError
        X is not 2-D (one image of shape (D,) is told to reshape), is empty, or has not D columns.
    TypeError
        X holds strings, objects or complex numbers.
    """
    try:
        A = np.asarray(X)
    except (ValueError, TypeError) as e:  # ragged nested lists
        raise ValueError(f"{name} must be a 2-D array (N, D): {e}") from None
    _kind_check(A, name)
    if A.ndim == 1:
        raise ValueError(
            f"{name} must be 2-D (N, D), got shape {A.shape}: reshape your data, "
            f"{name}.reshape(1, -1) for one sample or {name}.reshape(-1, 1) for one feature")
    if A.ndim != 2:
        raise ValueError(f"{name} must be 2-D (N, D), got {A.ndim}-D shape {A.shape}")
    if A.shape[0] == 0 or A.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {A.shape}): it needs at least one row and "
                         f"one column")
    if D is not None and A.shape[1] != D:
        raise ValueError(f"{name} has {A.shape[1]} features per row, but the model expects "
                         f"{D}: shape (N, {D})")
    if dtype is not None:
        A = np.ascontiguousarray(A, dtype=dtype)
    return A


def as_labels(y: Any, N: int, C: int | None = None, name: str = "y") -> np.ndarray:
    """y as integer labels of shape (N,), each in 0..C-1 when C is given."""
    A = np.asarray(y)
    if A.ndim == 2 and A.shape[1] == 1:
        raise ValueError(f"{name} must be 1-D of shape ({N},), got {A.shape}: "
                         f"use {name}.ravel()")
    if A.shape != (N,):
        raise ValueError(f"{name} must have shape ({N},) (one label per row of X), "
                         f"got {A.shape}")
    if A.dtype.kind == "b" or A.dtype.kind not in "iu":
        raise TypeError(f"{name}: labels must be integers 0..C-1, got dtype {A.dtype}"
                        + (": use y.astype(int) if they are whole numbers"
                           if A.dtype.kind == "f" else ""))
    if C is not None and N:
        lo, hi = int(A.min()), int(A.max())
        if lo < 0 or hi >= C:
            raise ValueError(f"{name}: labels must be in 0..{C - 1} for {C} classes, "
                             f"found {lo if lo < 0 else hi}")
    return A


def check_finite(X: np.ndarray, name: str = "X") -> None:
    """Raise ValueError when X holds NaN or infinity, naming the first bad row."""
    if not np.isfinite(X).all():
        bad = np.flatnonzero(~np.isfinite(X).all(axis=tuple(range(1, X.ndim))))
        raise ValueError(f"{name} contains NaN or infinity (first in row {int(bad[0])}): "
                         f"remove or impute those values")


def warn_if_raw_pixels(X: np.ndarray, name: str = "X", rows: int = 1000) -> None:
    """Warn when X looks like 0-255 pixels: integer values in [0, 255], some above 1.

    Only the first ``rows`` rows are looked at, so that the check costs nothing on 60,000 rows.
    """
    head = X[:rows]
    hi: float
    if head.dtype.kind in "biu":
        hi = int(head.max())
        looks_raw = hi > 1 and int(head.min()) >= 0 and hi <= 255
    else:
        with np.errstate(invalid="ignore"):
            hi = float(head.max())
            looks_raw = (1 < hi <= 255 and float(head.min()) >= 0
                         and bool(np.all(head == np.round(head))))
    if looks_raw:
        warnings.warn(f"{name} looks like raw 0-255 pixels (max {hi:g}): divide by 255 "
                      f"(X / 255.0) to train on values in [0, 1]", PixelScaleWarning,
                      stacklevel=3)


def check_lr(lr: Any, what: str = "the learning rate") -> float:
    """A positive finite float learning rate (warned above ``LR_WARN_ABOVE``)."""
    if isinstance(lr, (bool, np.bool_)) or not isinstance(lr, numbers.Real):
        raise TypeError(f"{what} must be a number or a callable step -> number, got "
                        f"{type(lr).__name__} {lr!r}"
                        + (": write lr=0.1, not lr='0.1'" if isinstance(lr, str) else ""))
    rate = float(lr)
    if not (rate > 0 and np.isfinite(rate)):
        raise ValueError(f"{what} must be positive and finite, got {lr}")
    if rate > LR_WARN_ABOVE:
        warnings.warn(f"{what} {rate:g} is far above the usual range (0.01 to a few units for "
                      f"inputs in [0, 1]): training will overshoot or diverge", UserWarning,
                      stacklevel=3)
    return rate
