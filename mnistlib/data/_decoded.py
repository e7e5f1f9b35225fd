"""Decoded-array cache: the uint8 content of each verified ``.gz`` file as a ``.npy`` file.

Parsing the gzip files takes about 0.3 s; loading the ``.npy`` copies takes about 10 ms.
Each ``.npy`` file is named after the SHA-256 of the ``.gz`` file it was decoded from, and
that checksum is verified on every load (about 10 ms for the four files), so a stale or
foreign cache entry can never be used. The ``.npy`` files live in ``<user cache>/decoded``,
also when the ``.gz`` files are read in place from ``$MNISTLIB_DATA``. If the cache folder
is not writable, the arrays are simply decoded every time.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

import numpy as np

from ._fetch import fetch_mnist
from ._idx import read_idx
from ._registry import FILE_LAYOUT, MNIST_FILES, cache_dir

_log = logging.getLogger(__name__)


def decoded_path(filename: str) -> Path:
    """Return where the decoded copy of ``filename`` (one of :data:`MNIST_FILES`) is cached."""
    stem = filename.removesuffix(".gz")
    return cache_dir() / "decoded" / f"{stem}.{MNIST_FILES[filename]}.npy"


def _save_atomic(path: Path, array: np.ndarray) -> None:
    """Write ``array`` to ``path`` via a temporary file + rename; give up quietly on OSError."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".mnistlib-decoded-", suffix=".part")
        with os.fdopen(fd, "wb") as fh:
            np.save(fh, array)
        os.replace(tmp, path)
    except OSError as exc:
        _log.info("could not cache decoded MNIST array at %s: %s", path, exc)
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.remove(tmp)


def decoded_array(path: Path, filename: str) -> np.ndarray:
    """Return the uint8 array of a *verified* MNIST file, from the decoded cache if possible.

    Parameters
    ----------
    path : pathlib.Path
        The ``.gz`` file, already verified to have the SHA-256 in :data:`MNIST_FILES`.
    filename : str
        Its official name (a key of :data:`MNIST_FILES`).

    Returns
    -------
    array : ndarray of dtype uint8
        Shape (N, 28, 28) for images, (N,) for labels.
    """
    kind, shape = FILE_LAYOUT[filename]
    npy = decoded_path(filename)
    try:
        array = np.load(npy, allow_pickle=False)
        if array.dtype == np.uint8 and array.shape == shape:
            return array
        _log.info("ignoring decoded cache %s: dtype %s shape %s", npy, array.dtype, array.shape)
    except FileNotFoundError:
        pass
    except (OSError, ValueError, EOFError) as exc:  # damaged cache entry: decode again
        _log.info("ignoring unreadable decoded cache %s: %s", npy, exc)
    array = read_idx(path, kind=kind)
    if array.shape != shape:
        raise ValueError(f"{str(path)!r} holds an array of shape {array.shape}; expected {shape}.")
    _save_atomic(npy, array)
    return array


def load_raw(
    data_dir: str | os.PathLike | None = None, download: bool = True, progress: bool = True
) -> tuple[dict[str, np.ndarray], Path]:
    """Return the four MNIST arrays as uint8, and the folder the ``.gz`` files are in.

    Parameters
    ----------
    data_dir, download, progress
        As in :func:`mnistlib.data.fetch_mnist`.

    Returns
    -------
    arrays : dict of str to ndarray of dtype uint8
        ``"train_images"`` (60000, 28, 28), ``"train_labels"`` (60000,),
        ``"test_images"`` (10000, 28, 28), ``"test_labels"`` (10000,).
    folder : pathlib.Path
        Folder holding the verified ``.gz`` files.

    Raises
    ------
    ValueError
        If an images file and its labels file disagree on the number of samples N.
    """
    paths = fetch_mnist(data_dir=data_dir, download=download, progress=progress)
    keys = {
        "train-images-idx3-ubyte.gz": "train_images",
        "train-labels-idx1-ubyte.gz": "train_labels",
        "t10k-images-idx3-ubyte.gz": "test_images",
        "t10k-labels-idx1-ubyte.gz": "test_labels",
    }
    arrays = {keys[name]: decoded_array(path, name) for name, path in paths.items()}
    for part, (img_name, lab_name) in {
        "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
        "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
    }.items():
        n_img, n_lab = len(arrays[f"{part}_images"]), len(arrays[f"{part}_labels"])
        if n_img != n_lab:
            raise ValueError(
                f"{img_name} holds {n_img} images but {lab_name} holds {n_lab} labels; "
                "they must come from the same MNIST release."
            )
    folder = next(iter(paths.values())).parent
    return arrays, folder
