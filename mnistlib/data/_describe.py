"""A short text report on the MNIST files (for ``python -m mnistlib data``)."""

from __future__ import annotations

import os
from importlib import resources

from ._decoded import decoded_path
from ._fetch import _explicit_dir, fetch_mnist
from ._idx import read_idx_header
from ._registry import MNIST_FILES, cache_dir, mirrors
from ._splits import MINI_FILE, MINI_SOURCE


def describe_data(
    data_dir: str | os.PathLike[str] | None = None, download: bool = True, progress: bool = True
) -> str:
    """Fetch and verify the MNIST files, and describe them in a few lines of text.

    Parameters
    ----------
    data_dir, download, progress
        As in :func:`fetch_mnist`.

    Returns
    -------
    report : str
        Where the files are and why there, each file's size, verified SHA-256 and the shape
        its header announces, the decoded-array cache, the mirrors and the embedded mini subset.

    Raises
    ------
    FileNotFoundError, ValueError, MNISTDownloadError
        As :func:`fetch_mnist`, when the files are not available or not the original ones.
    """
    paths = fetch_mnist(data_dir=data_dir, download=download, progress=progress)
    folder, origin = _explicit_dir(data_dir)
    origin = origin or "the user cache"
    lines = [f"MNIST files in {next(iter(paths.values())).parent} (from {origin}):"]
    width = max(len(name) for name in paths)
    n_decoded = 0
    for name, path in paths.items():
        kind, shape = read_idx_header(path)
        size = path.stat().st_size
        lines.append(
            f"  {name:<{width}}  {size:>10,} bytes  {kind:<6} {str(shape):<16} "
            f"sha256 {MNIST_FILES[name]} verified"
        )
        n_decoded += decoded_path(name).is_file()
    lines.append(f"Decoded-array cache: {cache_dir() / 'decoded'} ({n_decoded} of {len(paths)} files decoded)")
    lines.append("Download mirrors (only used for files missing from the cache): " + ", ".join(mirrors()))
    mini = resources.files(__package__) / MINI_FILE
    with mini.open("rb") as fh:
        mini_size = len(fh.read())
    lines.append(f"Also available offline: the {MINI_SOURCE}, {mini_size:,} bytes: "
                 'load_mnist(subset="mini") in Python, python -m mnistlib train --subset mini on the command line.')
    return "\n".join(lines)
