"""Which data a chapter runs on, and a sentence saying so (page plumbing, not course material).

The book builds on full MNIST by default and on the embedded mini subset when the environment
variable ``MNISTLIB_BOOK_SUBSET`` is ``mini`` (see the introduction and scripts/build_book.sh).
"""

import os

import numpy as np

import mnistlib

ENV_SUBSET = "MNISTLIB_BOOK_SUBSET"


def book_subset():
    """Return ``"full"`` or ``"mini"`` from ``$MNISTLIB_BOOK_SUBSET`` (default ``"full"``)."""
    subset = os.environ.get(ENV_SUBSET, "full").strip() or "full"
    if subset not in ("full", "mini"):
        raise ValueError(f"{ENV_SUBSET} must be 'full' or 'mini', not {subset!r}; unset it for full MNIST.")
    return subset


def describe(data):
    """One sentence naming the data of an ``MNISTSplits``, without any local folder name.

    Parameters
    ----------
    data : mnistlib.MNISTSplits

    Returns
    -------
    str
        For example ``"full MNIST (the original files, checksums verified), classic split:
        50,000 training / 10,000 validation / 10,000 test images"``.
    """
    if data.subset == "full":
        what = "full MNIST (the four original files, SHA-256 checksums verified)"
    else:
        what = "the embedded mini subset of MNIST shipped with mnistlib"
    parts = [f"{len(data.y_train):,} training"]
    if data.y_valid is not None:
        parts.append(f"{len(data.y_valid):,} validation")
    parts.append(f"{len(data.y_test):,} test images")
    return f"{what}, {data.split} split: " + " / ".join(parts)


def load_book_data(split="classic", dtype=np.float32, glue_key="data_source"):
    """Load the chapter's data and glue the sentence naming it under ``glue_key``.

    Parameters
    ----------
    split : {"classic", "standard"}
    dtype : float32 or float64
    glue_key : str or None
        Key for ``{glue:text}`` on the page; None to skip gluing.

    Returns
    -------
    data : mnistlib.MNISTSplits
    """
    data = mnistlib.load_mnist(split=split, subset=book_subset(), dtype=dtype, progress=False)
    if glue_key:
        from myst_nb import glue

        glue(glue_key, describe(data), display=False)
    return data
