"""Generate the embedded mini subset ``mnistlib/data/mnist_mini.npz`` from the full MNIST files.

The subset is the first 5,000 / 1,000 / 1,000 rows of the classic split's train / valid / test
sets (train = training images 0..4999, valid = training images 50000..50999, test = test
images 0..999), stored as uint8 (images (N, 28, 28), labels (N,)) with np.savez_compressed.

Usage (from the repository root)::

    python scripts/make_mini_subset.py [--data-dir FOLDER] [--output PATH]

The full files come from ``--data-dir``, else ``$MNISTLIB_DATA``, else the user cache (downloaded
if needed), all verified by SHA-256.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from mnistlib.data._decoded import load_raw
from mnistlib.data._registry import MNIST_FILES
from mnistlib.data._splits import CLASSIC_N_TRAIN, MINI_ROWS

DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "mnistlib" / "data" / "mnist_mini.npz"


def mini_subset(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Cut the mini subset out of the full uint8 arrays returned by ``load_raw``."""
    n_train, n_valid, n_test = MINI_ROWS
    valid = slice(CLASSIC_N_TRAIN, CLASSIC_N_TRAIN + n_valid)
    return {
        "X_train": arrays["train_images"][:n_train],
        "y_train": arrays["train_labels"][:n_train],
        "X_valid": arrays["train_images"][valid],
        "y_valid": arrays["train_labels"][valid],
        "X_test": arrays["test_images"][:n_test],
        "y_test": arrays["test_labels"][:n_test],
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="folder holding the four original MNIST .gz files")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="where to write the .npz")
    args = parser.parse_args(argv)
    arrays, folder = load_raw(data_dir=args.data_dir)
    subset = mini_subset(arrays)
    # The source checksums are stored alongside, so the file says what it was cut from.
    sources = np.array([f"{sha}  {name}" for name, sha in MNIST_FILES.items()])
    np.savez_compressed(args.output, **subset, source_sha256=sources)
    sizes = ", ".join(f"{k} {v.shape}" for k, v in subset.items())
    print(f"Wrote {args.output} ({args.output.stat().st_size:,} bytes) from {folder}: {sizes}")


if __name__ == "__main__":
    main()
