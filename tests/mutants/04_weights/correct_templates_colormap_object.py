"""Correct variant: reshaped columns, a Colormap object, the book's constant, axis("off")."""

CELL = "templates"  # the answer cell this file replaces
MUST_LOSE = ()  # test cells that must lose points (none: full marks)

import math

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

import mnistlib.plots


def template_images(W):
    D, C = np.shape(W)
    side = math.isqrt(D)
    images = np.stack([np.array(W[:, k]).reshape(side, side) for k in range(C)])
    return images, max(abs(float(np.min(W))), abs(float(np.max(W))))


def plot_templates(W):
    images, vmax = template_images(W)
    cmap = matplotlib.colormaps[mnistlib.plots.DIVERGING_CMAP]  # the book's "RdBu"
    fig = plt.figure(figsize=(10, 4.4))
    for k, image in enumerate(images):
        ax = fig.add_subplot(2, (len(images) + 1) // 2, k + 1)
        ax.imshow(image, cmap=cmap, vmin=-vmax, vmax=vmax, interpolation="nearest")
        ax.set_title(f"{k}")
        ax.axis("off")
    return fig
