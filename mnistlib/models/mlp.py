"""Multilayer perceptron with sigmoid or ReLU hidden layers and a softmax output.

Defined in the book chapter "Beyond linear" (``book/07_beyond_linear``).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .._checks import as_features, as_labels
from ..losses import log_softmax, softmax
from ._base import Classifier

__all__ = ["MLP", "Forward", "sigmoid", "relu"]


def sigmoid(A):
    """Logistic function ``1 / (1 + exp(-A))``, computed without overflow warnings."""
    A = np.asarray(A)
    out = np.empty_like(A)
    pos = A >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-A[pos]))
    e = np.exp(A[~pos])
    out[~pos] = e / (1.0 + e)
    return out


def relu(A):
    """Rectified linear unit ``max(A, 0)``."""
    return np.maximum(A, 0)


_ACTIVATIONS = {"sigmoid": sigmoid, "relu": relu}


class Forward:
    """Every layer's values for a batch, named as in Deep Learning from Scratch.

    ``a[l]`` is layer l's pre-activation ``z[l-1] W_l + b_l`` and ``z[l]`` its
    post-activation (hidden: the activation function; last layer: softmax), for
    l = 1..L; ``z[0]`` is the input. ``forward["a2"]`` reads the same as ``forward.a[2]``.
    """

    def __init__(self, X):
        self.a = [None]
        self.z = [X]

    def __getitem__(self, name):
        kind, layer = name[0], int(name[1:])
        if kind not in "az" or not 1 <= layer < len(self.z):
            raise KeyError(f"no layer {name!r}: use 'a1'..'a{len(self.z) - 1}' "
                           f"or 'z1'..'z{len(self.z) - 1}'")
        return (self.a if kind == "a" else self.z)[layer]

    @property
    def layer_names(self):
        L = len(self.z) - 1
        return [f"{k}{l}" for l in range(1, L + 1) for k in "az"]


class MLP(Classifier):
    """Fully connected network ``D -> H1 -> ... -> C`` trained by backpropagation.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``(D, H1, ..., C)``; ``(784, 50, 100, 10)`` is the network of the fourth source
        document (Deep Learning from Scratch, chapter 3).
    activation : {"sigmoid", "relu"}
        Hidden-layer activation.
    l2 : float
        L2 penalty on the weight matrices (not the biases).
    dtype : numpy float dtype
    seed : int, optional
        Initialisation seed: Glorot uniform (times 4 for sigmoid, as in the deeplearning.net
        MLP tutorial) or He normal for ReLU; biases 0. Also ``fit``'s shuffling seed.
    lr, batch_size, n_epochs, shuffle
        ``fit``'s recipe, the book's run of this network (chapter 7): learning rate 0.5,
        batches of 100, 10 shuffled epochs. ``partial_fit`` makes one such epoch.

    ``fit`` sizes the input and output layers from the data (D columns, C labels) and takes
    only the hidden sizes ``layer_sizes[1:-1]`` from here.

    Attributes
    ----------
    weights : list of ndarray, shapes (D, H1), (H1, H2), ..., (H_last, C)
    biases : list of ndarray, shapes (H1,), ..., (C,)
    classes_, n_features_in_, n_iter_
        As in scikit-learn (see ``SoftmaxRegression``).
    """

    def __init__(self, layer_sizes: Sequence[int] = (784, 50, 100, 10),
                 activation: str = "sigmoid", l2: float = 0.0, dtype: Any = np.float32,
                 seed: int | None = 0, *, lr: float = 0.5, batch_size: int = 100,
                 n_epochs: int = 10, shuffle: bool = True) -> None:
        # scikit-learn's rule: store the arguments as given; they are checked on first use.
        self.layer_sizes, self.activation, self.l2 = layer_sizes, activation, l2
        self.dtype, self.seed = dtype, seed
        self.lr, self.batch_size, self.n_epochs, self.shuffle = lr, batch_size, n_epochs, shuffle

    def _sizes(self) -> list[int]:
        try:
            sizes = [int(s) for s in self.layer_sizes]
        except (TypeError, ValueError):
            raise ValueError(f"layer_sizes must be a sequence of integers, got "
                             f"{self.layer_sizes!r}") from None
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"layer_sizes needs at least two positive sizes, got "
                             f"{self.layer_sizes}")
        return sizes

    def _default_sizes(self) -> tuple[int, int]:
        sizes = self._sizes()
        return sizes[0], sizes[-1]

    def _init_params(self, D: int, C: int) -> None:
        """Initialise a D -> hidden -> C network (hidden sizes from ``layer_sizes``)."""
        if self.activation not in _ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(_ACTIVATIONS)}, got "
                             f"{self.activation!r}")
        if not self.l2 >= 0:
            raise ValueError(f"l2 must be >= 0, got {self.l2}")
        sizes = [D, *self._sizes()[1:-1], C]
        dtype = self._np_dtype
        rng = np.random.default_rng(self.seed)
        params = []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            if self.activation == "relu":
                W = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))
            else:
                bound = 4 * np.sqrt(6.0 / (fan_in + fan_out))
                W = rng.uniform(-bound, bound, size=(fan_in, fan_out))
            params += [W.astype(dtype), np.zeros(fan_out, dtype=dtype)]
        self.__dict__["_params"] = params

    @property
    def _act(self) -> Any:
        return _ACTIVATIONS[self.activation]

    @property
    def weights(self) -> list[np.ndarray]:
        """Weight matrices, shapes (D, H1), ..., (H_last, C) (the arrays, not copies)."""
        return self._ensure_params()[0::2]

    @weights.setter
    def weights(self, value: Sequence[Any]) -> None:
        params = self._ensure_params()
        if len(value) != len(params) // 2:
            raise ValueError(f"need {len(params) // 2} weight matrices, got {len(value)}")
        params[0::2] = [np.array(W, dtype=self._np_dtype) for W in value]

    @property
    def biases(self) -> list[np.ndarray]:
        """Bias vectors, shapes (H1,), ..., (C,)."""
        return self._ensure_params()[1::2]

    @biases.setter
    def biases(self, value: Sequence[Any]) -> None:
        params = self._ensure_params()
        if len(value) != len(params) // 2:
            raise ValueError(f"need {len(params) // 2} bias vectors, got {len(value)}")
        params[1::2] = [np.array(b, dtype=self._np_dtype) for b in value]

    @classmethod
    def from_weights(cls, weights: Sequence[Any], biases: Sequence[Any],
                     activation: str = "sigmoid", dtype: Any = None) -> "MLP":
        """A network with given parameters, e.g. one trained elsewhere.

        Parameters
        ----------
        weights : list of ndarray, shapes (D, H1), ..., (H_last, C)
        biases : list of ndarray, shapes (H1,), ..., (C,)
        activation : {"sigmoid", "relu"}
        dtype : numpy float dtype, optional
            Default: the dtype of ``weights[0]``.
        """
        if len(weights) != len(biases) or not weights:
            raise ValueError("need as many bias vectors as weight matrices (at least one)")
        weights = [np.asarray(W) for W in weights]
        biases = [np.asarray(b) for b in biases]
        for l, (W, b) in enumerate(zip(weights, biases), start=1):
            if W.ndim != 2 or b.shape != (W.shape[1],):
                raise ValueError(f"layer {l}: W of shape {W.shape} needs b of shape ({W.shape[1]},), "
                                 f"got {b.shape}")
            if l > 1 and W.shape[0] != weights[l - 2].shape[1]:
                raise ValueError(f"layer {l}: W has {W.shape[0]} rows but layer {l - 1} "
                                 f"has {weights[l - 2].shape[1]} outputs")
        dtype = np.dtype(dtype or weights[0].dtype)
        sizes = tuple([weights[0].shape[0]] + [W.shape[1] for W in weights])
        net = cls(sizes, activation=activation, dtype=dtype)
        params = []
        for W, b in zip(weights, biases):
            params += [np.array(W, dtype=dtype), np.array(b, dtype=dtype)]
        net.__dict__["_params"] = params
        return net

    # Parameters as one flat list [W1, b1, W2, b2, ...] for the shared training code.
    @property
    def param_names(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(f"{k}{l}" for l in range(1, len(self.weights) + 1) for k in "Wb")

    def _config(self) -> dict:
        sizes = [self.weights[0].shape[0]] + [W.shape[1] for W in self.weights]
        return dict(layer_sizes=sizes, activation=self.activation, l2=self.l2,
                    dtype=self._np_dtype.name, seed=self.seed)

    def forward(self, X: Any) -> Forward:
        """All layers' pre- and post-activations for a batch.

        Parameters
        ----------
        X : ndarray of shape (N, D)

        Returns
        -------
        Forward
            ``a[l]`` of shape (N, H_l) and ``z[l]`` of shape (N, H_l); ``z[L]`` is the
            softmax output of shape (N, C).
        """
        X = as_features(X, D=self.weights[0].shape[0])
        f = Forward(X)
        L = len(self.weights)
        for l, (W, b) in enumerate(zip(self.weights, self.biases), start=1):
            A = f.z[-1] @ W + b
            f.a.append(A)
            f.z.append(softmax(A) if l == L else self._act(A))
        return f

    def logits(self, X: Any) -> np.ndarray:
        """Output-layer pre-activations, ndarray of shape (N, C)."""
        h = as_features(X, D=self.weights[0].shape[0])
        for W, b in zip(self.weights[:-1], self.biases[:-1]):
            h = self._act(h @ W + b)
        return h @ self.weights[-1] + self.biases[-1]

    def _activation_grad(self, A, Z):
        """Derivative of the hidden activation at pre-activation A (Z = activation(A))."""
        if self.activation == "sigmoid":
            return Z * (1 - Z)
        return (A > 0).astype(Z.dtype)

    def _times_activation_grad(self, G, A, Z):
        """``G *= activation'(A)`` in place, without building the derivative for ReLU."""
        if self.activation == "sigmoid":
            G *= Z * (1 - Z)
        else:
            G[A <= 0] = 0

    def backward(self, f, G_out, input_grad=True):
        """Backpropagate an upstream gradient with respect to the output logits.

        Parameters
        ----------
        f : Forward
            The batch's forward pass.
        G_out : ndarray of shape (N, C)
            dE/da[L] for every row (overwritten).
        input_grad : bool
            Also return dE/dX (training does not need it: one product less per step).

        Returns
        -------
        grads : list ``[dW1, db1, dW2, db2, ...]``
        G_in : ndarray of shape (N, D), or None without ``input_grad``
            dE/dX.
        """
        L = len(self.weights)
        grads = [None] * (2 * L)
        G = G_out
        for l in range(L, 0, -1):
            grads[2 * l - 2] = f.z[l - 1].T @ G
            grads[2 * l - 1] = G.sum(axis=0)
            if l == 1 and not input_grad:
                return grads, None
            G = G @ self.weights[l - 1].T
            if l > 1:
                self._times_activation_grad(G, f.a[l - 1], f.z[l - 1])
        return grads, G

    def _data_grads(self, X, y):
        """Mean cross-entropy and its gradient, without the penalty."""
        f = self.forward(X)
        N = X.shape[0]
        rows = np.arange(N)
        loss = float(-log_softmax(f.a[-1])[rows, y].mean())
        G = f.z[-1]  # the softmax output, not needed after this: overwritten with (P - T) / N
        G[rows, y] -= 1
        G /= N
        grads, _ = self.backward(f, G, input_grad=False)
        return loss, grads

    def loss_and_grad(self, X: Any, y: Any) -> tuple[float, list[np.ndarray]]:
        """Mean cross-entropy (+ L2 term) and its gradient by backpropagation.

        Returns
        -------
        loss : float
        grads : list ``[dW1 (D, H1), db1 (H1,), ...]``
        """
        X = as_features(X, D=self.weights[0].shape[0])
        y = as_labels(y, X.shape[0], self.biases[-1].shape[0])
        loss, grads = self._data_grads(X, y)
        if self.l2:
            for l, W in enumerate(self.weights):
                loss += 0.5 * self.l2 * float(np.sum(W * W))
                grads[2 * l] += self.l2 * W
        return loss, grads

    def sgd_step(self, X: Any, y: Any, lr: float) -> float:
        """One minibatch SGD step (L2 as weight decay); returns the mean cross-entropy before it.

        The returned loss leaves out the L2 term, as ``SoftmaxRegression.sgd_step`` does.
        """
        loss, grads = self._data_grads(X, y)
        dtype = self.weights[0].dtype
        rate = dtype.type(lr)
        for l, (W, b) in enumerate(zip(self.weights, self.biases)):
            if self.l2:
                W *= dtype.type(1.0 - lr * self.l2)
            gW, gb = grads[2 * l], grads[2 * l + 1]
            gW *= rate
            gb *= rate
            W -= gW
            b -= gb
        return loss
