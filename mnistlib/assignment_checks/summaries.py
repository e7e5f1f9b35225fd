"""Fixed summaries of returned objects that are not plain data (a matplotlib Figure).

A :class:`~mnistlib.assignment_checks._core.Check` naming ``summary="figure"`` has the value its
function returned replaced, in the kernel, by ``SUMMARIES["figure"](value)`` before it becomes
plain data: so the verdict, in the grader's process, judges what the figure shows (the arrays
its panels display, their colours, limits, ticks, titles, lines) without ever holding the
figure. The summary holds only str-keyed dicts, strs and numeric numpy arrays, within the caps
of plain data (a dict has at most 16 items, a str at most 1000 characters, two levels of
nesting): per-axes facts are stacked into arrays, one row per axes, and per-axes texts are
joined into one str, one line per axes.

The summary of a Figure with A axes (``fig.axes``, at most :data:`MAX_AXES` summarised), P of
them showing an image, is::

    {"kind": "Figure",
     "n_axes": int, the true number of axes,
     "axes": {"axis_on": bool (A,), "ticks": int (A, 2) (number of x and y ticks),
              "titles", "xlabels", "ylabels", "xscales", "yscales": str, one line per axes},
     "images": {"axes": int (P,) (index in fig.axes of each axes with an image),
                "data": float (P, H, W) (its first image, NaN outside its own shape and
                        where masked),
                "shapes": int (P, 3) (the shape of that image's array, 0 for a missing
                          dimension; only 2-D arrays are kept in "data"),
                "clims": float (P, 2), "colours": float (P, K, 4) (RGBA at K data values
                         evenly spaced from vmin to vmax, through the image's own norm and
                         colormap), "cmaps", "norms": str, one line per image},
     "lines": {"count": int (A,), "lengths": int (A, 2) (x and y), "x", "y": float (A, L)
               (the data of the first line of each axes, NaN-padded)}}

Anything else gives ``{"kind": "not a Figure", "type": <its type's name>}``. Summarising a
figure closes it in pyplot (a figure drawn for a check is not for display).
"""

from __future__ import annotations

import sys
from typing import Any, Callable

import numpy as np

#: Axes summarised per figure (a template figure has C of them, a colorbar adds one).
MAX_AXES = 32
#: Data values at which each image's colours are taken, evenly from vmin to vmax
#: (9 includes -vmax, -vmax / 2, 0, vmax / 2, vmax of a symmetric scale).
COLOUR_SAMPLES = 9
#: Longest str of plain data.
MAX_CHARS = 1000
#: Between the texts of two axes in a joined str.
SEPARATOR = "\n"


