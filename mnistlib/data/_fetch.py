"""Find the four verified MNIST files: given folder, else user cache, else download."""

from __future__ import annotations

import os
from pathlib import Path

from ._download import MNISTDownloadError, download_verified, file_sha256
from ._registry import ENV_CACHE, ENV_DATA, MNIST_FILES, cache_dir, data_dir_from_env, mirrors


def _ways_out(cache: Path | None = None) -> str:
    names = ", ".join(MNIST_FILES)
    where = f" (or put them into the cache folder {cache}, see ${ENV_CACHE})" if cache else ""
    return (
        "Two ways out:\n"
        f"  1. set the environment variable {ENV_DATA} to a folder holding the four original MNIST "
        f"files ({names}){where}; or\n"
        '  2. use the embedded mini subset, which needs no files and no network: '
        'load_mnist(subset="mini") (5,000 / 1,000 / 1,000 rows of the classic split).'
    )


def _explicit_dir(data_dir: str | os.PathLike | None) -> tuple[Path | None, str]:
    """Return the folder the user named (argument, else $MNISTLIB_DATA) and how it was named."""
    if data_dir is not None:
        return Path(data_dir).expanduser(), "the data_dir argument"
    env = data_dir_from_env()
    if env is not None:
        return env, f"${ENV_DATA}"
    return None, ""


def _from_explicit_dir(folder: Path, origin: str) -> dict[str, Path]:
    """Return the verified files in a folder the user named; never download anything."""
    if not folder.is_dir():
        raise FileNotFoundError(
            f"MNIST folder {str(folder)!r} (from {origin}) does not exist. Point {origin} at a folder "
            f"holding the four files {', '.join(MNIST_FILES)}, or leave it unset to use the user "
            "cache and download on first use."
        )
    missing = [name for name in MNIST_FILES if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"MNIST folder {str(folder)!r} (from {origin}) lacks {', '.join(missing)}. Files in a "
            "folder you name are read in place and never downloaded: copy the missing files there, "
            f"or leave {origin} unset to use the user cache and download on first use."
        )
    paths = {}
    for name, sha256 in MNIST_FILES.items():
        path = folder / name
        got = file_sha256(path)
        if got != sha256:
            raise ValueError(
                f"{str(path)!r} is not the original MNIST file: its SHA-256 is {got}, expected "
                f"{sha256}. Replace it with the original file (as published by the MNIST mirrors), "
                f"or leave {origin} unset to download verified copies into the user cache."
            )
        paths[name] = path
    return paths


def fetch_mnist(
    data_dir: str | os.PathLike | None = None, download: bool = True, progress: bool = True
) -> dict[str, Path]:
    """Return the paths of the four original MNIST files, each verified by SHA-256.

    Where the files come from, in this order:

    1. ``data_dir``, else the folder in ``$MNISTLIB_DATA``: files are read in place; if any is
       missing there this is an error (nothing is downloaded behind your back);
    2. the user cache, ``pooch.os_cache("mnistlib")`` or ``$MNISTLIB_CACHE``;
    3. a download into that cache from the mirrors in ``mnistlib.data._registry`` (overridable
       with ``$MNISTLIB_MIRRORS``, comma-separated), tried in order. Each file is written to a
       temporary file in the cache folder, verified, then renamed: no partial file is ever left.

    When a verified copy is present, no network access happens at all.

    Parameters
    ----------
    data_dir : str or path-like, optional
        Folder holding the four ``*.gz`` files. Overrides ``$MNISTLIB_DATA``.
    download : bool, default True
        Whether missing files may be downloaded into the cache.
    progress : bool, default True
        Show a download progress bar on stderr.

    Returns
    -------
    paths : dict of str to pathlib.Path
        File name (the keys of :data:`MNIST_FILES`) to its verified path.

    Raises
    ------
    FileNotFoundError
        A named folder lacks files, or ``download=False`` and the cache lacks them.
    ValueError
        A file in a named folder (or, with ``download=False``, in the cache) has the wrong SHA-256.
    MNISTDownloadError
        Every mirror failed (offline, say); the message tells both ways out: set
        ``$MNISTLIB_DATA`` or use ``subset="mini"``.
    """
    folder, origin = _explicit_dir(data_dir)
    if folder is not None:
        return _from_explicit_dir(folder, origin)
    cache = cache_dir()
    paths = {}
    for name, sha256 in MNIST_FILES.items():
        path = cache / name
        if path.is_file():
            if file_sha256(path) == sha256:
                paths[name] = path
                continue
            if not download:
                raise ValueError(
                    f"The cached copy {str(path)!r} has the wrong SHA-256 (damaged?). Delete it "
                    "and call again with download=True to fetch a verified copy.\n" + _ways_out(cache)
                )
            path.unlink()  # known bad: replaced by a verified download below
        elif not download:
            raise FileNotFoundError(
                f"MNIST file {name} is not in the cache folder {str(cache)!r} and download=False.\n"
                + _ways_out(cache)
            )
        try:
            paths[name] = download_verified(name, sha256, cache, mirrors(), progress=progress)
        except MNISTDownloadError as exc:
            raise MNISTDownloadError(f"{exc}\n\nMNIST could not be downloaded (offline?). {_ways_out(cache)}") from None
    return paths
