"""Mutant: the right panel has no y label."""

CELL = "plot_sparsity"  # the answer cell this file replaces
MUST_LOSE = (
    'test_plot_sparsity',
    'test_plot_sparsity_hidden',
)  # test cells that must lose points

import matplotlib.pyplot as plt
import numpy as np


def plot_sparsity(penalties, sparsities, accuracies):
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2))
    left.plot(penalties, 100 * np.asarray(sparsities), marker="o")
    left.set_ylabel("weights exactly zero (%)")
    right.plot(penalties, 100 * np.asarray(accuracies), marker="o", color="tab:orange")
    for ax in (left, right):
        ax.set_xscale("log")
        ax.set_xlabel("L1 penalty")
    fig.tight_layout()
    return fig
