"""Correct variant: float32 images, a TwoSlopeNorm centred on 0 and bwr_r (blue positive)."""

CELL = "templates"  # the answer cell this file replaces
MUST_LOSE = ()  # test cells that must lose points (none: full marks)

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import TwoSlopeNorm


def template_images(W):
    W32 = np.asarray(W, dtype=np.float32)
    side = int(np.sqrt(W32.shape[0]) + 0.5)
    images = np.transpose(W32).reshape(-1, side, side)
    return np.ascontiguousarray(images), np.float32(np.abs(W32).max())


def plot_templates(W):
    images, vmax = template_images(W)
    C = len(images)
    fig, axes = plt.subplots(2, -(-C // 2), squeeze=False)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    for k in range(C):
        ax = axes.flat[k]
        ax.imshow(images[k], cmap="bwr_r", norm=TwoSlopeNorm(0.0, -float(vmax), float(vmax)))
        ax.set_title(str(k))
    return fig
