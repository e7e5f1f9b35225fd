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
check_available
    A quick "can the files be had here?" (folder, cache or an answering mirror), downloading nothing.
DownloadLimits
    Connect and read timeouts and the deadline per file of downloads (one place for them).
read_idx
    Checked reader for one IDX gzip file.
MNIST_FILES
    File name -> SHA-256 of the four original files.

Environment variables: ``MNISTLIB_DATA`` (folder with the four files, read in place),
``MNISTLIB_CACHE`` (user cache folder), ``MNISTLIB_MIRRORS`` (comma-separated base URLs).

Errors meaning "the data cannot be had here" derive from :class:`MNISTDataUnavailable`
(an OSError): :class:`MNISTDownloadError`, :class:`MNISTCacheError` and, for a missing file
that may not be downloaded, a FileNotFoundError.
"""

from ._available import Availability, check_available
from ._batches import iterate_minibatches
from ._describe import describe_data
from ._download import DEFAULT_LIMITS, DownloadLimits, MNISTCacheError, MNISTDataUnavailable, MNISTDownloadError
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
    "MNISTCacheError",
    "MNISTDataUnavailable",
    "DownloadLimits",
    "DEFAULT_LIMITS",
    "check_available",
    "Availability",
]
