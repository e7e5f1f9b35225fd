"""Decoded-array cache: the uint8 content of each verified ``.gz`` file as a ``.npy`` file.

Parsing the gzip files takes about 0.3 s; loading the ``.npy`` copies and checking them takes
about 40 ms. Each ``.npy`` file is named after the SHA-256 of its own array content (the
constants in :data:`~mnistlib.data._registry.DECODED_SHA256`), and that checksum is computed
again on every load: a cache entry that was damaged, edited or replaced (flipped pixels, labels
overwritten with zeros of the same shape) is never used; the verified ``.gz`` file is decoded
again instead and the entry rewritten. The ``.npy`` files live in ``<user cache>/decoded``,
also when the ``.gz`` files are read in place from ``$MNISTLIB_DATA``. If the cache folder
is not writable, the arrays are simply decoded every time.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

import numpy as np

from ._download import copy_into, remove_stale_parts
from ._fetch import fetch_mnist
from ._idx import read_idx
from ._registry import DECODED_SHA256, FILE_LAYOUT, cache_dir

_log = logging.getLogger(__name__)


def decoded_path(filename: str) -> Path:
    """Return where the decoded copy of ``filename`` (one of :data:`MNIST_FILES`) is cached."""
    stem = filename.removesuffix(".gz")
    return cache_dir() / "decoded" / f"{stem}.{DECODED_SHA256[filename]}.npy"


def array_sha256(array: np.ndarray) -> str:
    """Return the SHA-256 hex digest of an array's bytes in C order (dtype and shape not included)."""
    return hashlib.sha256(np.ascontiguousarray(array).data.cast("B")).hexdigest()


def _save_atomic(path: Path, array: np.ndarray) -> None:
    """Write ``array`` to ``path`` via a temporary file + rename; give up quietly on OSError."""
    try:
        copy_into(path.parent, path.name, lambda fh: np.save(fh, array))
        stem = path.name.split(".")[0]
        for old in path.parent.glob(f"{stem}.*.npy"):  # entries of earlier naming schemes
            if old != path:
                old.unlink()
    except OSError as exc:
        _log.info("could not cache decoded MNIST array at %s: %s", path, exc)


def _load_verified(npy: Path, filename: str) -> np.ndarray | None:
    """Return the cached array if it has the expected dtype, shape and SHA-256, else None."""
    _, shape = FILE_LAYOUT[filename]
    try:
        array = np.load(npy, allow_pickle=False)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, EOFError) as exc:  # damaged cache entry: decode again
        _log.info("ignoring unreadable decoded cache %s: %s", npy, exc)
        return None
    if array.dtype != np.uint8 or array.shape != shape:
        _log.info("ignoring decoded cache %s: dtype %s shape %s", npy, array.dtype, array.shape)
        return None
    if array_sha256(array) != DECODED_SHA256[filename]:
        _log.warning("ignoring decoded cache %s: its content is not the decoded MNIST file "
                     "(SHA-256 mismatch); decoding the verified file again", npy)
        return None
    return array


def decoded_array(path: Path, filename: str) -> np.ndarray:
    """Return the uint8 array of a *verified* MNIST file, from the decoded cache if it checks out.

    Parameters
    ----------
    path : pathlib.Path
        The ``.gz`` file, already verified to have the SHA-256 in :data:`MNIST_FILES`.
    filename : str
        Its official name (a key of :data:`MNIST_FILES`).

    Returns
    -------
    array : ndarray of dtype uint8
        Shape (N, 28, 28) for images, (N,) for labels; its SHA-256 is the one in
        :data:`~mnistlib.data._registry.DECODED_SHA256`, whether it came from the cache or not.
    """
    kind, shape = FILE_LAYOUT[filename]
    npy = decoded_path(filename)
    if npy.parent.is_dir():
        remove_stale_parts(npy.parent)
    array = _load_verified(npy, filename)
    if array is not None:
        return array
    array = read_idx(path, kind=kind)
    if array.shape != shape or array_sha256(array) != DECODED_SHA256[filename]:
        raise ValueError(
            f"{str(path)!r} decodes to an array of shape {array.shape} that is not the MNIST content "
            f"of {filename} (expected shape {shape} and the SHA-256 in DECODED_SHA256)."
        )
    _save_atomic(npy, array)
    return array


def load_raw(
    data_dir: str | os.PathLike[str] | None = None, download: bool = True, progress: bool = True
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
