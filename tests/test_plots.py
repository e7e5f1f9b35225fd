"""Figures: the data behind them and their colour scales, not their pixels."""

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

from mnistlib import MLP, SoftmaxRegression, pixel_influence, train_sgd
from mnistlib import plots

matplotlib.use("Agg")


def test_weight_templates_use_a_symmetric_diverging_scale():
    """Are the ten templates the columns of W, on RdBu with vmin = -vmax = -max|W|?"""
    W = np.random.default_rng(0).normal(size=(784, 10))
    W[5, 3] = -7.0  # the largest magnitude is negative
    fig = plots.plot_weight_templates(W)
    assert isinstance(fig, Figure)
    images = [ax.images[0] for ax in fig.axes if ax.images]
    assert len(images) == 10
    for c, im in enumerate(images):
        np.testing.assert_array_equal(im.get_array(), W[:, c].reshape(28, 28))
        assert im.get_cmap().name == "RdBu"
        assert im.get_clim() == (-7.0, 7.0)


def test_weight_templates_refuse_a_transposed_matrix():
    """Is a (10, 784) matrix refused with a message giving the expected shape?"""
    with pytest.raises(ValueError, match=r"\(784, C\)"):
        plots.plot_weight_templates(np.zeros((10, 784)))


def test_digit_grid_marks_wrong_predictions():
    """Does the grid show true/predicted labels with confidence, wrong ones in red?"""
    X = np.random.default_rng(0).random((4, 784))
    proba = np.full((4, 10), 0.05)
    proba[:, 1] = 0.55
    fig = plots.plot_digit_grid(X, y_true=np.array([1, 2, 1, 1]), y_pred=np.array([1, 1, 1, 1]),
                                proba=proba, n_cols=4)
    axes = [ax for ax in fig.axes if ax.images]
    assert "true 2 pred 1" in axes[1].get_title() and "55%" in axes[1].get_title()
    assert axes[1].title.get_color() == "crimson"
    assert axes[0].title.get_color() != "crimson"


def test_learning_curves_plot_every_recorded_set():
    """Do the curves show train/valid/test loss and error, with the best model marked?"""
    rng = np.random.default_rng(0)
    X = rng.random((200, 784), dtype=np.float32)
    y = rng.integers(0, 10, 200)
    history = train_sgd(SoftmaxRegression(), X, y, lr=0.1, batch_size=50, n_epochs=3,
                        valid=(X[:50], y[:50]), test=(X[50:100], y[50:100]))
    fig = plots.plot_learning_curves(history)
    loss_ax, err_ax = fig.axes
    assert {line.get_label() for line in err_ax.lines} >= {"train", "valid", "test", "best model"} - {"train"}
    valid_line = next(line for line in err_ax.lines if line.get_label() == "valid")
    np.testing.assert_allclose(valid_line.get_ydata(), 100 * history.column("valid_error"))
    assert len(loss_ax.lines) == 3
    with pytest.raises(ValueError, match="no evaluations"):
        plots.plot_learning_curves({"records": []})


def test_influence_maps_one_panel_per_node_with_symmetric_scales():
    """Does each panel hold its node's map with a scale symmetric around 0?"""
    net = MLP((784, 5, 10), seed=0)
    maps = pixel_influence(net, "a1")
    fig = plots.plot_influence_maps(maps, n_cols=5)
    ims = [ax.images[0] for ax in fig.axes if ax.images]
    assert len(ims) == 5
    for m, im in zip(maps, ims):
        np.testing.assert_array_equal(im.get_array(), m)
        lo, hi = im.get_clim()
        assert lo == -hi == -np.abs(m).max()
