"""Multinomial logistic (softmax) regression trained by minibatch SGD.

Defined in the book chapters "Softmax regression and its likelihood" (``book/02_softmax``),
"What the weights look like" (``book/05_weights``, L2) and "Sparsity with L1" (``book/06_sparsity``).

``sgd_step`` is ``loss_and_grad`` plus an update, fused for speed (its tests check that it is
the same step): the transposed scores are turned into ``(P - T)^T`` in place, W is stored
column-major so that both products read ``W^T`` contiguously, and they run in row blocks.
"""

import numpy as np

from ..losses import softmax_loss_and_grad
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
        D, the number of inputs (784 for MNIST).
    n_classes : int
        C, the number of classes.
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
        Seed for ``init="normal"``.

    Attributes
    ----------
    W : ndarray of shape (D, C)
    b : ndarray of shape (C,)
    """

    param_names = ("W", "b")

    def __init__(self, n_features=784, n_classes=10, l2=0.0, l1=0.0, dtype=np.float32,
                 init="zeros", seed=None):
        if l1 < 0 or l2 < 0:
            raise ValueError(f"penalties must be >= 0, got l1={l1}, l2={l2}")
        if init not in ("zeros", "normal"):
            raise ValueError(f"init must be 'zeros' or 'normal', got {init!r}")
        self.n_features, self.n_classes = int(n_features), int(n_classes)
        self.l1, self.l2 = float(l1), float(l2)
        self.dtype = np.dtype(dtype)
        self.init, self.seed = init, seed
        # Column-major (D, C): W.T is then a contiguous (C, D) array, the layout in which
        # BLAS computes both products of an SGD step fastest.
        self.W = np.zeros((self.n_features, self.n_classes), dtype=self.dtype, order="F")
        self.b = np.zeros(self.n_classes, dtype=self.dtype)
        if init == "normal":
            rng = np.random.default_rng(seed)
            self.W[...] = rng.normal(0.0, 0.01, size=self.W.shape)

    def _config(self):
        return dict(n_features=self.n_features, n_classes=self.n_classes, l2=self.l2,
                    l1=self.l1, dtype=self.dtype.name, init=self.init, seed=self.seed)

    def logits(self, X):
        """Scores ``X W + b``: X of shape (N, D) -> ndarray of shape (N, C)."""
        return X @ self.W + self.b

    def loss_and_grad(self, X, y):
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

    def sgd_step(self, X, y, lr):
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
        X = np.asarray(X, dtype=self.dtype)
        N = X.shape[0]
        W_T = self.W.T  # (C, D); contiguous when W is stored column-major, as __init__ does
        # Scores transposed, Z = (X W + b)^T of shape (C, N): the per-sample max and sum then
        # run along rows of length N instead of over N short rows of length C.
        Z = np.empty((self.n_classes, N), dtype=self.dtype)
        for lo in range(0, N, BLOCK_ROWS):
            np.matmul(W_T, X[lo:lo + BLOCK_ROWS].T, out=Z[:, lo:lo + BLOCK_ROWS])
        Z += self.b[:, None]
        Z -= Z.max(axis=0)
        true_class = y * N + np.arange(N)  # flat positions of Z[y_n, n]
        shifted_true = Z.reshape(-1)[true_class]
        np.exp(Z, out=Z)
        S = Z.sum(axis=0)
        Z /= S
        # Mean NLL from the shifted scores: -log P[n, y_n] = log S_n - shifted[y_n, n].
        cost = float(np.log(S).sum() - shifted_true.sum()) / N
        Z.reshape(-1)[true_class] -= 1  # (P - T)^T
        Z *= self.dtype.type(lr / N)
        if self.l2:
            self.W *= self.dtype.type(1.0 - lr * self.l2)
        step_T = np.empty_like(W_T, order="C")
        for lo in range(0, N, BLOCK_ROWS):
            np.matmul(Z[:, lo:lo + BLOCK_ROWS], X[lo:lo + BLOCK_ROWS], out=step_T)
            W_T -= step_T
        self.b -= Z.sum(axis=1)
        if self.l1:
            self._soft_threshold(lr * self.l1)
        return cost

    def _soft_threshold(self, t):
        """Proximal step of ``t ||W||_1``: shrink every weight towards 0 by t, clip at 0."""
        W = self.W
        np.copysign(np.maximum(np.abs(W) - self.dtype.type(t), 0, dtype=self.dtype), W, out=W)

    def sparsity(self):
        """Fraction of weights (entries of W) that are exactly zero, in [0, 1]."""
        return float(np.mean(self.W == 0))
