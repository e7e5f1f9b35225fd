"""Per-pixel influence images: what each node of a network responds to, pixel by pixel.

The fourth source document's method: feed the all-zero image and, one at a time, images
with a single lit pixel; a node's response to pixel p is its value on the single-pixel
image minus its value on the all-zero image. One 28x28 map per node. Beside it, the exact
gradient of the node with respect to the input.

For an affine function of the input (the linear model's scores, the first layer's
pre-activations) the single-pixel responses add up exactly to the response to any image;
after a non-linearity they do not. ``additivity_gap`` measures by how much.

Defined in the book chapter "Beyond linear" (``book/07_beyond_linear``).
"""

import numpy as np

from .models import MLP, SoftmaxRegression

__all__ = ["layer_values", "pixel_influence", "gradient_maps", "additivity_gap"]


def _as_mlp(model):
    """View a SoftmaxRegression as a one-layer MLP (same numbers, one code path)."""
    if isinstance(model, SoftmaxRegression):
        return MLP.from_weights([model.W], [model.b], dtype=model.dtype)
    if isinstance(model, MLP):
        return model
    raise TypeError(f"expected a SoftmaxRegression or an MLP, got {type(model).__name__}")


def layer_values(model, X, layer):
    """The values of one layer's nodes.

    Parameters
    ----------
    model : SoftmaxRegression or MLP
    X : ndarray of shape (N, D)
    layer : str
        ``"a<l>"`` (pre-activation) or ``"z<l>"`` (post-activation) of layer l, counted
        from 1; for SoftmaxRegression ``"a1"`` are the scores and ``"z1"`` the probabilities.

    Returns
    -------
    ndarray of shape (N, K)
        K nodes in that layer.
    """
    return _as_mlp(model).forward(X)[layer]


def pixel_influence(model, layer, value=1.0, image_shape=(28, 28)):
    """Each node's response to single-pixel images, relative to the all-zero image.

    Parameters
    ----------
    model : SoftmaxRegression or MLP
    layer : str
        As in ``layer_values``.
    value : float
        Intensity of the lit pixel (1.0 = white on MNIST's [0, 1] scale).
    image_shape : tuple of int
        ``(H, W)`` with ``H * W = D``.

    Returns
    -------
    maps : ndarray of shape (K, H, W)
        ``maps[k].ravel()[p] = node_k(value * e_p) - node_k(0)``.
    """
    net = _as_mlp(model)
    D = net.layer_sizes[0]
    if int(np.prod(image_shape)) != D:
        raise ValueError(f"image_shape {image_shape} does not hold the model's {D} inputs")
    probes = np.zeros((D + 1, D), dtype=net.dtype)  # row 0: the all-zero baseline
    probes[np.arange(1, D + 1), np.arange(D)] = value
    values = net.forward(probes)[layer]
    response = values[1:] - values[0]  # (D, K)
    return response.T.reshape((-1,) + tuple(image_shape))


def gradient_maps(model, layer, x0=None, image_shape=(28, 28)):
    """Exact gradient of every node of a layer with respect to the input pixels.

    Parameters
    ----------
    model : SoftmaxRegression or MLP
    layer : str
        As in ``layer_values``.
    x0 : ndarray of shape (D,), optional
        Input at which the gradient is taken; default the all-zero image (where the
        single-pixel maps are taken too).
    image_shape : tuple of int

    Returns
    -------
    maps : ndarray of shape (K, H, W)
        ``maps[k].ravel()[p] = d node_k / d x_p`` at ``x0``.
    """
    net = _as_mlp(model)
    D = net.layer_sizes[0]
    x0 = np.zeros(D, dtype=net.dtype) if x0 is None else np.asarray(x0, dtype=net.dtype)
    kind, l = layer[0], int(layer[1:])
    L = len(net.weights)
    if kind not in "az" or not 1 <= l <= L:
        raise ValueError(f"no layer {layer!r}: use 'a1'..'a{L}' or 'z1'..'z{L}'")
    K = net.layer_sizes[l]
    # Backpropagate the identity through the first l layers: one row per node.
    f = net.forward(np.repeat(x0[None, :], K, axis=0))
    G = np.eye(K, dtype=net.dtype)
    if kind == "z":
        Z = f.z[l]
        if l == L:  # softmax Jacobian: dz_k/da_j = z_k (delta_kj - z_j)
            z = Z[0]
            G = z[:, None] * (np.eye(K, dtype=net.dtype) - z[None, :])
        else:
            G = G * net._activation_grad(f.a[l], Z)
    for m in range(l, 0, -1):
        G = G @ net.weights[m - 1].T
        if m > 1:
            G = G * net._activation_grad(f.a[m - 1], f.z[m - 1])
    return G.reshape((K,) + tuple(image_shape))


def additivity_gap(model, layer, X):
    """How far the sum of single-pixel responses is from the response to whole images.

    For an image x, compares ``node(x) - node(0)`` with ``sum_p [node(x_p e_p) - node(0)]``.
    Zero (to rounding) for affine layers; non-zero after a non-linearity.

    Parameters
    ----------
    model : SoftmaxRegression or MLP
    layer : str
    X : ndarray of shape (N, D)
        Images.

    Returns
    -------
    float
        Largest absolute difference over images and nodes.
    """
    net = _as_mlp(model)
    X = np.asarray(X, dtype=net.dtype)
    N, D = X.shape
    zero = net.forward(np.zeros((1, D), dtype=net.dtype))[layer][0]
    whole = net.forward(X)[layer] - zero
    gap = 0.0
    for n in range(N):
        probes = np.diag(X[n])  # row p holds pixel p alone, at its value in the image
        summed = (net.forward(probes)[layer] - zero).sum(axis=0)
        gap = max(gap, float(np.max(np.abs(summed - whole[n]))))
    return gap
