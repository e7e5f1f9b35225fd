"""Checks of assignment 04_weights as the grader runs them: the visible ones and the hidden ones.

The visible checks come from :mod:`mnistlib.assignment_checks.weights` (the notebook's visible
test cells run them in the student's kernel). The hidden ones are here, in the grader's package,
which the jail never contains: their inputs reach the student's kernel as ``.npy`` files, their
source, expected values and messages never do.

:data:`CELLS` says which checks make up each graded test cell of the notebook; a cell earns its
points when all its checks pass. The hidden checks repeat the hidden test cells of
``solutions/04_weights/weights.ipynb`` (same inputs, seeds and tolerances); the figures are
judged on their summaries (:mod:`mnistlib.assignment_checks.summaries`), the colours through the
image's own norm and colormap: the book's direction (blue positive, red negative), white 0.
"""

from __future__ import annotations

import numpy as np

from mnistlib.assignment_checks._core import Call, Check, array, expect, items, number, unchanged
from mnistlib.assignment_checks.weights import (CHECKS as VISIBLE, OFF, RTOL, colour_problem,
                                                figure, panels, sparsity_plot_problem)

#: The extreme weight of the hidden inputs: negative, so that max |W| is not max W.
EXTREME = -7.5


def _with_extreme(rng, configs):
    """One W per (D, C, dtype), drawn in order from ``rng``, its extreme weight negative."""
    calls = []
    for d, c, dtype in configs:
        W = rng.normal(size=(d, c)).astype(dtype)
        W[d // 2, c - 1] = EXTREME
        calls.append(Call((W,)))
    return calls


# -- template_images ---------------------------------------------------------------------------
def _images_calls():
    return _with_extreme(np.random.default_rng(4), [(9, 3, np.float64), (16, 4, np.float32),
                                                    (784, 10, np.float32)])


def _images_verdict(calls, outcomes):
    for call, outcome in zip(calls, outcomes):
        (W,) = call.args
        (d, c), side = W.shape, int(round(W.shape[0] ** 0.5))
        unchanged(call, outcome, ["W"], "template_images")
        images, vmax = items(outcome.value, 2, "template_images")
        images = array(images, "images")
        expect(images.shape == (c, side, side), f"W of shape {(d, c)}: images of shape "
               f"{(c, side, side)} expected, got {images.shape}")
        for k in range(c):
            expect(np.allclose(images[k], W[:, k].reshape(side, side), rtol=RTOL, atol=0),
                   f"W of shape {(d, c)}: template {k} must be column {k} reshaped row by row")
        vmax = number(vmax, "vmax")
        expect(abs(vmax - abs(EXTREME)) < RTOL * abs(EXTREME), "vmax must be the largest "
               f"absolute weight ({abs(EXTREME)}, a negative weight), got {vmax}")


# -- plot_templates ----------------------------------------------------------------------------
def _plot_calls():
    return _with_extreme(np.random.default_rng(5), [(9, 3, np.float64), (16, 7, np.float32)])


def _plot_verdict(calls, outcomes):
    limit = abs(EXTREME)
    for call, outcome in zip(calls, outcomes):
        (W,) = call.args
        (d, c), side = W.shape, int(round(W.shape[0] ** 0.5))
        summary = figure(outcome.value, "plot_templates")
        unchanged(call, outcome, ["W"], "plot_templates")
        shown = panels(summary)
        expect(len(shown) == c,
               f"W of shape {(d, c)}: one panel per class, {c}, got {len(shown)}")
        for k, panel in enumerate(shown):
            expect(panel["image"].shape == (side, side) and np.allclose(
                panel["image"], W[:, k].reshape(side, side), rtol=RTOL, atol=0),
                f"W of shape {(d, c)}: panel {k} must show column {k} reshaped row by row")
            expect(panel["title"] == str(k),
                   f"panel {k} must be titled {str(k)!r}, got {panel['title']!r}")
            lo, hi = panel["clim"]
            expect(abs(lo + limit) < RTOL * limit and abs(hi - limit) < RTOL * limit,
                   f"panel {k}: limits must be ({-limit}, {limit}) (the extreme weight is "
                   f"{EXTREME}), got ({lo:.4g}, {hi:.4g})")
            problem = colour_problem(panel["colours"])
            expect(problem is None, f"panel {k}: {problem}")
            expect(not panel["ticks_left"], f"panel {k}: remove the axis ticks")


# -- l1_prox and sparsity ----------------------------------------------------------------------
#: The hidden threshold (the weights have scale 0.01: most of them are shrunk to 0).
THRESHOLD = 0.008


def _dense_float32():
    return np.random.default_rng(9).normal(scale=0.01, size=(784, 10)).astype(np.float32)


def _prox_verdict(calls, outcomes):
    W32, t = calls[0].args
    unchanged(calls[0], outcomes[0], ["W"], "l1_prox")
    out = array(outcomes[0].value, "l1_prox(W, t)")
    expect(isinstance(outcomes[0].value, np.ndarray) and outcomes[0].value.dtype == np.float32
           and out.shape == W32.shape, "keep shape and dtype: got "
           f"{out.shape}, {getattr(outcomes[0].value, 'dtype', None)} for float32 W of shape "
           f"{W32.shape}")
    small = np.abs(W32) <= np.float32(t)
    expect(np.all(out[small] == 0), "every weight with |w| <= t must be exactly 0")
    big = ~small
    expect(np.allclose(out[big], W32[big] - np.sign(W32[big]) * t, rtol=0, atol=1e-6),
           "weights with |w| > t move towards 0 by exactly t")
    expect(np.all(np.sign(out[big]) == np.sign(W32[big])),
           "soft-thresholding never flips a sign")
    same = array(outcomes[1].value, "l1_prox(W, 0)")
    expect(same.shape == W32.shape and np.array_equal(same, W32), "t = 0 leaves W unchanged")


def _reference_prox(W, t):
    return (np.sign(W) * np.maximum(np.abs(W) - W.dtype.type(t), 0)).astype(W.dtype)


def _sparsity_calls():
    W32 = _dense_float32()
    tiny = np.array([[0.0, 1e-12], [-1e-30, 0.0]])
    return [Call((_reference_prox(W32, THRESHOLD),)), Call((W32,)), Call((tiny,))]


def _sparsity_verdict(calls, outcomes):
    (shrunk,) = calls[0].args
    s, s_dense, s_tiny = (number(o.value, "sparsity(W)") for o in outcomes)
    zeros = float(np.mean(shrunk == 0))
    expect(abs(s - zeros) < 1e-12,
           f"sparsity {s} differs from the fraction of exact zeros {zeros}")
    expect(s_dense == 0.0, f"no weight of the dense W is exactly 0, sparsity gave {s_dense}")
    expect(s_tiny == 0.5, "only exact zeros count: 1e-12 and -1e-30 are not 0, so the sparsity "
           f"is 0.5, got {s_tiny}")


# -- plot_sparsity -----------------------------------------------------------------------------
def _sparsity_plot_calls():
    return [Call((np.array([0.5, 2.0, 8.0]), np.array([0.1, 0.4, 0.9]),
                  np.array([0.9, 0.8, 0.5])))]


def _sparsity_plot_verdict(calls, outcomes):
    problem = sparsity_plot_problem(figure(outcomes[0].value, "plot_sparsity"), *calls[0].args)
    expect(problem is None, str(problem))


HIDDEN = {c.name: c for c in [
    Check("template_images_sizes", "template_images", _images_calls, _images_verdict, OFF),
    Check("plot_templates_sizes", "plot_templates", _plot_calls, _plot_verdict, OFF,
          summary="figure"),
    Check("l1_prox_float32", "l1_prox",
          lambda: [Call((_dense_float32(), THRESHOLD)), Call((_dense_float32(), 0.0))],
          _prox_verdict, OFF),
    Check("sparsity_exact_zeros", "sparsity", _sparsity_calls, _sparsity_verdict, OFF),
    Check("plot_sparsity_other_values", "plot_sparsity", _sparsity_plot_calls,
          _sparsity_plot_verdict, summary="figure"),
]}

#: Every check, visible and hidden, by name.
CHECKS = {**VISIBLE, **HIDDEN}

#: The checks of each graded test cell (grade id) of the notebook.
CELLS = {
    "test_template_images": ("template_images_toy",),
    "test_template_images_hidden": ("template_images_sizes",),
    "test_plot_templates": ("plot_templates_panels",),
    "test_plot_templates_colours": ("plot_templates_colours",),
    "test_plot_templates_ticks": ("plot_templates_ticks",),
    "test_plot_templates_hidden": ("plot_templates_sizes",),
    "test_l1_prox": ("l1_prox_toy", "sparsity_toy"),
    "test_l1_prox_hidden": ("l1_prox_float32", "sparsity_exact_zeros"),
    "test_l1_sweep": ("l1_sweep_trend",),
    "test_plot_sparsity": ("plot_sparsity_sweep",),
    "test_plot_sparsity_hidden": ("plot_sparsity_other_values",),
}
