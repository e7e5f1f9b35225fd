"""Figures for the course: weight templates, digit grids, learning curves, influence maps.

Every function returns a matplotlib Figure and never calls ``plt.show()``; the caller saves
or displays it. Defined in the book chapters "MNIST" (``book/01_mnist``), "What the weights
look like" (``book/05_weights``), "Gradient descent and minibatch SGD" (``book/03_sgd``) and "Beyond
linear" (``book/07_beyond_linear``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

if TYPE_CHECKING:
    from matplotlib.image import AxesImage

    from .training import History

__all__ = [
    "symmetric_limits",
    "plot_weight_templates",
    "plot_digit_grid",
    "plot_learning_curves",
    "plot_influence_maps",
]

DIVERGING_CMAP = "RdBu"  # blue = positive evidence, red = negative, white = 0


def symmetric_limits(values: ArrayLike) -> tuple[float, float]:
    """``(vmin, vmax) = (-m, m)`` with ``m = max |values|`` (1 if all zero): 0 stays white."""
    m = float(np.max(np.abs(values))) if np.size(values) else 0.0
    m = m if m > 0 else 1.0
    return -m, m


def _image_grid(images: Sequence[np.ndarray], n_cols: int, titles: Sequence[str] | None = None,
                cmap: str = "gray_r", vmin: float | None = None, vmax: float | None = None,
                colorbar: bool = False, suptitle: str | None = None,
                panel_size: float = 1.3) -> tuple[Figure, np.ndarray, AxesImage | None]:
    """Shared layout: a grid of 28x28 panels without ticks; returns (fig, axes, last image)."""
    n = len(images)
    n_rows = int(np.ceil(n / n_cols))
    fig = Figure(figsize=(panel_size * n_cols + (0.8 if colorbar else 0), panel_size * n_rows + 0.4),
                 layout="constrained")
    axes = fig.subplots(n_rows, n_cols, squeeze=False)
    im = None
    for k, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if k >= n:
            ax.axis("off")
            continue
        im = ax.imshow(images[k], cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
        if titles is not None:
            ax.set_title(titles[k], fontsize=9)
    if colorbar and im is not None:
        fig.colorbar(im, ax=axes, shrink=0.8)
    if suptitle:
        fig.suptitle(suptitle)
    return fig, axes, im


def plot_weight_templates(W: ArrayLike, title: str | None = "Weight templates", n_cols: int = 5,
                          class_names: Sequence[str] | None = None) -> Figure:
    """The C columns of W as 28x28 images on a diverging colormap centred on 0.

    Parameters
    ----------
    W : ndarray of shape (D, C)
        D = 784 pixel weights per class.
    title : str
    n_cols : int
    class_names : sequence of str, optional

    Returns
    -------
    matplotlib.figure.Figure
        One panel per class; all panels share ``vmin = -vmax = -max|W|`` (RdBu).
    """
    W = np.asarray(W)
    if W.ndim != 2 or W.shape[0] != 784:
        raise ValueError(f"W must have shape (784, C), got {W.shape}")
    C = W.shape[1]
    names = class_names or [str(c) for c in range(C)]
    vmin, vmax = symmetric_limits(W)
    images = [W[:, c].reshape(28, 28) for c in range(C)]
    fig, _, _ = _image_grid(images, n_cols, titles=names, cmap=DIVERGING_CMAP, vmin=vmin,
                            vmax=vmax, colorbar=True, suptitle=title)
    return fig


def plot_digit_grid(X: ArrayLike, y_true: np.ndarray | None = None, y_pred: np.ndarray | None = None,
                    proba: np.ndarray | None = None, n_cols: int = 10, title: str | None = None) -> Figure:
    """Digits with their true label and, optionally, the prediction and its confidence.

    Parameters
    ----------
    X : ndarray of shape (N, 784)
    y_true : ndarray of shape (N,), optional
    y_pred : ndarray of shape (N,), optional
    proba : ndarray of shape (N, C), optional
        Predicted probabilities; the title shows ``max(proba[n])``.
    n_cols : int
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        Wrong predictions have red titles.
    """
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != 784:
        raise ValueError(f"X must have shape (N, 784), got {X.shape}")
    titles = []
    for n in range(X.shape[0]):
        parts = []
        if y_true is not None:
            parts.append(f"true {y_true[n]}")
        if y_pred is not None:
            parts.append(f"pred {y_pred[n]}")
        if proba is not None:
            parts.append(f"{100 * np.max(proba[n]):.0f}%")
        titles.append("\n".join([" ".join(parts[:2]), " ".join(parts[2:])]).strip())
    fig, axes, _ = _image_grid([x.reshape(28, 28) for x in X], n_cols,
                               titles=titles if titles and titles[0] else None, suptitle=title,
                               panel_size=1.1 if y_pred is None else 1.3)
    if y_true is not None and y_pred is not None:
        for n, ax in enumerate(axes.flat[: X.shape[0]]):
            if y_pred[n] != y_true[n]:
                ax.title.set_color("crimson")
    return fig


def plot_learning_curves(history: History | Mapping[str, Any], x: str = "epoch_float",
                         title: str | None = None) -> Figure:
    """Loss and error rate against training progress for train / valid / test.

    Parameters
    ----------
    history : History or dict
        From ``train_sgd`` (or its ``as_dict()``).
    x : {"epoch_float", "step"}
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        Left: losses; right: error rates in percent; the best model (lowest validation
        error) marked when there is a validation set.
    """
    records = history["records"] if isinstance(history, Mapping) else history.records
    if not records:
        raise ValueError("the history has no evaluations to plot")
    col = lambda name: np.array([r.get(name, np.nan) for r in records], dtype=float)  # noqa: E731
    t = col(x)
    fig = Figure(figsize=(10, 3.6), layout="constrained")
    ax_loss, ax_err = fig.subplots(1, 2)
    styles = {"train": "tab:blue", "valid": "tab:orange", "test": "tab:green"}
    for name, colour in styles.items():
        loss_key = "train_loss" if name == "train" else f"{name}_loss"
        loss = col(loss_key)
        if np.isfinite(loss).any():
            label = "train (minibatch average)" if name == "train" else name
            ax_loss.plot(t, loss, color=colour, label=label)
        err = col(f"{name}_error")
        if np.isfinite(err).any():
            ax_err.plot(t, 100 * err, color=colour, label=name)
    valid = col("valid_error")
    if np.isfinite(valid).any():
        best = int(np.nanargmin(valid))
        ax_err.axvline(t[best], color="grey", linestyle=":", label="best model")
        ax_err.plot([t[best]], [100 * valid[best]], "o", color=styles["valid"])
    xlabel = "epoch" if x == "epoch_float" else "update step"
    ax_loss.set(xlabel=xlabel, ylabel="mean cross-entropy", title="loss")
    ax_err.set(xlabel=xlabel, ylabel="error (%)", title="error rate")
    for ax in (ax_loss, ax_err):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    return fig


def plot_influence_maps(maps: ArrayLike, titles: Sequence[str] | None = None, n_cols: int = 10,
                        title: str | None = None, shared_scale: bool = False) -> Figure:
    """Influence or gradient maps of K nodes as images on a diverging colormap.

    Parameters
    ----------
    maps : ndarray of shape (K, 28, 28)
        From ``pixel_influence`` or ``gradient_maps``.
    titles : sequence of str, optional
        Default "node k".
    n_cols : int
    title : str, optional
    shared_scale : bool
        One symmetric colour scale for all panels (comparable magnitudes) or one per panel
        (every node's pattern visible).

    Returns
    -------
    matplotlib.figure.Figure
    """
    maps = np.asarray(maps)
    if maps.ndim != 3:
        raise ValueError(f"maps must have shape (K, H, W), got {maps.shape}")
    K = maps.shape[0]
    titles = titles or [f"node {k}" for k in range(K)]
    if shared_scale:
        vmin, vmax = symmetric_limits(maps)
        fig, _, _ = _image_grid(list(maps), n_cols, titles=titles, cmap=DIVERGING_CMAP,
                                vmin=vmin, vmax=vmax, colorbar=True, suptitle=title)
        return fig
    fig, axes, _ = _image_grid([np.zeros_like(m) for m in maps], n_cols, titles=titles,
                               cmap=DIVERGING_CMAP, suptitle=title)
    for ax, m in zip(axes.flat, maps):
        vmin, vmax = symmetric_limits(m)
        ax.images[0].set_data(m)
        ax.images[0].set_clim(vmin, vmax)
    return fig
