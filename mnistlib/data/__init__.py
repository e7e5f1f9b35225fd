"""MNIST data: fetching and verifying the original files, splits, the embedded mini subset,
and minibatch iteration.

Main entry points
-----------------
load_mnist
    The classic (50,000 / 10,000 / 10,000) or standard (60,000 / 10,000) split as float arrays
    of pixel / 255, full data or the embedded mini subset (``subset="mini"``, no network).
iterate_minibatches
    Minibatches in order or shuffled with a seed.
fetch_mnist, describe_data
    Paths of the four verified ``.gz`` files; a text report on them.
read_idx
    Checked reader for one IDX gzip file.
MNIST_FILES
    File name -> SHA-256 of the four original files.

Environment variables: ``MNISTLIB_DATA`` (folder with the four files, read in place),
``MNISTLIB_CACHE`` (user cache folder), ``MNISTLIB_MIRRORS`` (comma-separated base URLs).
"""

from ._batches import iterate_minibatches
from ._describe import describe_data
from ._download import MNISTDownloadError
from ._fetch import fetch_mnist
from ._idx import read_idx
from ._registry import MNIST_FILES
from ._splits import MNISTSplits, load_mnist

__all__ = [
    "load_mnist",
    "MNISTSplits",
    "iterate_minibatches",
    "fetch_mnist",
    "read_idx",
    "describe_data",
    "MNIST_FILES",
    "MNISTDownloadError",
]
