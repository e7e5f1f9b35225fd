"""Correct variant: a loop over the samples with math.log and math.exp."""

CELL = "cross_entropy"  # the answer cell this file replaces
MUST_LOSE = ()  # test cells that must lose points (none: full marks)

import math


def cross_entropy(Z, y):
    total = 0.0
    for row, label in zip(Z, y):
        top = max(row)
        lse = top + math.log(sum(math.exp(z - top) for z in row))
        total += lse - row[label]
    return total / len(y)
