"""Correct variant: pyplot's state machine, a colorbar, and a printed note for all-zero weights."""

CELL = "templates"  # the answer cell this file replaces
MUST_LOSE = ()  # test cells that must lose points (none: full marks)

import matplotlib.pyplot as plt
import numpy as np


def template_images(W):
    W = np.array(W)  # a copy
    D, C = W.shape
    side = round(D ** 0.5)
    vmax = np.abs(W).max()
    if vmax == 0:
        print("warning: every weight is 0, the templates are blank")
    return np.array([W[:, k].reshape(side, side) for k in range(C)]), vmax


def plot_templates(W):
    images, vmax = template_images(W)
    fig = plt.figure(figsize=(10, 4.5))
    n_cols = min(5, len(images))
    for k in range(len(images)):
        plt.subplot(-(-len(images) // n_cols), n_cols, k + 1)
        plt.imshow(images[k], cmap="RdBu", vmin=-vmax, vmax=vmax)
        plt.title(str(k))
        plt.xticks([])
        plt.yticks([])
    plt.colorbar(ax=fig.axes, shrink=0.8)
    return fig
