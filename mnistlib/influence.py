"""Per-pixel influence images: what each node of a network responds to, pixel by pixel.

The fourth source document's method: feed the all-zero image and, one at a time, images
with a single lit pixel; a node's response to pixel p is its value on the single-pixel
image minus its value on the all-zero image. One 28x28 map per node. Beside it, the exact
gradient of the node with respect to the input.

For an affine function of the input (the linear model's scores, the first layer's
pre-activations ``a1``) the single-pixel responses add up exactly to the response to any
image; after a non-linearity (already ``z1 = sigmoid(a1)``) they do not.
``additivity_gap`` measures by how much, ``additivity_table`` for every layer at once.

Layer names are those of `mnistlib.MLP.forward` (and of Deep Learning from Scratch):
``a<l>`` is layer l's pre-activation, ``z<l>`` its activation (softmax for the last).

Defined in the book chapter "Beyond linear" (``book/07_beyond_linear``).
"""

from dataclasses import dataclass

import numpy as np

from .models import MLP, SoftmaxRegression

__all__ = ["layer_values", "pixel_influence", "image_influence", "gradient_maps",
           "additivity_gap", "additivity_table", "LayerAdditivity", "never_lit_pixels"]


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


def _check_shape(net, image_shape):
    D = net.layer_sizes[0]
    if int(np.prod(image_shape)) != D:
        raise ValueError(f"image_shape {image_shape} does not hold the model's {D} inputs")
    return D


def image_influence(model, layer, x, image_shape=(28, 28)):
    """Each node's response to the pixels of one image, one pixel at a time.

    Pixel p of the map is ``node(x_p e_p) - node(0)``: the image that keeps pixel p at its
    value in ``x`` and is black elsewhere, against the all-zero image. Pixels that are 0 in
    ``x`` get 0. The fourth source document draws these maps for digits ("hollowed out in
    the shape of the digit"); for the all-white image they are the single-pixel maps.

    Parameters
    ----------
    model : SoftmaxRegression or MLP
    layer : str
        As in ``layer_values``.
    x : ndarray of shape (D,)
        The image.
    image_shape : tuple of int
        ``(H, W)`` with ``H * W = D``.

    Returns
    -------
    maps : ndarray of shape (K, H, W)
        One map per node of the layer (K nodes).
    """
    net = _as_mlp(model)
    D = _check_shape(net, image_shape)
    x = np.asarray(x, dtype=net.dtype)
    if x.shape != (D,):
        raise ValueError(f"x must be one image of shape ({D},), got {x.shape}")
    lit = np.flatnonzero(x)
    probes = np.zeros((lit.size + 1, D), dtype=net.dtype)  # row 0: the all-zero baseline
    probes[np.arange(1, lit.size + 1), lit] = x[lit]
    values = net.forward(probes)[layer]
    response = np.zeros((D, values.shape[1]), dtype=values.dtype)
    response[lit] = values[1:] - values[0]  # (D, K); unlit pixels stay exactly 0
    return response.T.reshape((-1,) + tuple(image_shape))


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
    D = _check_shape(net, image_shape)
    return image_influence(net, layer, np.full(D, value, dtype=net.dtype), image_shape)


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
    return _gap_and_scale(_as_mlp(model), layer, X)[0]


def _gap_and_scale(net, layer, X):
    """(largest additivity gap, largest response to a whole image) over X and the nodes."""
    X = np.asarray(X, dtype=net.dtype)
    N, D = X.shape
    zero = net.forward(np.zeros((1, D), dtype=net.dtype))[layer][0]
    whole = net.forward(X)[layer] - zero
    gap = 0.0
    for n in range(N):
        summed = image_influence(net, layer, X[n], image_shape=(D,)).sum(axis=1)
        gap = max(gap, float(np.max(np.abs(summed - whole[n]))))
    return gap, float(np.max(np.abs(whole)))


@dataclass(frozen=True)
class LayerAdditivity:
    """Whether one layer's single-pixel responses add up to its response to images.

    Attributes
    ----------
    layer : str
        ``"a1"``, ``"z1"``, ...
    n_nodes : int
    gap : float
        Largest ``|node(x) - node(0) - sum_p [node(x_p e_p) - node(0)]|`` over the images
        and the nodes.
    scale : float
        Largest ``|node(x) - node(0)|``: the size of what the maps are meant to explain.
    exact : bool
        ``gap <= rtol * scale``: additive up to rounding.
    """

    layer: str
    n_nodes: int
    gap: float
    scale: float
    exact: bool

    @property
    def relative(self):
        """``gap / scale`` (0 when the layer does not respond at all)."""
        return self.gap / self.scale if self.scale else 0.0


def additivity_table(model, X, layers=None, dtype=np.float64, rtol=None):
    """``additivity_gap`` and the response size for every layer, with a verdict.

    Parameters
    ----------
    model : SoftmaxRegression or MLP
    X : ndarray of shape (N, D)
        Images (a few dozen are plenty: each costs one forward pass of D probes).
    layers : sequence of str, optional
        Default every layer, ``a1, z1, a2, z2, ...``.
    dtype : numpy float dtype
        Arithmetic of the check; float64 (default) separates rounding from non-additivity
        by many orders of magnitude.
    rtol : float, optional
        Relative tolerance of "exact"; default ``1e4`` times the machine epsilon of dtype.

    Returns
    -------
    list of LayerAdditivity
        In the order of ``layers``.
    """
    net = _as_mlp(model)
    dtype = np.dtype(dtype)
    net = MLP.from_weights([W.astype(dtype) for W in net.weights],
                           [b.astype(dtype) for b in net.biases],
                           activation=net.activation, dtype=dtype)
    rtol = 1e4 * np.finfo(dtype).eps if rtol is None else float(rtol)
    if layers is None:
        layers = [f"{k}{l}" for l in range(1, len(net.weights) + 1) for k in "az"]
    rows = []
    for layer in layers:
        gap, scale = _gap_and_scale(net, layer, X)
        rows.append(LayerAdditivity(layer=layer, n_nodes=net.forward(X[:1])[layer].shape[1],
                                    gap=gap, scale=scale, exact=gap <= rtol * scale))
    return rows


def never_lit_pixels(X):
    """Pixels that are 0 in every image.

    A first-layer weight row of such a pixel gets zero gradient (``dE/dW1 = X^T G`` has a
    zero row there), so training never changes it: it keeps its initial value.

    Parameters
    ----------
    X : ndarray of shape (N, D)

    Returns
    -------
    ndarray of shape (D,), bool
    """
    return ~np.any(np.asarray(X) != 0, axis=0)
