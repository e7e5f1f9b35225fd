"""Correct variant: fig.add_subplot, semilogx, lists in percent, a printed summary."""

CELL = "plot_sparsity"  # the answer cell this file replaces
MUST_LOSE = ()  # test cells that must lose points (none: full marks)

import matplotlib.pyplot as plt


def plot_sparsity(penalties, sparsities, accuracies):
    fig = plt.figure(figsize=(9, 3.2))
    for i, (values, name) in enumerate([(sparsities, "zero weights (%)"),
                                        (accuracies, "validation accuracy (%)")]):
        ax = fig.add_subplot(1, 2, i + 1)
        ax.semilogx(list(penalties), [100 * v for v in values], "o-")
        ax.set_xlabel("penalty lambda")
        ax.set_ylabel(name)
    print(f"{len(penalties)} penalties plotted")
    return fig
