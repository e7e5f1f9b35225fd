"""The fourth source document: every node of Deep Learning from Scratch's network, imaged.

The article takes the pretrained 784-50-100-10 sigmoid network of "Deep Learning from
Scratch" (chapter 3, ``sample_weight.pkl``; accuracy 0.9352 on the 10,000 test images,
pixels divided by 255) and images each node pixel by pixel: the all-zero image is the
baseline, then one pixel at a time is set to 1, and each node's change from the baseline
is drawn on the 28 x 28 grid, for ``z1`` (50 nodes), ``z2`` (100) and ``a3`` (10), with
grey for 0 and lighter for positive. It also shows the all-white image with its softmax
probabilities.

The weights ship with mnistlib (``dlfs_sample_weight.npz``, MIT licence, "Copyright (c)
2016 Koki Saitoh", see ``LICENSE-dlfs-weights.txt`` beside it) and are verified on load.
Layer names are the article's and `mnistlib.MLP.forward`'s: ``a<l>`` pre-activation,
``z<l>`` activation.

Shown in chapter 7, :doc:`/book/07_beyond_linear`, and chapter 8,
:doc:`/book/08_classics`.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ..data import load_mnist
from ..influence import pixel_influence
from ..models import MLP
from .published import SOURCES

__all__ = ["WEIGHTS_FILE", "WEIGHTS_SHA256", "ARRAYS", "ARTICLE_LAYERS", "WeightsFileError",
           "weights_path", "load_weights", "dlfs_network", "DLFSArticleRun", "Comparison",
           "reproduce", "compare", "draw_node_maps"]

#: The shipped weights, in this package's folder.
WEIGHTS_FILE = "dlfs_sample_weight.npz"
#: SHA-256 of the shipped file's bytes.
WEIGHTS_SHA256 = "bc3cfd4a0205bf2e83501b8a5128bf73389c98793f22c87a6c2f5e7e3c82ddaa"
#: Name -> (shape, dtype) of every array in the file.
ARRAYS = {
    "W1": ((784, 50), "float32"), "b1": ((50,), "float32"),
    "W2": ((50, 100), "float32"), "b2": ((100,), "float32"),
    "W3": ((100, 10), "float32"), "b3": ((10,), "float32"),
}
#: The layers the article images (its names): first and second hidden activations, and
#: the output scores before softmax.
ARTICLE_LAYERS = ("z1", "z2", "a3")
#: Test images the article's accuracy is measured on.
N_TEST = 10_000

_FIX = ("reinstall mnistlib (pip install --force-reinstall mnistlib) or restore the file "
        "from the project's repository")


class WeightsFileError(ValueError):
    """The weights file is damaged, truncated or not the article's."""


def weights_path() -> Path:
    """Where the shipped weights are (beside this module)."""
    return Path(__file__).with_name(WEIGHTS_FILE)


def load_weights(path: str | os.PathLike | None = None) -> dict[str, np.ndarray]:
    """Read the article's weights, verified.

    Parameters
    ----------
    path : str or path-like, optional
        Default: the file shipped with mnistlib, ``weights_path()``.

    Returns
    -------
    dict of str to ndarray
        ``W1`` (784, 50), ``b1`` (50,), ``W2`` (50, 100), ``b2`` (100,), ``W3`` (100, 10),
        ``b3`` (10,), all float32.

    Raises
    ------
    FileNotFoundError
        The file is missing (the message names it and what to do).
    WeightsFileError
        Its bytes are not the article's (corrupted, truncated, replaced), or its arrays
        do not have the expected names, shapes and dtypes.
    """
    path = weights_path() if path is None else Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"the weights of Deep Learning from Scratch's network are "
                                f"missing: no file {path}; {_FIX}")
    content = path.read_bytes()
    digest = hashlib.sha256(content).hexdigest()
    if digest != WEIGHTS_SHA256:
        raise WeightsFileError(
            f"{path} is not the shipped weights file ({len(content):,} bytes, SHA-256 "
            f"{digest[:16]}..., expected {WEIGHTS_SHA256[:16]}...): it is corrupted, "
            f"truncated or replaced; {_FIX}")
    with np.load(path, allow_pickle=False) as f:
        arrays = {name: f[name] for name in f.files}
    # The checksum already pins the content; this says what is wrong should the constant
    # and the file ever be updated together with a mistake.
    found = {name: (a.shape, a.dtype.name) for name, a in arrays.items()}
    if found != ARRAYS:
        raise WeightsFileError(f"{path} holds arrays {found}, expected {ARRAYS}; {_FIX}")
    return arrays


def dlfs_network(path: str | os.PathLike | None = None) -> MLP:
    """Deep Learning from Scratch's pretrained 784-50-100-10 sigmoid network.

    Parameters
    ----------
    path : str or path-like, optional
        Weights file; default the one shipped with mnistlib (see `load_weights`).

    Returns
    -------
    MLP
        ``weights`` [W1 (784, 50), W2 (50, 100), W3 (100, 10)] and ``biases``, float32.
    """
    w = load_weights(path)
    return MLP.from_weights([w["W1"], w["W2"], w["W3"]], [w["b1"], w["b2"], w["b3"]],
                            activation="sigmoid")


