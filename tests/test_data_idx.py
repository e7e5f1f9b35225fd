"""Tests of the IDX reader ``mnistlib.data.read_idx`` on small synthetic files."""

from __future__ import annotations

import gzip
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from mnistlib.data import read_idx
from mnistlib.data._idx import read_idx_header


def idx_bytes(array: np.ndarray, type_code: int = 0x08, magic01: bytes = b"\x00\x00") -> bytes:
    """Serialise ``array`` (uint8) as IDX: magic, big-endian sizes, data."""
    header = magic01 + bytes([type_code, array.ndim])
    header += b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def write_gz(path: Path, payload: bytes) -> Path:
    path.write_bytes(gzip.compress(payload))
    return path


def sample_images(n=3, rows=4, cols=5, seed=0):
    return np.random.default_rng(seed).integers(0, 256, size=(n, rows, cols), dtype=np.uint8)


def test_roundtrip_images_and_labels(tmp_path):
    """Does read_idx return exactly the uint8 images and labels that were written?"""
    images = sample_images()
    labels = np.array([7, 0, 9], dtype=np.uint8)
    got_images = read_idx(write_gz(tmp_path / "i.gz", idx_bytes(images)), kind="images")
    got_labels = read_idx(write_gz(tmp_path / "l.gz", idx_bytes(labels)), kind="labels")
    assert got_images.dtype == np.uint8 and got_labels.dtype == np.uint8
    np.testing.assert_array_equal(got_images, images)
    np.testing.assert_array_equal(got_labels, labels)
    assert got_images.flags.writeable


@settings(max_examples=40, deadline=None)
@given(arrays(np.uint8, st.tuples(st.integers(0, 6), st.integers(1, 5), st.integers(1, 5))))
def test_roundtrip_any_image_array(images):
    """Does any (N, rows, cols) uint8 array, N = 0 included, survive a write / read_idx round trip?"""
    with tempfile.TemporaryDirectory() as tmp:
        path = write_gz(Path(tmp) / "x.gz", idx_bytes(images))
        np.testing.assert_array_equal(read_idx(path), images)
        assert read_idx_header(path) == ("images", images.shape)


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_any_truncation_of_the_gzip_file_is_rejected(data):
    """Is a gzip file cut at any byte rejected with a ValueError naming the file?"""
    payload = gzip.compress(idx_bytes(sample_images(n=4)))
    cut = data.draw(st.integers(0, len(payload) - 1))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cut-images.gz"
        path.write_bytes(payload[:cut])
        with pytest.raises(ValueError, match="cut-images.gz"):
            read_idx(path)


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_any_truncation_of_the_idx_payload_is_rejected(data):
    """Is a valid gzip stream whose IDX content is cut short rejected, never returned partially?"""
    raw = idx_bytes(sample_images(n=4))
    cut = data.draw(st.integers(0, len(raw) - 1))
    with tempfile.TemporaryDirectory() as tmp:
        path = write_gz(Path(tmp) / "short.gz", raw[:cut])
        with pytest.raises(ValueError, match="short.gz"):
            read_idx(path)


def test_not_gzip(tmp_path):
    """Is an uncompressed IDX file rejected as 'not a gzip file'?"""
    path = tmp_path / "plain.gz"
    path.write_bytes(idx_bytes(sample_images()))
    with pytest.raises(ValueError, match=r"plain\.gz.*not a gzip file"):
        read_idx(path)


def test_corrupt_gzip_bytes(tmp_path):
    """Is a gzip file with damaged bytes in its compressed data (bad CRC / bad deflate) rejected?"""
    payload = bytearray(gzip.compress(idx_bytes(sample_images(n=50, rows=28, cols=28))))
    for i in range(20, 60):  # inside the deflate stream, past the 10-byte gzip header
        payload[i] ^= 0xFF
    path = tmp_path / "damaged.gz"
    path.write_bytes(bytes(payload))
    with pytest.raises(ValueError, match=r"damaged\.gz.*corrupt or truncated gzip"):
        read_idx(path)


def test_bad_crc(tmp_path):
    """Is a gzip file whose CRC-32 trailer does not match its content rejected?"""
    payload = bytearray(gzip.compress(idx_bytes(sample_images())))
    payload[-8] ^= 0x01  # first byte of the CRC-32 trailer
    path = tmp_path / "crc.gz"
    path.write_bytes(bytes(payload))
    with pytest.raises(ValueError, match=r"crc\.gz.*corrupt or truncated gzip"):
        read_idx(path)


def test_wrong_magic(tmp_path):
    """Is a file whose magic number does not start with two zero bytes rejected?"""
    path = write_gz(tmp_path / "magic.gz", idx_bytes(sample_images(), magic01=b"\x12\x34"))
    with pytest.raises(ValueError, match=r"magic\.gz.*bad IDX magic number 0x12340803"):
        read_idx(path)


@pytest.mark.parametrize("code", [0x09, 0x0B, 0x0C, 0x0D, 0x0E, 0x42])
def test_wrong_type_code(tmp_path, code):
    """Is any element type other than 0x08 (unsigned byte) rejected, naming the code?"""
    path = write_gz(tmp_path / "type.gz", idx_bytes(sample_images(), type_code=code))
    with pytest.raises(ValueError, match=rf"type\.gz.*type code 0x{code:02x}"):
        read_idx(path)


@pytest.mark.parametrize("shape", [(2, 3), (2, 2, 2, 2), ()])
def test_wrong_dimension_count(tmp_path, shape):
    """Are IDX files with neither 3 (images) nor 1 (labels) dimensions rejected?"""
    array = np.zeros(shape, dtype=np.uint8)
    path = write_gz(tmp_path / "dims.gz", idx_bytes(array))
    with pytest.raises(ValueError, match=rf"dims\.gz.*{len(shape)} dimension"):
        read_idx(path)


def test_wrong_kind(tmp_path):
    """Is a labels file rejected where images are expected, and vice versa?"""
    labels = write_gz(tmp_path / "labels.gz", idx_bytes(np.arange(5, dtype=np.uint8)))
    images = write_gz(tmp_path / "images.gz", idx_bytes(sample_images()))
    with pytest.raises(ValueError, match=r"labels\.gz.*expected images"):
        read_idx(labels, kind="images")
    with pytest.raises(ValueError, match=r"images\.gz.*expected labels"):
        read_idx(images, kind="labels")
    with pytest.raises(ValueError, match="kind must be"):
        read_idx(images, kind="pixels")


def test_byte_count_mismatch_too_long(tmp_path):
    """Is a file with more data than its header announces rejected?"""
    path = write_gz(tmp_path / "long.gz", idx_bytes(sample_images()) + b"\x00\x01")
    with pytest.raises(ValueError, match=r"long\.gz.*longer than its header says"):
        read_idx(path)


def test_byte_count_mismatch_header_lies(tmp_path):
    """Is a header that announces more images than the file holds rejected as truncated?"""
    raw = bytearray(idx_bytes(sample_images(n=3)))
    raw[4:8] = (4).to_bytes(4, "big")  # claims 4 images, holds 3
    path = write_gz(tmp_path / "lies.gz", bytes(raw))
    with pytest.raises(ValueError, match=r"lies\.gz.*truncated.*\(4, 4, 5\)"):
        read_idx(path)


def test_missing_file(tmp_path):
    """Does a missing file raise FileNotFoundError (not a ValueError about its content)?"""
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "nope.gz")
