"""Mutant: matplotlib's default colormap and limits."""

CELL = "templates"  # the answer cell this file replaces
MUST_LOSE = (
    'test_plot_templates_colours',
    'test_plot_templates_hidden',
)  # test cells that must lose points

import matplotlib.pyplot as plt
import numpy as np


def template_images(W):
    W = np.asarray(W)
    side = int(round(np.sqrt(W.shape[0])))
    images = W.T.reshape(W.shape[1], side, side).copy()
    return images, float(np.abs(W).max())


def plot_templates(W):
    images, vmax = template_images(W)
    n_classes = images.shape[0]
    n_cols = min(5, n_classes)
    n_rows = -(-n_classes // n_cols)
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(2 * n_cols, 2.2 * n_rows), squeeze=False)
    for k, ax in enumerate(axes.flat):
        if k >= n_classes:
            ax.remove()
            continue
        ax.imshow(images[k])
        ax.set_title(str(k))
        ax.set_xticks([])
        ax.set_yticks([])
    return fig