@dataclass(frozen=True)
class DLFSArticleRun:
    """What the article's recipe gives on the shipped weights.

    Attributes
    ----------
    network : MLP
        The pretrained network.
    n_correct : int
        Test images classified correctly.
    n_test : int
        Test images scored (10,000 on full MNIST).
    maps : dict of str to ndarray
        The article's per-pixel maps: ``"z1"`` (50, 28, 28), ``"z2"`` (100, 28, 28),
        ``"a3"`` (10, 28, 28); ``maps[layer][k]`` at pixel p is node k's value on the
        image with only pixel p set to 1, minus its value on the all-zero image.
    white_probabilities : ndarray of shape (10,)
        Softmax output for the all-white image.
    data_source : str
        Which data the accuracy was measured on.
    """

    network: MLP
    n_correct: int
    n_test: int
    maps: dict
    white_probabilities: np.ndarray
    data_source: str

    @property
    def accuracy(self) -> float:
        return self.n_correct / self.n_test

    def maps_figure(self, layer: str, n_cols: int = 10) -> Figure:
        """One layer's maps drawn as the article draws them (grey 0, lighter positive)."""
        maps = self.maps[layer]
        if layer == "a3":
            titles = [f"{k}: {p:.3f}" for k, p in enumerate(self.white_probabilities)]
            return draw_node_maps(maps, titles=titles, n_cols=n_cols, shared_scale=True)
        return draw_node_maps(maps, titles=[str(k) for k in range(len(maps))],
                              n_cols=n_cols)


@dataclass(frozen=True)
class Comparison:
    """The run's accuracy beside the article's.

    Attributes
    ----------
    published : float
        The article's accuracy (0.9352).
    ours : float
    n_test : int
        Test images behind ``ours``.
    """

    published: float
    ours: float
    n_test: int

    @property
    def reproduced(self) -> bool:
        """True only for the same figure, to the article's four decimals, on 10,000 images."""
        return self.n_test == N_TEST and round(self.ours, 4) == self.published

    @property
    def verdict(self) -> str:
        if self.reproduced:
            return "reproduced"
        if self.n_test != N_TEST:
            return f"not comparable: {self.n_test:,} test images, not {N_TEST:,}"
        return "not reproduced"


def reproduce(subset: str = "full", data_dir=None, path=None) -> DLFSArticleRun:
    """Run the article's recipe: accuracy, per-pixel maps, the all-white image.

    Parameters
    ----------
    subset : {"full", "mini"}
        Test images: the 10,000 of MNIST, or the 1,000 of the embedded
        subset (no files needed; the accuracy is then not the article's).
    data_dir : str or path-like, optional
        Folder of the four MNIST files (see `mnistlib.load_mnist`).
    path : str or path-like, optional
        Weights file; default the shipped one.

    Returns
    -------
    DLFSArticleRun
    """
    net = dlfs_network(path)
    data = load_mnist(split="standard", subset=subset, data_dir=data_dir,
                      progress=False)  # pixels / 255, as the article's loader
    n_correct = int(np.sum(net.predict(data.X_test) == data.y_test))
    # The baseline is the all-zero image; one pixel at a time is set to 1.
    maps = {layer: pixel_influence(net, layer, value=1.0)
            for layer in ARTICLE_LAYERS}
    white = net.predict_proba(np.ones((1, 784), dtype=net.dtype))[0]
    return DLFSArticleRun(network=net, n_correct=n_correct,
                          n_test=len(data.y_test), maps=maps,
                          white_probabilities=white,
                          data_source=data.summary())


def compare(run: DLFSArticleRun, published: dict | None = None) -> Comparison:
    """Set the run's accuracy beside the article's.

    Parameters
    ----------
    run : DLFSArticleRun
    published : dict, optional
        With ``"reported": {"accuracy": float}``; default ``SOURCES["dlfs_network"]``.
    """
    chosen: Any = SOURCES["dlfs_network"] if published is None else published
    return Comparison(published=float(chosen["reported"]["accuracy"]),
                      ours=run.accuracy, n_test=run.n_test)


def draw_node_maps(maps, titles=None, n_cols=10, shared_scale=False, gap=2) -> Figure:
    """Maps on a grey background, as the article draws them: grey 0, lighter positive.

    All maps go into one mosaic drawn by one ``imshow`` (a hundred subplots would cost
    seconds to lay out).

    Parameters
    ----------
    maps : ndarray of shape (K, H, W)
    titles : list of str, optional
        One per map, written above it.
    n_cols : int
    shared_scale : bool
        One colour scale for all maps (compare nodes), or each map on its own symmetric
        scale (see each node's pattern).
    gap : int
        White pixels between the maps.

    Returns
    -------
    matplotlib.figure.Figure
    """
    maps = np.asarray(maps, dtype=np.float64)
    K, H, W = maps.shape
    n_rows = -(-K // n_cols)
    if shared_scale:
        limits = np.full(K, np.abs(maps).max())
    else:
        limits = np.abs(maps).reshape(K, -1).max(axis=1)
    limits[limits == 0] = 1.0  # an all-zero map stays grey
    top = 8 if titles is not None else gap  # room above each map for its title
    cell_h, cell_w = top + H, W + gap
    mosaic = np.full((n_rows * cell_h, n_cols * cell_w - gap), np.nan)
    for k in range(K):
        r, c = divmod(k, n_cols)
        y, x = r * cell_h + top, c * cell_w
        mosaic[y:y + H, x:x + W] = maps[k] / limits[k]
    width = 0.85 * n_cols
    fig = Figure(figsize=(width, width * mosaic.shape[0] / mosaic.shape[1]))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.imshow(mosaic, cmap=_grey_with_white_gaps(), vmin=-1, vmax=1,
              interpolation="nearest", aspect="equal")
    ax.set_axis_off()
    for k, text in enumerate(titles or ()):
        r, c = divmod(k, n_cols)
        ax.text(c * cell_w + W / 2, r * cell_h + top - 1, text, ha="center",
                va="bottom", fontsize=7)
    return fig


def _grey_with_white_gaps():
    import matplotlib

    cmap = matplotlib.colormaps["gray"].copy()
    cmap.set_bad("white")  # the NaN gaps between maps
    return cmap
