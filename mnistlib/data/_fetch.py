"""Find the four verified MNIST files: given folder, else user cache, else download."""

from __future__ import annotations

import os
from pathlib import Path

from ._download import (
    DEFAULT_LIMITS,
    DownloadLimits,
    MNISTDataUnavailable,
    MNISTDownloadError,
    download_verified,
    file_sha256,
    remove_stale_parts,
    translate_cache_errors,
)
from ._registry import ENV_CACHE, ENV_DATA, MNIST_FILES, cache_dir, data_dir_from_env, mirrors


class MNISTFilesNotFound(MNISTDataUnavailable, FileNotFoundError):
    """The files are not in the cache and may not be downloaded (``download=False``)."""


def ways_out(cache: Path | None = None, style: str = "python") -> str:
    """Return the advice for getting MNIST, for Python users or for the command line.

    Parameters
    ----------
    cache : pathlib.Path, optional
        The cache folder, mentioned as a third place for the files.
    style : {"python", "cli"}, default "python"
        ``"python"`` names ``load_mnist(subset="mini")``; ``"cli"`` names ``--data-dir`` and
        ``python -m mnistlib train --subset mini``.
    """
    names = ", ".join(MNIST_FILES)
    where = f" (or put them into the cache folder {cache}, see ${ENV_CACHE})" if cache else ""
    if style == "cli":
        return (
            "Two ways out:\n"
            f"  1. put the four original MNIST files ({names}) into a folder and pass --data-dir FOLDER, "
            f"or set the environment variable {ENV_DATA}=FOLDER{where}; or\n"
            "  2. train on the embedded mini subset, which needs no files and no network: "
            "python -m mnistlib train --subset mini"
        )
    return (
        "Two ways out:\n"
        f"  1. set the environment variable {ENV_DATA} to a folder holding the four original MNIST "
        f"files ({names}){where}; or\n"
        '  2. use the embedded mini subset, which needs no files and no network: '
        'load_mnist(subset="mini") (5,000 / 1,000 / 1,000 rows of the classic split).'
    )


def _explicit_dir(data_dir: str | os.PathLike[str] | None) -> tuple[Path | None, str]:
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
    paths: dict[str, Path] = {}
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
    data_dir: str | os.PathLike[str] | None = None,
    download: bool = True,
    progress: bool = True,
    limits: DownloadLimits = DEFAULT_LIMITS,
) -> dict[str, Path]:
    """Return the paths of the four original MNIST files, each verified by SHA-256.

    Where the files come from, in this order:

    1. ``data_dir``, else the folder in ``$MNISTLIB_DATA``: files are read in place; if any is
       missing there this is an error (nothing is downloaded behind your back);
    2. the user cache, ``pooch.os_cache("mnistlib")`` or ``$MNISTLIB_CACHE``;
    3. a download into that cache from the mirrors in ``mnistlib.data._registry`` (overridable
       with ``$MNISTLIB_MIRRORS``, comma-separated), tried in order. Each file is written to a
       temporary file in the cache folder, verified, then renamed: no partial file is ever left,
       and one left by a killed process is removed on the next call.

    When a verified copy is present, no network access happens at all.

    Parameters
    ----------
    data_dir : str or path-like, optional
        Folder holding the four ``*.gz`` files. Overrides ``$MNISTLIB_DATA``.
    download : bool, default True
        Whether missing files may be downloaded into the cache.
    progress : bool, default True
        Say which mirror is used, with a progress bar on stderr when stderr is a terminal.
    limits : DownloadLimits, default DEFAULT_LIMITS
        Connect and read timeouts and the deadline per file of each download.

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
    MNISTCacheError
        The cache folder is read-only, full or a file; the message names it and the fix.
    """
    folder, origin = _explicit_dir(data_dir)
    if folder is not None:
        return _from_explicit_dir(folder, origin)
    cache = cache_dir()
    if cache.is_dir():
        remove_stale_parts(cache)
    paths: dict[str, Path] = {}
    down: set[str] = set()  # mirrors that failed for one file are not tried for the next
    for name, sha256 in MNIST_FILES.items():
        path = cache / name
        if path.is_file():
            if file_sha256(path) == sha256:
                paths[name] = path
                continue
            if not download:
                raise ValueError(
                    f"The cached copy {str(path)!r} has the wrong SHA-256 (damaged?). Delete it "
                    "and call again with download=True to fetch a verified copy.\n" + ways_out(cache)
                )
            with translate_cache_errors(cache):
                path.unlink()  # known bad: replaced by a verified download below
        elif not download:
            detail = f"MNIST file {name} is not in the cache folder {str(cache)!r} and download=False."
            raise MNISTFilesNotFound(detail, cache, ways_out(cache))
        try:
            paths[name] = download_verified(name, sha256, cache, mirrors(), progress=progress,
                                            limits=limits, down=down)
        except MNISTDownloadError as exc:
            detail = f"{exc.detail}\n\nMNIST could not be downloaded."
            raise MNISTDownloadError(detail, cache, ways_out(cache)) from None
    return paths
