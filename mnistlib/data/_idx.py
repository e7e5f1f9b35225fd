"""Reader for the IDX format of the original MNIST files (gzip-compressed).

An IDX file is a 4-byte magic number ``00 00 TT DD`` (``TT`` the element type code,
``DD`` the number of dimensions), then ``DD`` big-endian 32-bit sizes, then the elements.
MNIST uses type code ``0x08`` (unsigned byte): images have 3 dimensions (N, 28, 28),
labels have 1 (N,).

Defined in the book chapter "MNIST" (``book/01_mnist``).
"""

from __future__ import annotations

import gzip
import os
import zlib

import numpy as np

_TYPE_NAMES = {
    0x08: "unsigned byte",
    0x09: "signed byte",
    0x0B: "short",
    0x0C: "int",
    0x0D: "float",
    0x0E: "double",
}
_NDIM_OF_KIND = {"images": 3, "labels": 1}
_KIND_OF_NDIM = {3: "images", 1: "labels"}
_GZIP_MAGIC = b"\x1f\x8b"


def _decompress(path: str | os.PathLike) -> bytes:
    """Return the decompressed content of the gzip file ``path``; ValueError if it is not one."""
    with open(path, "rb") as fh:
        compressed = fh.read()
    if not compressed.startswith(_GZIP_MAGIC):
        raise ValueError(
            f"{os.fspath(path)!r} is not a gzip file (it does not start with the gzip signature "
            "1f 8b); the MNIST files are read in their original compressed form (*.gz)."
        )
    try:
        return gzip.decompress(compressed)
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(
            f"{os.fspath(path)!r} is a corrupt or truncated gzip file ({exc}); "
            "download it again or delete it so that it is downloaded again."
        ) from None


def _parse_header(raw: bytes, path: str | os.PathLike, kind: str | None) -> tuple[tuple[int, ...], int]:
    """Check an IDX header and return (shape, offset of the first element)."""
    name = repr(os.fspath(path))
    if len(raw) < 4:
        raise ValueError(f"{name} is too short for an IDX header ({len(raw)} bytes after decompression).")
    if raw[0] != 0 or raw[1] != 0:
        raise ValueError(
            f"{name} has a bad IDX magic number 0x{raw[:4].hex()} (the first two bytes must be zero: "
            "0x00000803 for images, 0x00000801 for labels); it is not an MNIST IDX file."
        )
    type_code, ndim = raw[2], raw[3]
    if type_code != 0x08:
        type_name = _TYPE_NAMES.get(type_code, "unknown type")
        raise ValueError(
            f"{name} has IDX type code 0x{type_code:02x} ({type_name}); "
            "MNIST files use 0x08 (unsigned byte)."
        )
    if kind is not None:
        if ndim != _NDIM_OF_KIND[kind]:
            found = _KIND_OF_NDIM.get(ndim, "neither images nor labels")
            raise ValueError(
                f"{name} has {ndim} dimension(s) ({found}); expected {kind} "
                f"({_NDIM_OF_KIND[kind]} dimension(s)). Is it the right file?"
            )
    elif ndim not in _KIND_OF_NDIM:
        raise ValueError(
            f"{name} has {ndim} dimension(s); MNIST images have 3 and labels have 1."
        )
    offset = 4 + 4 * ndim
    if len(raw) < offset:
        raise ValueError(
            f"{name} is truncated inside its IDX header ({len(raw)} bytes, the header needs {offset})."
        )
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    return shape, offset


def read_idx(path: str | os.PathLike, kind: str | None = None) -> np.ndarray:
    """Read one gzip-compressed IDX file of unsigned bytes, checking it fully.

    Parameters
    ----------
    path : str or path-like
        A ``*-idx3-ubyte.gz`` (images) or ``*-idx1-ubyte.gz`` (labels) file.
    kind : {None, "images", "labels"}, default None
        When given, the file must hold that kind: 3 dimensions for ``"images"``,
        1 for ``"labels"``. With None, either is accepted.

    Returns
    -------
    array : ndarray of dtype uint8
        Shape (N, 28, 28) for MNIST images (raw pixel values 0..255), (N,) for labels.
        A fresh, writable array; never a partial one.

    Raises
    ------
    ValueError
        Naming the file and what is wrong: not gzip, corrupt or truncated gzip data, bad magic
        number, type code other than 0x08, wrong dimension count (or kind), or a data size that
        differs from what the header announces.
    FileNotFoundError
        If ``path`` does not exist.
    """
    if kind not in (None, "images", "labels"):
        raise ValueError(f"kind must be None, 'images' or 'labels', not {kind!r}")
    raw = _decompress(path)
    shape, offset = _parse_header(raw, path, kind)
    expected = int(np.prod(shape, dtype=np.int64))
    found = len(raw) - offset
    if found != expected:
        what = "truncated" if found < expected else "longer than its header says"
        raise ValueError(
            f"{os.fspath(path)!r} is {what}: its IDX header announces shape {shape} "
            f"({expected} bytes of data) but the file holds {found} bytes of data."
        )
    # np.frombuffer on bytes is read-only: copy once into a writable array.
    return np.frombuffer(raw, dtype=np.uint8, offset=offset).reshape(shape).copy()


def read_idx_header(path: str | os.PathLike, kind: str | None = None) -> tuple[str, tuple[int, ...]]:
    """Read only the header of a gzip-compressed IDX file (fast: decompresses a few bytes).

    Parameters
    ----------
    path : str or path-like
        An IDX gzip file.
    kind : {None, "images", "labels"}, default None
        Expected kind, as in :func:`read_idx`.

    Returns
    -------
    kind : str
        ``"images"`` or ``"labels"``.
    shape : tuple of int
        The shape announced by the header. Unlike :func:`read_idx`, the data size is not checked.
    """
    with open(path, "rb") as fh:
        if fh.read(2) != _GZIP_MAGIC:
            raise ValueError(f"{os.fspath(path)!r} is not a gzip file (no gzip signature 1f 8b).")
    try:
        with gzip.open(path, "rb") as fh:
            head = fh.read(4)
            if len(head) == 4:
                head += fh.read(4 * head[3])
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(f"{os.fspath(path)!r} is a corrupt or truncated gzip file ({exc}).") from None
    shape, _ = _parse_header(head, path, kind)
    return _KIND_OF_NDIM[len(shape)], shape