def _joined(texts: list) -> str:
    """One line per text (newlines inside a text become spaces), within :data:`MAX_CHARS`."""
    lines = [str(t).replace(SEPARATOR, " ") for t in texts]
    if not lines:
        return ""
    room = max((MAX_CHARS - (len(lines) - 1)) // len(lines), 0)
    return SEPARATOR.join(line[:room] for line in lines)


def split_texts(text: str, count: int) -> list:
    """The ``count`` texts of a joined str (the grader's side of :func:`_joined`)."""
    parts = text.split(SEPARATOR) if count else []
    return (parts + [""] * count)[:count]


def _floats(values: Any) -> np.ndarray:
    """``values`` as a float64 array (masked entries NaN), or an empty array if not numeric."""
    try:
        filled = np.ma.filled(np.ma.asarray(values).astype(np.float64), np.nan)
    except (TypeError, ValueError):
        return np.zeros(0)
    return np.asarray(filled, dtype=np.float64)


def _padded(rows: list, width: int) -> np.ndarray:
    """1-D float arrays stacked into (len(rows), width), NaN-padded."""
    out = np.full((len(rows), width), np.nan)
    for i, row in enumerate(rows):
        out[i, :row.size] = row
    return out


def _image(image: Any) -> dict:
    """What one AxesImage shows: data, shape, limits, colours, colormap and norm names."""
    array = image.get_array()
    data = _floats(array) if array is not None else np.zeros((0, 0))
    shape = np.zeros(3, dtype=np.int64)
    shape[:min(data.ndim, 3)] = data.shape[:3]
    vmin, vmax = (float(v) if v is not None else np.nan for v in image.get_clim())
    try:
        colours = np.asarray(image.to_rgba(np.linspace(vmin, vmax, COLOUR_SAMPLES)),
                             dtype=np.float64).reshape(COLOUR_SAMPLES, 4)
    except Exception:  # noqa: BLE001 - an unusual norm: its colours are unknown
        colours = np.full((COLOUR_SAMPLES, 4), np.nan)
    cmap = image.get_cmap()
    return {"data": data if data.ndim == 2 else np.zeros((0, 0)), "shape": shape,
            "clim": np.array([vmin, vmax]), "colours": colours,
            "cmap": getattr(cmap, "name", type(cmap).__name__),
            "norm": type(image.norm).__name__}


def figure_summary(fig: Any) -> dict:
    """The plain data of what a matplotlib Figure shows (see the module's docstring).

    Parameters
    ----------
    fig : matplotlib.figure.Figure, or anything a student's function returned

    Returns
    -------
    dict
        ``{"kind": "Figure", "n_axes": ..., "axes": {...}, "images": {...}, "lines": {...}}``,
        or ``{"kind": "not a Figure", "type": name}``.
    """
    # A Figure can only exist once matplotlib.figure is imported: no import for anything else.
    module = sys.modules.get("matplotlib.figure")
    if module is None or not isinstance(fig, module.Figure):
        return {"kind": "not a Figure", "type": type(fig).__name__}
    all_axes = list(fig.axes)
    axes = all_axes[:MAX_AXES]
    images = [(i, _image(ax.images[0])) for i, ax in enumerate(axes) if ax.images]
    height = max([im["data"].shape[0] for _, im in images], default=0)
    width = max([im["data"].shape[1] for _, im in images], default=0)
    data = np.full((len(images), height, width), np.nan)
    for p, (_, im) in enumerate(images):
        data[p, :im["data"].shape[0], :im["data"].shape[1]] = im["data"]
    firsts = [ax.lines[0] if ax.lines else None for ax in axes]
    xs = [_floats(line.get_xdata()).ravel() if line else np.zeros(0) for line in firsts]
    ys = [_floats(line.get_ydata()).ravel() if line else np.zeros(0) for line in firsts]
    length = max([a.size for a in xs + ys], default=0)
    summary = {
        "kind": "Figure",
        "n_axes": np.array(len(all_axes)),
        "axes": {
            "axis_on": np.array([bool(ax.axison) for ax in axes], dtype=bool),
            "ticks": np.array([[len(ax.get_xticks()), len(ax.get_yticks())] for ax in axes],
                              dtype=np.int64).reshape(len(axes), 2),
            "titles": _joined([ax.get_title() for ax in axes]),
            "xlabels": _joined([ax.get_xlabel() for ax in axes]),
            "ylabels": _joined([ax.get_ylabel() for ax in axes]),
            "xscales": _joined([ax.get_xscale() for ax in axes]),
            "yscales": _joined([ax.get_yscale() for ax in axes]),
        },
        "images": {
            "axes": np.array([i for i, _ in images], dtype=np.int64),
            "data": data,
            "shapes": np.array([im["shape"] for _, im in images],
                               dtype=np.int64).reshape(len(images), 3),
            "clims": np.array([im["clim"] for _, im in images]).reshape(len(images), 2),
            "colours": np.array([im["colours"] for _, im in images]).reshape(
                len(images), COLOUR_SAMPLES, 4),
            "cmaps": _joined([im["cmap"] for _, im in images]),
            "norms": _joined([im["norm"] for _, im in images]),
        },
        "lines": {
            "count": np.array([len(ax.lines) for ax in axes], dtype=np.int64),
            "lengths": np.array([[x.size, y.size] for x, y in zip(xs, ys)],
                                dtype=np.int64).reshape(len(axes), 2),
            "x": _padded(xs, length),
            "y": _padded(ys, length),
        },
    }
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close(fig)
    return summary


#: Summaries a Check may name, by name.
SUMMARIES: dict[str, Callable[[Any], dict]] = {"figure": figure_summary}
