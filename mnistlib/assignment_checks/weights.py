"""Visible checks of assignment 04_weights (template_images, plot_templates, l1_prox, sparsity,
the L1 sweep, plot_sparsity).

In the notebook::

    from mnistlib.assignment_checks.weights import check
    check("plot_templates_colours", plot_templates)

The figures are judged on what they show, summarised in the kernel by
:func:`mnistlib.assignment_checks.summaries.figure_summary` (the arrays of the panels, their
colour limits and colours, ticks, titles, lines), never on pixels. Shapes: D pixels
(side x side), C classes, K penalties. The grader runs these same checks, and hidden ones.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ._core import Call, Check, array, expect, items, number, run_visible, unchanged
from .summaries import split_texts

#: What the graded functions must not call (mnistlib's own plot and L1 step), as paths below
#: the mnistlib package.
OFF = ("plots.plot_weight_templates", "SoftmaxRegression._soft_threshold",
       "SoftmaxRegression.sgd_step",
       # the grid every plot of mnistlib.plots draws with: plot_influence_maps(W.T as maps,
       # shared_scale=True) is the templates' figure
       "plots._image_grid")
#: The relative tolerance the instructions state (float32 weights allowed).
RTOL = 1e-5
#: The penalties of the notebook's sweep.
PENALTIES = (1e-4, 1e-3, 3e-3, 1e-2)
#: Sparsity and validation accuracy of that sweep with a correct l1_prox (the notebook's run).
SWEEP_SPARSITIES = (0.3139, 0.4648, 0.5625, 0.6934)
SWEEP_ACCURACIES = (0.876, 0.861, 0.834, 0.746)
#: Data values (fractions of the colour scale, 0 = vmin, 1 = vmax) whose colours are judged;
#: the summary samples 9 values evenly, so sample i is at i / 8.
POSITIVE_SAMPLES = (8, 6)  # vmax, vmax / 2
NEGATIVE_SAMPLES = (0, 2)  # -vmax, -vmax / 2
ZERO_SAMPLE = 4


def trained_weights() -> np.ndarray:
    """The notebook's W, float64 (D, C) = (784, 10): 5 epochs of SGD as in its setup cell."""
    import mnistlib

    data = mnistlib.load_mnist(subset="mini")
    model = mnistlib.SoftmaxRegression()
    mnistlib.train_sgd(model, data.X_train, data.y_train, lr=0.13, batch_size=60, n_epochs=5,
                       shuffle=True, seed=0)
    return model.W.astype(np.float64)


# -- reading a figure's summary ----------------------------------------------------------------
def figure(value: Any, function: str) -> dict:
    """The summary of a returned figure, or CheckFailed saying what came back instead."""
    expect(isinstance(value, dict) and value.get("kind") == "Figure",
           f"{function} must return the matplotlib Figure (fig), got "
           f"{value.get('type') if isinstance(value, dict) else 'something else'}")
    return value


def panels(summary: dict) -> list:
    """The axes of a summarised figure that show an image, in order, one dict each.

    Each dict: ``image`` (float array), ``shape``, ``title``, ``ticks_left`` (bool),
    ``clim`` (vmin, vmax), ``colours`` (RGBA of evenly spaced values from vmin to vmax).
    """
    axes, images = summary["axes"], summary["images"]
    n_axes = len(axes["axis_on"])
    titles = split_texts(axes["titles"], n_axes)
    out = []
    for p, index in enumerate(np.asarray(images["axes"]).tolist()):
        shape = tuple(int(s) for s in images["shapes"][p] if s)
        rows, cols = (shape + (0, 0))[:2]
        x_ticks, y_ticks = (int(t) for t in axes["ticks"][index])
        out.append({"image": np.asarray(images["data"][p][:rows, :cols], dtype=np.float64),
                    "shape": shape, "title": titles[index],
                    "ticks_left": bool(axes["axis_on"][index]) and (x_ticks > 0 or y_ticks > 0),
                    "clim": tuple(float(c) for c in images["clims"][p]),
                    "colours": np.asarray(images["colours"][p], dtype=np.float64)})
    return out


def colour_problem(colours: np.ndarray) -> str | None:
    """What is wrong with a panel's colours (the book's RdBu: blue > 0, white 0, red < 0).

    Parameters
    ----------
    colours : ndarray of shape (9, 4)
        RGBA of the values vmin + (vmax - vmin) * i / 8, i = 0..8, for limits (-vmax, vmax).
    """
    for pos, neg, what in zip(POSITIVE_SAMPLES, NEGATIVE_SAMPLES, ("vmax", "vmax / 2")):
        rgb = colours[pos][:3]
        if not rgb[2] > rgb[0] + 0.2:
            return (f"a positive weight (+{what}) is drawn in RGB {np.round(rgb, 2)}, "
                    "not blue: positive weights are blue and negative ones red, as in the book "
                    "(cmap=\"RdBu\")")
        rgb = colours[neg][:3]
        if not rgb[0] > rgb[2] + 0.2:
            return (f"a negative weight (-{what}) is drawn in RGB {np.round(rgb, 2)}, "
                    "not red: negative weights are red, as in the book (cmap=\"RdBu\")")
    zero = colours[ZERO_SAMPLE][:3]
    if not (zero.min() > 0.85 and zero.max() - zero.min() < 0.1):
        return (f"a weight of 0 is drawn in RGB {np.round(zero, 2)}: it must be white "
                "(a diverging map)")
    return None


