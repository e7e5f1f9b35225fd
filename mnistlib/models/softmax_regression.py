"""Multinomial logistic (softmax) regression trained by minibatch SGD.

Defined in the book chapters "Softmax regression and its likelihood" (``book/02_softmax``),
"What the weights look like" (``book/05_weights``, L2) and "Sparsity with L1" (``book/06_sparsity``).

``sgd_step`` is ``loss_and_grad`` plus an update, fused for speed (its tests check that it is
the same step): the transposed scores are turned into ``(P - T)^T`` in place, W is stored
column-major so that both products read ``W^T`` contiguously, and they run in row blocks.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..losses import softmax_loss_and_grad
from .._checks import as_features
from ._base import Classifier

__all__ = ["SoftmaxRegression"]

# ``sgd_step`` multiplies in blocks of this many rows: on (64, 784) x (784, 10) products BLAS
# runs about twice as fast per row as on (256, 784) ones, which fall out of the fastest cache
# (see ``benchmarks/roofline.py``).
BLOCK_ROWS = 64


class SoftmaxRegression(Classifier):
    """Linear scores ``X W + b`` turned into probabilities by softmax.

    Parameters
    ----------
    n_features : int
        D, the number of inputs (784 for MNIST), for the teaching API: the shape of ``W``
        before any data is seen. ``fit`` and the first ``partial_fit`` take D from X.
    n_classes : int
        C, the number of classes, likewise (``fit`` takes C from the labels).
    l2 : float
        L2 penalty ``l2/2 ||W||^2`` added to the mean cross-entropy (bias not penalised).
    l1 : float
        L1 penalty ``l1 ||W||_1``, applied after each gradient step by soft-thresholding
        (the proximal step), which sets small weights exactly to zero.
    dtype : numpy float dtype
        float32 (default, fast) or float64.
    init : {"zeros", "normal"}
        Zeros as in all the source documents; "normal" draws N(0, 0.01^2) with ``seed``.
    seed : int, optional
        Seed for ``init="normal"`` and for ``fit``'s shuffling.
    lr, batch_size, n_epochs, shuffle
        ``fit``'s recipe, the book's minibatch SGD run (chapter 3): learning rate 0.5,
        batches of 100, 3 shuffled epochs (about 92 % test accuracy on MNIST in a fraction
        of a second). ``partial_fit`` makes one such epoch.

    Attributes
    ----------
    W : ndarray of shape (D, C)
        The teaching attribute; ``coef_`` is its transpose (a view).
    b : ndarray of shape (C,)
        ``intercept_`` is the same array.
    coef_ : ndarray of shape (C, D)
    intercept_ : ndarray of shape (C,)
    classes_ : ndarray of shape (C,)
        The labels (``0..C-1`` unless ``fit`` saw others).
    n_features_in_ : int
    n_iter_ : int
        Epochs run by ``fit`` (or passes made by ``partial_fit``).
    """

    param_names = ("W", "b")

    def __init__(self, n_features: int = 784, n_classes: int = 10, l2: float = 0.0,
                 l1: float = 0.0, dtype: Any = np.float32, init: str = "zeros",
                 seed: int | None = 0, *, lr: float = 0.5, batch_size: int = 100,
                 n_epochs: int = 3, shuffle: bool = True) -> None:
        # scikit-learn's rule: store the arguments as given; they are checked on first use.
        self.n_features, self.n_classes = n_features, n_classes
        self.l2, self.l1, self.dtype = l2, l1, dtype
        self.init, self.seed = init, seed
        self.lr, self.batch_size, self.n_epochs, self.shuffle = lr, batch_size, n_epochs, shuffle

    def _default_sizes(self) -> tuple[int, int]:
        return _count(self.n_features, "n_features"), _count(self.n_classes, "n_classes")

    def _init_params(self, D: int, C: int) -> None:
        """Zeros (or N(0, 0.01^2)) of shape (D, C) and (C,), after checking the settings."""
        if not (self.l1 >= 0 and self.l2 >= 0):
            raise ValueError(f"penalties must be >= 0, got l1={self.l1}, l2={self.l2}")
        if self.init not in ("zeros", "normal"):
            raise ValueError(f"init must be 'zeros' or 'normal', got {self.init!r}")
        dtype = self._np_dtype
        # Column-major (D, C): W.T is then a contiguous (C, D) array, the layout in which
        # BLAS computes both products of an SGD step fastest.
        W = np.zeros((D, C), dtype=dtype, order="F")
        b = np.zeros(C, dtype=dtype)
        if self.init == "normal":
            rng = np.random.default_rng(self.seed)
            W[...] = rng.normal(0.0, 0.01, size=W.shape)
        self.__dict__["_params"] = [W, b]

    @property
    def W(self) -> np.ndarray:
        """Weights, ndarray of shape (D, C), column-major."""
        return self._ensure_params()[0]

    @W.setter
    def W(self, value: Any) -> None:
        self._ensure_params()[0][...] = value

    @property
    def b(self) -> np.ndarray:
        """Biases, ndarray of shape (C,)."""
        return self._ensure_params()[1]

    @b.setter
    def b(self, value: Any) -> None:
        self._ensure_params()[1][...] = value

    @property
    def coef_(self) -> np.ndarray:
        """scikit-learn's view of ``W``: shape (C, D), the same memory."""
        if not self._has_params():
            raise AttributeError("coef_: the model is not fitted yet (call fit)")
        return self.W.T

    @property
    def intercept_(self) -> np.ndarray:
        """scikit-learn's name for ``b``, shape (C,), the same array."""
        if not self._has_params():
            raise AttributeError("intercept_: the model is not fitted yet (call fit)")
        return self.b

    def _config(self) -> dict:
        D, C = self.W.shape
        return dict(n_features=D, n_classes=C, l2=self.l2, l1=self.l1,
                    dtype=self._np_dtype.name, init=self.init, seed=self.seed)

    def logits(self, X: Any) -> np.ndarray:
        """Scores ``X W + b``: X of shape (N, D) -> ndarray of shape (N, C)."""
        W, b = self._ensure_params()
        X = as_features(X, D=W.shape[0])
        return X @ W + b

    def loss_and_grad(self, X: Any, y: Any) -> tuple[float, list[np.ndarray]]:
        """Penalised mean cross-entropy and its gradient.

        The L2 term is included; the L1 term is not differentiable and is handled by the
        proximal step in ``sgd_step`` instead (but it is added to the returned loss).

        Returns
        -------
        loss : float
        grads : list ``[dW (D, C), db (C,)]``
        """
        loss, dW, db = softmax_loss_and_grad(self.W, self.b, X, y, self.l2)
        if self.l1:
            loss += self.l1 * float(np.abs(self.W).sum())
        return loss, [dW, db]

    def sgd_step(self, X: Any, y: Any, lr: float) -> float:
        """One minibatch step: gradient step on the smooth part, then the L1 proximal step.

        The same update as ``W -= lr * dW`` with ``loss_and_grad``'s gradient, computed
        without temporaries: see the module docstring for why it is laid out this way.

        Parameters
        ----------
        X : ndarray of shape (N, D), the model's dtype
        y : ndarray of shape (N,)
        lr : float

        Returns
        -------
        float
            The minibatch's mean cross-entropy before the step (without penalties).
        """
        W, b = self._ensure_params()
        dtype = W.dtype
        X = np.asarray(X, dtype=dtype)
        N = X.shape[0]
        C = b.shape[0]
        W_T = W.T  # (C, D); contiguous when W is stored column-major, as __init__ does
        # Scores transposed, Z = (X W + b)^T of shape (C, N): the per-sample max and sum then
        # run along rows of length N instead of over N short rows of length C.
        Z = np.empty((C, N), dtype=dtype)
        for lo in range(0, N, BLOCK_ROWS):
            np.matmul(W_T, X[lo:lo + BLOCK_ROWS].T, out=Z[:, lo:lo + BLOCK_ROWS])
        Z += b[:, None]
        Z -= Z.max(axis=0)
        true_class = y * N + np.arange(N)  # flat positions of Z[y_n, n]
        shifted_true = Z.reshape(-1)[true_class]
        np.exp(Z, out=Z)
        S = Z.sum(axis=0)
        Z /= S
        # Mean NLL from the shifted scores: -log P[n, y_n] = log S_n - shifted[y_n, n].
        cost = float(np.log(S).sum() - shifted_true.sum()) / N
        Z.reshape(-1)[true_class] -= 1  # (P - T)^T
        Z *= dtype.type(lr / N)
        if self.l2:
            W *= dtype.type(1.0 - lr * self.l2)
        step_T = np.empty_like(W_T, order="C")
        for lo in range(0, N, BLOCK_ROWS):
            np.matmul(Z[:, lo:lo + BLOCK_ROWS], X[lo:lo + BLOCK_ROWS], out=step_T)
            W_T -= step_T
        b -= Z.sum(axis=1)
        if self.l1:
            self._soft_threshold(lr * self.l1)
        return cost

    def _soft_threshold(self, t: float) -> None:
        """Proximal step of ``t ||W||_1``: shrink every weight towards 0 by t,
        clip at 0."""
        W = self.W
        shrunk = np.maximum(np.abs(W) - W.dtype.type(t), 0, dtype=W.dtype)
        np.copysign(shrunk, W, out=W)

    def sparsity(self) -> float:
        """Fraction of weights (entries of W) that are exactly zero, in [0, 1]."""
        return float(np.mean(self.W == 0))


def _count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)
