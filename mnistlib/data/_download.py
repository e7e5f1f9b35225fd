"""Atomic, checksum-verified download of one file, falling back across mirrors.

A file is streamed into a temporary ``.part`` file *in the destination folder*, its SHA-256 is
checked, and only then is it moved into place with :func:`os.replace` (atomic on one file
system). Whatever happens in between (network error, checksum mismatch, deadline, Ctrl-C), the
temporary file is removed and the destination is either absent or complete and verified. A
``.part`` file left by a process that was killed (so that no ``finally`` ran) is removed by the
next call, see :func:`remove_stale_parts`.

Every transfer is bounded in time by :class:`DownloadLimits` (the one place for those numbers):
seconds to connect, seconds of silence, and an overall deadline per file and mirror.
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import os
import re
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ._registry import ENV_CACHE, ENV_DATA, FILE_SIZES

#: Prefix and suffix of the temporary files written while downloading or caching.
TMP_PREFIX = ".mnistlib-download-"
TMP_SUFFIX = ".part"
#: A ``.part`` file untouched for this many seconds is stale even if its process id is in use
#: (the id may have been reused, or the file may come from another machine sharing the cache).
STALE_PART_AGE = 3600.0
#: Bytes asked for per read; a read returns as soon as any data has arrived.
CHUNK_SIZE = 1 << 16

_PART_PID = re.compile(re.escape(TMP_PREFIX) + r".*\.(\d+)\.[^.]+" + re.escape(TMP_SUFFIX) + "$")


@dataclass(frozen=True)
class DownloadLimits:
    """Time limits of one transfer (one file from one mirror), in seconds.

    Attributes
    ----------
    connect : float, default 5.0
        To open the connection to a mirror.
    read : float, default 6.0
        Of silence from a mirror (before its first byte or between two reads). A mirror that
        accepts connections but never answers is given up after ``read`` seconds, and not tried
        again for the other files: with the two default mirrors that is 12 s in all.
    per_file : float, default 300.0
        For the whole transfer of one file from one mirror (the largest file, 9.9 MB, then needs
        33 kB/s). Catches mirrors that keep sending a trickle and so never hit ``read``.
    """

    connect: float = 5.0
    read: float = 6.0
    per_file: float = 300.0

    def __post_init__(self) -> None:
        for name in ("connect", "read", "per_file"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and value > 0):
                raise ValueError(f"DownloadLimits.{name} must be a positive number of seconds, not {value!r}")


#: The limits used unless a caller passes others.
DEFAULT_LIMITS = DownloadLimits()


class MNISTDataUnavailable(OSError):
    """Base of the errors meaning "the MNIST files cannot be had here": knows the ways out.

    Attributes
    ----------
    detail : str
        What went wrong, without advice.
    cache : pathlib.Path or None
        The cache folder involved, if any.
    """

    def __init__(self, detail: str, cache: Path | None = None, advice: str = "") -> None:
        super().__init__(f"{detail}\n{advice}" if advice else detail)
        self.detail = detail
        self.cache = cache


class MNISTDownloadError(MNISTDataUnavailable):
    """No mirror delivered a file whose SHA-256 matches the known checksum."""


class MNISTCacheError(MNISTDataUnavailable):
    """The cache folder cannot hold the files: read-only, full, or not a folder."""


class DeadlineExceeded(OSError):
    """A transfer took longer than :attr:`DownloadLimits.per_file`."""


class _ChecksumMismatch(ValueError):
    pass


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Return the SHA-256 hex digest of a file (about 1 ms per MB here)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------------
# Temporary files


def make_part(folder: Path, name: str) -> str:
    """Create an empty temporary file for ``name`` in ``folder``; its name holds this process id."""
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f"{TMP_PREFIX}{name}.{os.getpid()}.", suffix=TMP_SUFFIX)
    os.close(fd)
    return tmp


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists but belongs to someone else
        return True
    return True


def remove_stale_parts(folder: Path, max_age: float = STALE_PART_AGE) -> list[Path]:
    """Delete the ``.part`` files in ``folder`` that no live download is writing.

    A part file is stale when the process named in it is not running (it was killed before
    it could clean up) or when it was last written more than ``max_age`` seconds ago. A part
    file of a download running right now in another process is left alone.

    Returns
    -------
    removed : list of pathlib.Path
        The files deleted (errors while deleting are ignored: the next call tries again).
    """
    removed: list[Path] = []
    now = time.time()
    try:
        candidates = list(folder.glob(f"{TMP_PREFIX}*{TMP_SUFFIX}"))
    except OSError:
        return removed
    for path in candidates:
        match = _PART_PID.match(path.name)
        try:
            age = now - path.stat().st_mtime
            if age > max_age or match is None or not _process_alive(int(match.group(1))):
                path.unlink()
                removed.append(path)
        except OSError:
            continue
    return removed


# ---------------------------------------------------------------------------------------------
# Errors about the cache folder

_NOT_WRITABLE = {errno.EACCES, errno.EPERM, errno.EROFS}
_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_NOT_A_FOLDER = {errno.ENOTDIR, errno.EEXIST}


def _cache_fix(folder: Path) -> str:
    return (
        f"Set {ENV_CACHE} to a writable folder with room for {sum(FILE_SIZES.values()) / 1e6:.1f} MB, "
        f"or set {ENV_DATA} to a folder that already holds the four files."
    )


def cache_error(folder: Path, exc: OSError) -> MNISTCacheError | None:
    """Return the :class:`MNISTCacheError` that explains ``exc`` for the cache ``folder``, or None."""
    fix = _cache_fix(folder)
    where = repr(str(folder))
    if exc.errno in _NOT_A_FOLDER:
        blocker = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), folder)
        detail = (f"The MNIST cache folder {where} cannot be a folder: {str(blocker)!r} is a file. "
                  f"Remove or rename that file, or: {fix}")
    elif exc.errno in _NOT_WRITABLE:
        detail = f"The MNIST cache folder {where} is not writable ({exc.strerror}). {fix}"
    elif exc.errno in _FULL:
        detail = (f"The MNIST cache folder {where} is full ({exc.strerror}). Free some space there, or: {fix}")
    else:
        return None
    return MNISTCacheError(detail, folder)


@contextmanager
def translate_cache_errors(folder: Path) -> Iterator[None]:
    """Turn a read-only, full or not-a-folder OSError while writing into ``folder`` into a clear error."""
    try:
        yield
    except MNISTDataUnavailable:
        raise
    except OSError as exc:
        if _is_network_error(exc):
            raise
        clear = cache_error(folder, exc)
        if clear is None:
            raise
        raise clear from exc


# ---------------------------------------------------------------------------------------------
# One transfer


def _network_errors() -> tuple[type[BaseException], ...]:
    """Exception types that mean "this mirror failed, try the next one"."""
    import requests  # pooch's own HTTP library
    import urllib3

    return (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, DeadlineExceeded)


def _is_network_error(exc: BaseException) -> bool:
    return isinstance(exc, _network_errors())


class DeadlineDownloader:
    """A downloader in pooch's protocol, ``downloader(url, output_file, pooch)``, with a deadline.

    Written by hand because ``pooch.HTTPDownloader`` has no overall deadline (a mirror that
    sends one byte every few seconds keeps it going for ever) and lets requests undo a gzip
    ``Content-Encoding``, which changes the bytes of a ``.gz`` file. Here the bytes are saved
    exactly as sent, each read returns as soon as data has arrived, and the deadline is checked
    after every read.

    Parameters
    ----------
    limits : DownloadLimits
        Connect, read and per-file limits.
    progress : bool
        Show a tqdm progress bar on stderr, but only when stderr is a terminal.

    Attributes
    ----------
    content_encoding : str
        The ``Content-Encoding`` of the last response (``"identity"`` when none was given).
    """

    def __init__(self, limits: DownloadLimits = DEFAULT_LIMITS, progress: bool = True) -> None:
        self.limits = limits
        self.progress = progress
        self.content_encoding = "identity"

    def __call__(self, url: str, output_file: str | os.PathLike[str] | IO[bytes], pooch: Any = None) -> None:
        import requests
        from tqdm import tqdm

        deadline = time.monotonic() + self.limits.per_file
        timeout = (self.limits.connect, self.limits.read)
        headers = {"Accept-Encoding": "identity"}  # ask for the file's own bytes
        with requests.get(url, stream=True, timeout=timeout, headers=headers) as response:
            response.raise_for_status()
            self.content_encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
            total = int(response.headers.get("Content-Length", 0) or 0) or None
            opened = not hasattr(output_file, "write")
            fh: IO[bytes] = open(output_file, "wb", buffering=0) if opened else output_file  # type: ignore[arg-type,assignment]
            try:
                with tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, file=sys.stderr,
                          disable=None if self.progress else True, leave=True) as bar:
                    while chunk := response.raw.read1(CHUNK_SIZE, decode_content=False):
                        fh.write(chunk)
                        bar.update(len(chunk))
                        if time.monotonic() > deadline:
                            raise DeadlineExceeded(
                                f"gave up after the deadline of {self.limits.per_file:g} s per file "
                                f"({bar.n:,} bytes received; the mirror is too slow)"
                            )
                fh.flush()
            finally:
                if opened:
                    fh.close()


def _make_downloader(progress: bool, limits: DownloadLimits = DEFAULT_LIMITS) -> DeadlineDownloader:
    """Return the callable ``downloader(url, output_file, pooch)`` used for one transfer.

    A separate function so that tests can wrap the real downloader (to interrupt it mid-way).
    """
    return DeadlineDownloader(limits, progress)


def _gunzip_if_it_matches(tmp: str, sha256: str) -> str | None:
    """If ``tmp`` decompressed has the expected SHA-256, write that into ``tmp``; return its digest."""
    try:
        with open(tmp, "rb") as fh:
            data = gzip.decompress(fh.read())
    except (OSError, EOFError, zlib.error):
        return None
    got = hashlib.sha256(data).hexdigest()
    if got == sha256:
        with open(tmp, "wb") as fh:
            fh.write(data)
    return got


def _download_once(url: str, dest: Path, sha256: str, progress: bool,
                   limits: DownloadLimits = DEFAULT_LIMITS) -> None:
    """Download ``url`` to ``dest`` atomically; raise if the transfer or the checksum fails."""
    tmp = make_part(dest.parent, dest.name)
    try:
        downloader = _make_downloader(progress, limits)
        downloader(url, tmp, None)
        got = file_sha256(tmp)
        encoding = getattr(downloader, "content_encoding", "identity")
        if got != sha256 and encoding in ("gzip", "x-gzip"):
            # The mirror compressed the .gz file once more for the transfer: undo that.
            decoded = _gunzip_if_it_matches(tmp, sha256)
            if decoded != sha256:
                raise _ChecksumMismatch(
                    f"SHA-256 mismatch: got {got} for the bytes as sent and "
                    f"{decoded or 'no gzip data'} after undoing the mirror's Content-Encoding: gzip; "
                    f"expected {sha256}"
                )
        elif got != sha256:
            raise _ChecksumMismatch(f"SHA-256 mismatch: got {got}, expected {sha256}")
        os.replace(tmp, dest)
    finally:
        # Reached on success (tmp already moved), on any error and on KeyboardInterrupt.
        if os.path.exists(tmp):
            os.remove(tmp)


def _mirror_is_down(exc: BaseException) -> bool:
    """True for failures that will recur for every file of this mirror (no route, no answer, too slow)."""
    import requests

    return isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
                            DeadlineExceeded)) or type(exc).__name__.endswith("TimeoutError")


def _describe_failure(exc: BaseException, limits: DownloadLimits) -> str:
    import requests

    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return f"no connection within {limits.connect:g} s"
    if isinstance(exc, requests.exceptions.ReadTimeout) or type(exc).__name__ == "ReadTimeoutError":
        return f"connected, but no answer within {limits.read:g} s"
    return f"{type(exc).__name__}: {exc}"


def download_verified(
    filename: str,
    sha256: str,
    dest_dir: Path,
    mirrors: Iterable[str],
    progress: bool = True,
    limits: DownloadLimits = DEFAULT_LIMITS,
    down: set[str] | None = None,
) -> Path:
    """Download ``filename`` from the first mirror that delivers it with the right SHA-256.

    Parameters
    ----------
    filename : str
        File name, appended to each mirror's base URL.
    sha256 : str
        Expected SHA-256 hex digest.
    dest_dir : pathlib.Path
        Folder to put the file in (created if needed). The temporary file lives there too.
    mirrors : iterable of str
        Base URLs ending with ``/``, tried in order. A network error (connection refused,
        HTTP 404, timeout, deadline, dropped connection) or a checksum mismatch moves on to the
        next one.
    progress : bool, default True
        Say which mirror is used, and show a progress bar (tqdm, on stderr) if it is a terminal.
    limits : DownloadLimits, default DEFAULT_LIMITS
        Time limits of each transfer.
    down : set of str, optional
        Mirrors known to be unreachable, skipped; mirrors found unreachable, silent or too slow
        are added to it (pass the same set for several files so that each dead mirror costs
        its timeout once).

    Returns
    -------
    path : pathlib.Path
        ``dest_dir / filename``, complete and verified.

    Raises
    ------
    MNISTDownloadError
        If every mirror failed; the message lists each URL and its error, and says "offline?"
        only when no mirror could be reached at all.
    MNISTCacheError
        If ``dest_dir`` is read-only, full, or not a folder.
    """
    down = set() if down is None else down
    with translate_cache_errors(dest_dir):
        dest_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_parts(dest_dir)
    dest = dest_dir / filename
    failures = []
    all_unreachable = True
    retryable = _network_errors() + (_ChecksumMismatch,)
    for base in mirrors:
        url = base + filename
        if base in down:
            failures.append(f"  {url}: skipped (the mirror failed for an earlier file)")
            continue
        if progress:
            print(f"Downloading {filename} from {url}", file=sys.stderr, flush=True)
        try:
            with translate_cache_errors(dest_dir):
                _download_once(url, dest, sha256, progress, limits)
            return dest
        except retryable as exc:
            failures.append(f"  {url}: {_describe_failure(exc, limits)}")
            if _mirror_is_down(exc):
                down.add(base)
            if not _mirror_is_down(exc) or isinstance(exc, DeadlineExceeded):
                all_unreachable = False  # it answered: a slow or wrong mirror, not "offline?"
            if progress:
                print(f"  failed ({type(exc).__name__}); trying the next mirror", file=sys.stderr, flush=True)
    tried = "\n".join(failures) if failures else "  (the mirror list is empty)"
    headline = "no mirror could be reached (offline?)" if all_unreachable else "no mirror delivered a verified copy"
    raise MNISTDownloadError(f"Could not download {filename}: {headline}:\n{tried}", dest_dir)


def copy_into(folder: Path, name: str, write: Callable[[IO[bytes]], None]) -> Path:
    """Write a file into ``folder`` atomically through a ``.part`` file; return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    tmp = make_part(folder, name)
    try:
        with open(tmp, "wb") as fh:
            write(fh)
        os.replace(tmp, folder / name)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return folder / name


__all__ = [
    "DEFAULT_LIMITS", "DownloadLimits", "DeadlineDownloader", "MNISTDownloadError", "MNISTCacheError",
    "MNISTDataUnavailable", "copy_into", "download_verified", "file_sha256", "remove_stale_parts",
]