def some_panels(summary: dict, function: str) -> list:
    """The panels of a figure, or CheckFailed if no axes shows an image."""
    shown = panels(summary)
    expect(shown, f"the figure of {function} shows no image: draw each template with "
           "ax.imshow")
    return shown


def lines_of(summary: dict) -> list:
    """Per axes of a summarised figure: its number of lines, its first line's x and y data,
    its x and y labels and its x scale, one dict each."""
    axes, lines = summary["axes"], summary["lines"]
    n = len(axes["axis_on"])
    texts = {key: split_texts(axes[key], n) for key in ("xlabels", "ylabels", "xscales")}
    out = []
    for i in range(n):
        nx, ny = (int(v) for v in lines["lengths"][i])
        out.append({"count": int(lines["count"][i]),
                    "x": np.asarray(lines["x"][i][:nx], dtype=np.float64),
                    "y": np.asarray(lines["y"][i][:ny], dtype=np.float64),
                    "xlabel": texts["xlabels"][i], "ylabel": texts["ylabels"][i],
                    "xscale": texts["xscales"][i]})
    return out


# -- template_images ---------------------------------------------------------------------------
def _toy_weights() -> np.ndarray:
    return np.arange(8.0).reshape(4, 2) - 5.0  # D = 4 = 2 x 2 pixels, C = 2 classes


def _template_images_verdict(calls: list, outcomes: list) -> None:
    unchanged(calls[0], outcomes[0], ["W"], "template_images")
    images, vmax = items(outcomes[0].value, 2, "template_images")
    images = array(images, "images")
    expect(images.shape == (2, 2, 2),
           f"expected shape (C, 2, 2) = (2, 2, 2), got {images.shape}")
    expect(np.allclose(images[0], [[-5.0, -3.0], [-1.0, 1.0]], rtol=RTOL, atol=0), (
        f"template 0 is column 0 of W reshaped row by row, [[-5, -3], [-1, 1]], got "
        f"{images[0].tolist()} (a transposed image means column order: reshape W[:, k], "
        "row-major)"))
    expect(np.allclose(images[1], [[-4.0, -2.0], [0.0, 2.0]], rtol=RTOL, atol=0),
           f"template 1 is column 1 row by row, [[-4, -2], [0, 2]], got {images[1].tolist()}")
    vmax = number(vmax, "vmax")
    expect(abs(vmax - 5.0) < RTOL * 5.0,
           f"vmax is the largest absolute weight, 5.0 here (not the maximum 2.0), got {vmax}")


# -- plot_templates ----------------------------------------------------------------------------
def _panels_verdict(calls: list, outcomes: list) -> None:
    (W,) = calls[0].args
    summary = figure(outcomes[0].value, "plot_templates")
    unchanged(calls[0], outcomes[0], ["W"], "plot_templates")
    shown = panels(summary)
    expect(len(shown) == 10, f"one panel per class: expected 10, got {len(shown)}")
    for k, panel in enumerate(shown):
        expect(panel["shape"] == (28, 28),
               f"panel {k} shows an array of shape {panel['shape']}, not (28, 28)")
        expect(np.allclose(panel["image"], W[:, k].reshape(28, 28), rtol=RTOL, atol=1e-8),
               f"panel {k} must show column {k} of W reshaped row by row (the template of "
               f"class {k})")
        expect(panel["title"] == str(k),
               f"panel {k} must be titled {str(k)!r}, got {panel['title']!r}")


def _colours_verdict(calls: list, outcomes: list) -> None:
    (W,) = calls[0].args
    vmax = float(np.abs(W).max())
    for k, panel in enumerate(some_panels(figure(outcomes[0].value, "plot_templates"),
                                          "plot_templates")):
        lo, hi = panel["clim"]
        expect(np.allclose((lo, hi), (-vmax, vmax), rtol=RTOL, atol=0), (
            f"panel {k}: color limits must be (-vmax, vmax) = ({-vmax:.4g}, {vmax:.4g}) with "
            f"vmax the largest absolute weight of W, got ({lo:.4g}, {hi:.4g})"))
        problem = colour_problem(panel["colours"])
        expect(problem is None, f"panel {k}: {problem}")


def _ticks_verdict(calls: list, outcomes: list) -> None:
    for k, panel in enumerate(some_panels(figure(outcomes[0].value, "plot_templates"),
                                          "plot_templates")):
        expect(not panel["ticks_left"], f"panel {k} still has axis ticks: remove them with "
               "ax.set_xticks([]) and ax.set_yticks([])")


# -- l1_prox and sparsity ----------------------------------------------------------------------
def _toy_row() -> np.ndarray:
    return np.array([[-3.0, -0.5, 0.0, 0.5, 1.0, 3.0]])


