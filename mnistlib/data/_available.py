"""A quick answer to "can the MNIST files be had here?", without downloading anything.

For preflight checks (a book build, a CI job) that want to fail or fall back to the mini subset
in seconds rather than after a download attempt.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ._fetch import _explicit_dir, _from_explicit_dir
from ._download import file_sha256
from ._registry import FILE_SIZES, MNIST_FILES, cache_dir, mirrors
from ._splits import MINI_SOURCE, _check_args

#: Seconds to wait for each mirror (to connect, and then for its answer) in :func:`check_available`.
PREFLIGHT_TIMEOUT = 2.0


@dataclass(frozen=True)
class Availability:
    """Whether the data can be had, and from where. True in a boolean context when available.

    Attributes
    ----------
    available : bool
        True when the data can be loaded (now, or after a download from ``where``).
    source : str
        ``"mini"`` (embedded), ``"folder"`` (data_dir or ``$MNISTLIB_DATA``), ``"cache"``,
        ``"mirror"`` (files missing from the cache, but a mirror answers for them), or ``"none"``.
    where : str
        The folder or mirror URL; empty for ``"mini"`` and ``"none"``.
    detail : str
        One or more lines saying what was found, or why the data cannot be had.
    """

    available: bool
    source: str
    where: str
    detail: str

    def __bool__(self) -> bool:
        return self.available


def _mirror_answers(base: str, names: list[str], timeout: float) -> str | None:
    """Return None if ``base`` answers HTTP HEAD with 200 and the right size for each name, else why not."""
    import requests

    with requests.Session() as session:
        for name in names:
            kwargs = dict(timeout=(timeout, timeout), allow_redirects=True, headers={"Accept-Encoding": "identity"})
            try:
                response = session.head(base + name, **kwargs)  # type: ignore[arg-type]
                if response.status_code in (405, 501):  # no HEAD here: start a GET, read no body
                    with session.get(base + name, stream=True, **kwargs) as response:  # type: ignore[arg-type]
                        pass
            except requests.exceptions.RequestException as exc:
                return f"{base}{name}: {type(exc).__name__}"
            if response.status_code != 200:
                return f"{base}{name}: HTTP {response.status_code}"
            size = response.headers.get("Content-Length")
            if size is not None and size.isdigit() and int(size) != FILE_SIZES[name]:
                return f"{base}{name}: {size} bytes announced, expected {FILE_SIZES[name]}"
    return None


def check_available(
    split: str = "classic",
    subset: str = "full",
    data_dir: str | os.PathLike[str] | None = None,
    download: bool = True,
    timeout: float = PREFLIGHT_TIMEOUT,
) -> Availability:
    """Tell quickly whether :func:`load_mnist` with these arguments can get its data.

    Nothing is downloaded or written. The places are looked at in :func:`fetch_mnist`'s order:
    the embedded mini subset (always there), ``data_dir`` or ``$MNISTLIB_DATA`` (the files must
    be there with the right SHA-256), the user cache (same), and last, when ``download`` is
    True, the mirrors: each is asked (HTTP HEAD) for the files the cache lacks. A mirror that
    is unreachable or silent costs at most ``2 * timeout`` seconds; the answer is never
    slower than ``2 * timeout`` times the number of mirrors plus about 20 ms of checksums.

    Parameters
    ----------
    split, subset, data_dir, download
        As in :func:`load_mnist`.
    timeout : float, default PREFLIGHT_TIMEOUT (2 s)
        Seconds to wait for each mirror to accept the connection, and then for its answer.

    Returns
    -------
    availability : Availability
        True in a boolean context when the data can be had; ``source``, ``where`` and ``detail``
        say from where, or why not.

    Raises
    ------
    ValueError
        Bad ``split`` or ``subset``, or ``data_dir`` with ``subset="mini"``.

    Examples
    --------
    >>> from mnistlib.data import check_available
    >>> bool(check_available(subset="mini"))
    True
    """
    _check_args(split, subset, "float32", data_dir)
    if subset == "mini":
        return Availability(True, "mini", "", f"the {MINI_SOURCE}, shipped inside mnistlib")
    folder, origin = _explicit_dir(data_dir)
    if folder is not None:
        try:
            _from_explicit_dir(folder, origin)
        except (OSError, ValueError) as exc:
            return Availability(False, "none", str(folder), str(exc))
        return Availability(True, "folder", str(folder), f"the four files in {folder} (from {origin}), verified")
    cache = cache_dir()
    missing = [name for name, sha in MNIST_FILES.items()
               if not ((cache / name).is_file() and file_sha256(cache / name) == sha)]
    if not missing:
        return Availability(True, "cache", str(cache), f"the four files in the cache folder {cache}, verified")
    lacking = f"the cache folder {cache} lacks {', '.join(missing)}"
    if not download:
        return Availability(False, "none", "", f"{lacking}, and download=False")
    failures = []
    for base in mirrors():
        why = _mirror_answers(base, missing, timeout)
        if why is None:
            return Availability(True, "mirror", base, f"{lacking}; the mirror {base} has them (not downloaded yet)")
        failures.append(why)
    return Availability(False, "none", "", f"{lacking}, and no mirror answered: " + "; ".join(failures))
