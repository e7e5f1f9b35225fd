"""The train / validation / test splits of MNIST, as float arrays in [0, 1].

Defined in the book chapter "MNIST" (``book/01_mnist``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources

import numpy as np
from numpy.typing import DTypeLike

from ._decoded import load_raw

#: Rows of the classic split (deeplearning.net tutorial): train / valid out of the 60,000
#: training images, test = the 10,000 test images.
CLASSIC_N_TRAIN = 50_000
#: Rows of the embedded mini subset (train / valid / test of the classic split).
MINI_ROWS = (5_000, 1_000, 1_000)
MINI_FILE = "mnist_mini.npz"
MINI_SOURCE = "embedded mini subset (first 5,000 / 1,000 / 1,000 rows of the classic split)"
MINI_SOURCE_STANDARD = (
    "embedded mini subset (first 5,000 / 1,000 / 1,000 rows of the classic split; "
    "the standard split uses its 5,000 train and 1,000 test rows)"
)
_SPLITS = ("classic", "standard")
_SUBSETS = ("full", "mini")
_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


@dataclass(frozen=True, eq=False, repr=False)
class MNISTSplits:
    """MNIST split into train / validation / test sets.

    Attributes
    ----------
    X_train : ndarray of shape (N_train, 784) or (N_train, 28, 28)
        Training images, pixel / 255 in [0, 1] (float32 unless asked otherwise).
    y_train : ndarray of shape (N_train,), dtype int64
        Training labels, digits 0..9.
    X_valid : ndarray of shape (N_valid, 784) or (N_valid, 28, 28), or None
        Validation images; None for the ``"standard"`` split.
    y_valid : ndarray of shape (N_valid,), dtype int64, or None
        Validation labels; None for the ``"standard"`` split.
    X_test : ndarray of shape (N_test, 784) or (N_test, 28, 28)
        Test images.
    y_test : ndarray of shape (N_test,), dtype int64
        Test labels.
    split : str
        ``"classic"`` or ``"standard"``.
    subset : str
        ``"full"`` or ``"mini"``.
    source : str
        Human-readable origin, e.g. ``"full MNIST (files in <folder>)"`` or
        ``"embedded mini subset (first 5,000 / 1,000 / 1,000 rows of the classic split)"``.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_valid: np.ndarray | None
    y_valid: np.ndarray | None
    X_test: np.ndarray
    y_test: np.ndarray
    split: str
    subset: str
    source: str

    @property
    def train(self) -> tuple[np.ndarray, np.ndarray]:
        """(X_train, y_train)."""
        return self.X_train, self.y_train

    @property
    def valid(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(X_valid, y_valid), or None for the standard split."""
        return None if self.X_valid is None or self.y_valid is None else (self.X_valid, self.y_valid)

    @property
    def test(self) -> tuple[np.ndarray, np.ndarray]:
        """(X_test, y_test)."""
        return self.X_test, self.y_test

    def summary(self) -> str:
        """One sentence naming the data, without any local folder (for pages and reports).

        For example ``"full MNIST (the four original files, SHA-256 checksums verified),
        classic split: 50,000 training / 10,000 validation / 10,000 test images"``.
        """
        if self.subset == "full":
            what = "full MNIST (the four original files, SHA-256 checksums verified)"
        else:
            what = "the embedded mini subset of MNIST shipped with mnistlib"
        counts = [f"{len(self.y_train):,} training"]
        if self.y_valid is not None:
            counts.append(f"{len(self.y_valid):,} validation")
        counts.append(f"{len(self.y_test):,} test images")
        return f"{what}, {self.split} split: " + " / ".join(counts)

    def __repr__(self) -> str:
        def shape(a: np.ndarray | None) -> tuple[int, ...] | None:
            return None if a is None else a.shape

        return (
            f"MNISTSplits(split={self.split!r}, subset={self.subset!r}, "
            f"X_train={shape(self.X_train)}, X_valid={shape(self.X_valid)}, "
            f"X_test={shape(self.X_test)}, dtype={self.X_train.dtype}, source={self.source!r})"
        )


def _to_float(images: np.ndarray, dtype: np.dtype, flatten: bool) -> np.ndarray:
    """Return pixel / 255 as ``dtype`` (an exact division, correctly rounded), shape (N, 784) if flatten."""
    out = np.divide(images, dtype.type(255), dtype=dtype)
    return out.reshape(len(out), -1) if flatten else out


def _labels(labels: np.ndarray) -> np.ndarray:
    return labels.astype(np.int64)


def load_mini_raw() -> dict[str, np.ndarray]:
    """Return the embedded mini subset as stored: uint8 arrays.

    Returns
    -------
    arrays : dict of str to ndarray of dtype uint8
        ``X_train`` (5000, 28, 28), ``y_train`` (5000,), ``X_valid`` (1000, 28, 28),
        ``y_valid`` (1000,), ``X_test`` (1000, 28, 28), ``y_test`` (1000,): the first rows of
        the classic split's train, valid and test sets.
    """
    ref = resources.files(__package__) / MINI_FILE
    with ref.open("rb") as fh, np.load(fh, allow_pickle=False) as npz:
        return {key: npz[key] for key in ("X_train", "y_train", "X_valid", "y_valid", "X_test", "y_test")}


def _check_args(split: str, subset: str, dtype: DTypeLike, data_dir: str | os.PathLike[str] | None) -> np.dtype:
    if split not in _SPLITS:
        raise ValueError(f"split must be one of {_SPLITS}, not {split!r}")
    if subset not in _SUBSETS:
        raise ValueError(f"subset must be one of {_SUBSETS}, not {subset!r}")
    try:
        dt = None if dtype is None else np.dtype(dtype)  # np.dtype(None) would be float64
    except TypeError:
        dt = None
    if dt is None or dt not in _DTYPES:  # (a dtype compares equal to None: test `is None` first)
        raise ValueError(f"dtype must be float32 or float64, not {dtype!r}")
    if subset == "mini" and data_dir is not None:
        raise ValueError('data_dir has no effect with subset="mini" (the mini subset is embedded); drop one of them.')
    return dt


def load_mnist(
    split: str = "classic",
    subset: str = "full",
    data_dir: str | os.PathLike[str] | None = None,
    dtype: DTypeLike = np.float32,
    flatten: bool = True,
    download: bool = True,
    progress: bool = True,
) -> MNISTSplits:
    """Load MNIST as float arrays in [0, 1] (pixel / 255) split into train / valid / test.

    Parameters
    ----------
    split : {"classic", "standard"}, default "classic"
        ``"classic"`` (the deeplearning.net tutorial's): train = the first 50,000 training
        images, valid = the last 10,000 training images, test = the 10,000 test images.
        ``"standard"``: train = all 60,000 training images, test = the 10,000 test images,
        no validation set (``X_valid`` and ``y_valid`` are None).
    subset : {"full", "mini"}, default "full"
        ``"full"``: the original files (see :func:`fetch_mnist` for where they come from).
        ``"mini"``: the subset embedded in the package, needing no files and no network:
        the first 5,000 / 1,000 / 1,000 rows of the classic train / valid / test sets; with
        ``split="standard"`` train is those 5,000 rows and test those 1,000 rows.
    data_dir : str or path-like, optional
        Folder holding the four original ``.gz`` files (overrides ``$MNISTLIB_DATA``).
        Only for ``subset="full"``.
    dtype : float32 or float64, default float32
        Dtype of the images. Values are pixel / 255 computed exactly and rounded once to dtype.
    flatten : bool, default True
        Images of shape (N, 784) (D = 784 features, row by row) if True, (N, 28, 28) if False.
    download : bool, default True
        Whether missing files may be downloaded into the user cache.
    progress : bool, default True
        Show a download progress bar on stderr.

    Returns
    -------
    data : MNISTSplits
        ``X_*`` of shape (N, 784) (or (N, 28, 28)) and ``dtype``, ``y_*`` of shape (N,) and dtype
        int64, plus ``split``, ``subset`` and ``source`` (which data these are).

    Raises
    ------
    ValueError
        Bad arguments, or a damaged / wrong MNIST file (the message names it).
    FileNotFoundError, MNISTDownloadError
        The full data are not available; the message says how to make them available.
    """
    dt = _check_args(split, subset, dtype, data_dir)
    if subset == "mini":
        raw = load_mini_raw()
        parts = dict(raw)
        source = MINI_SOURCE if split == "classic" else MINI_SOURCE_STANDARD
    else:
        arrays, folder = load_raw(data_dir=data_dir, download=download, progress=progress)
        images, labels = arrays["train_images"], arrays["train_labels"]
        parts = {"X_test": arrays["test_images"], "y_test": arrays["test_labels"]}
        if split == "classic":
            parts.update(
                X_train=images[:CLASSIC_N_TRAIN], y_train=labels[:CLASSIC_N_TRAIN],
                X_valid=images[CLASSIC_N_TRAIN:], y_valid=labels[CLASSIC_N_TRAIN:],
            )
        else:
            parts.update(X_train=images, y_train=labels)
        source = f"full MNIST (files in {folder})"
    has_valid = split == "classic"
    return MNISTSplits(
        X_train=_to_float(parts["X_train"], dt, flatten),
        y_train=_labels(parts["y_train"]),
        X_valid=_to_float(parts["X_valid"], dt, flatten) if has_valid else None,
        y_valid=_labels(parts["y_valid"]) if has_valid else None,
        X_test=_to_float(parts["X_test"], dt, flatten),
        y_test=_labels(parts["y_test"]),
        split=split,
        subset=subset,
        source=source,
    )
