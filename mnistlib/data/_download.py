"""Atomic, checksum-verified download of one file, falling back across mirrors.

A file is streamed into a temporary file *in the destination folder*, its SHA-256 is
checked, and only then is it moved into place with :func:`os.replace` (atomic on one file
system). Whatever happens in between (network error, checksum mismatch, Ctrl-C), the
temporary file is removed and the destination is either absent or complete and verified.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from pathlib import Path

#: Prefix and suffix of the temporary files written while downloading.
TMP_PREFIX = ".mnistlib-download-"
TMP_SUFFIX = ".part"
#: Seconds to wait for a mirror to accept the connection, and for the next chunk of data.
TIMEOUT = (10, 30)


class MNISTDownloadError(OSError):
    """No mirror delivered a file whose SHA-256 matches the known checksum."""


def file_sha256(path: str | os.PathLike) -> str:
    """Return the SHA-256 hex digest of a file (about 1 ms per MB here)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _make_downloader(progress: bool):
    """Return the callable ``downloader(url, output_file, pooch)`` used for one transfer.

    A separate function so that tests can wrap the real downloader (to interrupt it mid-way).
    """
    import pooch  # lazy: only needed when something is actually downloaded

    return pooch.HTTPDownloader(progressbar=progress, chunk_size=1 << 16, timeout=TIMEOUT)


def _network_errors() -> tuple[type[BaseException], ...]:
    """Exception types that mean "this mirror failed, try the next one"."""
    import requests  # pooch's own HTTP library

    return (requests.exceptions.RequestException,)


class _ChecksumMismatch(ValueError):
    pass


def _download_once(url: str, dest: Path, sha256: str, progress: bool) -> None:
    """Download ``url`` to ``dest`` atomically; raise if the transfer or the checksum fails."""
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=TMP_PREFIX + dest.name + ".", suffix=TMP_SUFFIX)
    os.close(fd)
    try:
        _make_downloader(progress)(url, tmp, None)
        got = file_sha256(tmp)
        if got != sha256:
            raise _ChecksumMismatch(f"SHA-256 mismatch: got {got}, expected {sha256}")
        os.replace(tmp, dest)
    finally:
        # Reached on success (tmp already moved), on any error and on KeyboardInterrupt.
        if os.path.exists(tmp):
            os.remove(tmp)


def download_verified(filename: str, sha256: str, dest_dir: Path, mirrors, progress: bool = True) -> Path:
    """Download ``filename`` from the first mirror that delivers it with the right SHA-256.

    Parameters
    ----------
    filename : str
        File name, appended to each mirror's base URL.
    sha256 : str
        Expected SHA-256 hex digest.
    dest_dir : pathlib.Path
        Folder to put the file in (created if needed). The temporary file lives there too.
    mirrors : sequence of str
        Base URLs ending with ``/``, tried in order. A network error (connection refused,
        HTTP 404, timeout, dropped connection) or a checksum mismatch moves on to the next one.
    progress : bool, default True
        Show a progress bar (tqdm, on stderr) and say which mirror is used.

    Returns
    -------
    path : pathlib.Path
        ``dest_dir / filename``, complete and verified.

    Raises
    ------
    MNISTDownloadError
        If every mirror failed; the message lists each URL and its error.
    """
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / filename
    failures = []
    retryable = _network_errors() + (_ChecksumMismatch,)
    for base in mirrors:
        url = base + filename
        if progress:
            print(f"Downloading {filename} from {url}", file=sys.stderr, flush=True)
        try:
            _download_once(url, dest, sha256, progress)
            return dest
        except retryable as exc:
            failures.append(f"  {url}: {type(exc).__name__}: {exc}")
            if progress:
                print(f"  failed ({type(exc).__name__}); trying the next mirror", file=sys.stderr, flush=True)
    tried = "\n".join(failures) if failures else "  (the mirror list is empty)"
    raise MNISTDownloadError(f"Could not download {filename} from any mirror:\n{tried}")