def _l1_prox_verdict(calls: list, outcomes: list) -> None:
    shrunk = array(outcomes[0].value, "l1_prox(W, t)")
    expect(shrunk.shape == (1, 6) and np.array_equal(shrunk, [[-2.0, 0.0, 0.0, 0.0, 0.0, 2.0]]),
           f"l1_prox(W, 1) of W = [[-3, -0.5, 0, 0.5, 1, 3]]: expected [[-2, 0, 0, 0, 0, 2]], "
           f"got {shrunk.tolist()}")
    unchanged(calls[0], outcomes[0], ["W"], "l1_prox")


def _sparsity_verdict(calls: list, outcomes: list) -> None:
    s = number(outcomes[0].value, "sparsity(W)")
    expect(abs(s - 4 / 6) < 1e-12,
           f"sparsity of [[-2, 0, 0, 0, 0, 2]]: 4 zeros out of 6 entries, 0.6667, got {s}")


# -- the sweep and plot_sparsity ---------------------------------------------------------------
def _sweep_verdict(calls: list, outcomes: list) -> None:
    sparsities, accuracies = (array(v, what) for v, what in zip(
        items(outcomes[0].value, 2, "l1_sweep"), ("the sparsities", "the accuracies")))
    expect(sparsities.shape == accuracies.shape == (len(PENALTIES),),
           f"one sparsity and one accuracy per penalty, got shapes {sparsities.shape} and "
           f"{accuracies.shape}")
    expect(np.all(np.diff(sparsities) >= 0),
           f"a larger penalty must give at least as many zeros: {sparsities.tolist()}")
    expect(sparsities[-1] > 0.5, "with the largest penalty more than half of the weights "
           f"should be 0, got {sparsities[-1]:.1%}")
    expect(accuracies[0] > 0.85, "a small penalty should keep the accuracy above 85 %, got "
           f"{accuracies[0]:.1%}")


def sparsity_plot_problem(summary: dict, penalties: np.ndarray, sparsities: np.ndarray,
                          accuracies: np.ndarray) -> str | None:
    """What is wrong with plot_sparsity's figure for these inputs (shapes (K,)), or None."""
    axes = lines_of(summary)
    if len(axes) != 2:
        return f"two panels, got {len(axes)}"
    for ax, values, name in zip(axes, (sparsities, accuracies), ("sparsity", "accuracy")):
        if ax["count"] < 1:
            return f"the {name} panel has no line"
        if not (ax["x"].shape == penalties.shape and np.allclose(ax["x"], penalties)):
            return (f"the {name} panel's x data must be the penalties themselves (the axis is "
                    f"log-scaled), got {np.round(ax['x'], 6).tolist()}")
        if not (ax["y"].shape == values.shape and np.allclose(ax["y"], 100 * values)):
            return (f"the {name} panel's y data must be the {name} in percent (left sparsity, "
                    f"right accuracy), got {np.round(ax['y'], 4).tolist()}")
        if ax["xscale"] != "log":
            return f"the {name} panel needs a logarithmic x axis, got {ax['xscale']!r}"
        if not (ax["xlabel"] and ax["ylabel"]):
            return f"label both axes of the {name} panel"
    return None


def _sweep_plot_calls() -> list:
    return [Call((np.array(PENALTIES), np.array(SWEEP_SPARSITIES), np.array(SWEEP_ACCURACIES)))]


def _sweep_plot_verdict(calls: list, outcomes: list) -> None:
    summary = figure(outcomes[0].value, "plot_sparsity")
    problem = sparsity_plot_problem(summary, *calls[0].args)
    expect(problem is None, str(problem))


#: The visible checks, by name.
CHECKS = {c.name: c for c in [
    Check("template_images_toy", "template_images", lambda: [Call((_toy_weights(),))],
          _template_images_verdict, OFF),
    Check("plot_templates_panels", "plot_templates", lambda: [Call((trained_weights(),))],
          _panels_verdict, OFF, summary="figure"),
    Check("plot_templates_colours", "plot_templates", lambda: [Call((trained_weights(),))],
          _colours_verdict, OFF, summary="figure"),
    Check("plot_templates_ticks", "plot_templates", lambda: [Call((trained_weights(),))],
          _ticks_verdict, OFF, summary="figure"),
    Check("l1_prox_toy", "l1_prox", lambda: [Call((_toy_row(), 1.0))], _l1_prox_verdict, OFF),
    Check("sparsity_toy", "sparsity",
          lambda: [Call((np.array([[-2.0, 0.0, 0.0, 0.0, 0.0, 2.0]]),))], _sparsity_verdict,
          OFF),
    Check("l1_sweep_trend", "l1_sweep", lambda: [Call((np.array(PENALTIES),))],
          _sweep_verdict),
    Check("plot_sparsity_sweep", "plot_sparsity", _sweep_plot_calls, _sweep_plot_verdict,
          summary="figure"),
]}


def check(name: str, function: Callable[..., Any]) -> None:
    """Run the visible check ``name`` on ``function``: AssertionError with what to fix, or
    ``"<name>: passed"``."""
    run_visible(CHECKS, name, function)
