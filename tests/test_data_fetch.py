"""Tests of where MNIST files are taken from (named folder, cache) and of the decoded-array cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mnistlib.data import MNIST_FILES, describe_data, fetch_mnist, load_mnist
from mnistlib.data import _decoded
from mnistlib.data._decoded import array_sha256, decoded_path, load_raw
from mnistlib.data._idx import read_idx
from mnistlib.data._registry import DECODED_SHA256, FILE_LAYOUT

NAMES = list(MNIST_FILES)


def linked_copy(folder: Path, data_dir: Path, names=NAMES) -> Path:
    """A folder holding symbolic links to some of the real files."""
    folder.mkdir()
    for name in names:
        (folder / name).symlink_to(data_dir / name)
    return folder


def test_named_empty_folder_is_an_error_not_a_download(isolated_data_env, mirror_server, monkeypatch, tmp_path):
    """Does a data_dir without the files raise a clear error, with no request to any mirror?"""
    monkeypatch.setenv("MNISTLIB_MIRRORS", mirror_server.url("any"))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match=r"(?s)lacks train-images-idx3-ubyte.gz.*never downloaded") as err:
        fetch_mnist(data_dir=empty)
    assert "data_dir argument" in str(err.value)
    assert mirror_server.requests == []


def test_env_folder_that_does_not_exist(isolated_data_env, monkeypatch, tmp_path):
    """Does a MNISTLIB_DATA pointing nowhere raise an error that names the variable?"""
    monkeypatch.setenv("MNISTLIB_DATA", str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match=r"does not exist.*\$MNISTLIB_DATA"):
        load_mnist()


@pytest.mark.full_data
def test_named_folder_missing_one_file(isolated_data_env, mnist_data_dir, tmp_path):
    """With three of the four files in data_dir, is exactly the missing one named?"""
    folder = linked_copy(tmp_path / "three", mnist_data_dir, NAMES[:3])
    with pytest.raises(FileNotFoundError, match=rf"lacks {NAMES[3]}\. "):
        fetch_mnist(data_dir=folder)


@pytest.mark.full_data
def test_named_folder_with_a_modified_file(isolated_data_env, mnist_data_dir, tmp_path):
    """Is a file in data_dir that is not the original (wrong SHA-256) rejected by name?"""
    folder = linked_copy(tmp_path / "modified", mnist_data_dir, NAMES[1:])
    data = bytearray((mnist_data_dir / NAMES[0]).read_bytes())
    data[-100] ^= 1
    (folder / NAMES[0]).write_bytes(bytes(data))
    with pytest.raises(ValueError, match=rf"{NAMES[0]}.*not the original MNIST file.*SHA-256"):
        load_mnist(data_dir=folder)


@pytest.mark.full_data
def test_files_are_read_in_place(isolated_data_env, mnist_data_dir, monkeypatch, tmp_path):
    """Are files in data_dir (which wins over MNISTLIB_DATA) used in place, not copied to the cache?"""
    monkeypatch.setenv("MNISTLIB_DATA", str(tmp_path / "ignored"))
    folder = linked_copy(tmp_path / "mine", mnist_data_dir)
    paths = fetch_mnist(data_dir=folder)
    assert paths == {name: folder / name for name in NAMES}
    data = load_mnist(data_dir=folder, split="standard")
    assert data.source == f"full MNIST (files in {folder})"
    # Only decoded arrays went to the cache, no .gz copies.
    assert not any(isolated_data_env.glob("*.gz"))
    assert all(decoded_path(name).is_file() for name in NAMES)


@pytest.mark.full_data
def test_warm_load_uses_decoded_cache(isolated_data_env, mnist_data_dir, monkeypatch):
    """Once decoded, are the .npy copies used instead of parsing the gzip files again?"""
    monkeypatch.setenv("MNISTLIB_DATA", str(mnist_data_dir))
    cold, _ = load_raw()

    def no_parsing(*args, **kwargs):
        raise AssertionError("the gzip files were parsed again")

    monkeypatch.setattr(_decoded, "read_idx", no_parsing)
    warm, _ = load_raw()
    for key in cold:
        np.testing.assert_array_equal(warm[key], cold[key])
    assert warm["train_images"].dtype == np.uint8


@pytest.mark.full_data
@pytest.mark.parametrize("damage", ["truncated", "wrong shape", "garbage"])
def test_damaged_decoded_cache_is_rebuilt(isolated_data_env, mnist_data_dir, monkeypatch, damage):
    """Is a damaged .npy cache entry ignored and rewritten from the verified gzip file?"""
    monkeypatch.setenv("MNISTLIB_DATA", str(mnist_data_dir))
    name = NAMES[3]  # the small test-labels file keeps this quick
    good, _ = load_raw()
    npy = decoded_path(name)
    if damage == "truncated":
        npy.write_bytes(npy.read_bytes()[:500])
    elif damage == "wrong shape":
        np.save(npy, np.zeros(7, dtype=np.uint8))
    else:
        npy.write_bytes(b"not a numpy file at all")
    again, _ = load_raw()
    np.testing.assert_array_equal(again["test_labels"], good["test_labels"])
    np.testing.assert_array_equal(np.load(npy), good["test_labels"])
    assert not list(npy.parent.glob(".*"))  # no temporary files left


@pytest.mark.full_data
@pytest.mark.parametrize("damage", ["4 kB of flipped pixels", "labels replaced by zeros of the same shape"])
def test_tampered_decoded_cache_never_loads(isolated_data_env, mnist_data_dir, monkeypatch, damage):
    """Is a .npy cache entry that still has the right dtype and shape, but not the right content,
    refused (checked by its SHA-256), decoded again from the verified file and rewritten?"""
    monkeypatch.setenv("MNISTLIB_DATA", str(mnist_data_dir))
    good, _ = load_raw()
    if damage.startswith("4 kB"):
        name, key = NAMES[2], "test_images"
        npy = decoded_path(name)
        raw = bytearray(npy.read_bytes())
        start = len(raw) // 2
        raw[start:start + 4096] = bytes(255 - b for b in raw[start:start + 4096])
        npy.write_bytes(bytes(raw))
        assert np.load(npy).shape == (10000, 28, 28)  # still a well-formed array of the right shape
    else:
        name, key = NAMES[3], "test_labels"
        npy = decoded_path(name)
        np.save(npy, np.zeros(10000, dtype=np.uint8))
    again, _ = load_raw()
    np.testing.assert_array_equal(again[key], good[key])
    np.testing.assert_array_equal(np.load(npy), good[key])  # the entry was rewritten


@pytest.mark.full_data
def test_decoded_checksums_are_those_of_the_real_files(isolated_data_env, mnist_data_dir):
    """Are the registry's decoded SHA-256 values those of the arrays read from the original files?"""
    for name, (kind, _) in FILE_LAYOUT.items():
        assert array_sha256(read_idx(mnist_data_dir / name, kind=kind)) == DECODED_SHA256[name]


@pytest.mark.full_data
def test_unwritable_cache_still_loads(mnist_data_dir, monkeypatch, tmp_path):
    """If the cache folder cannot be created, are the files still decoded and loaded?"""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("MNISTLIB_CACHE", str(blocker / "cache"))
    monkeypatch.setenv("MNISTLIB_DATA", str(mnist_data_dir))
    arrays, _ = load_raw()
    assert arrays["test_images"].shape == (10000, 28, 28)


@pytest.mark.full_data
def test_describe_data(isolated_data_env, mnist_data_dir, monkeypatch):
    """Does the report name the folder and its origin, each file with size, checksum and shape?"""
    monkeypatch.setenv("MNISTLIB_DATA", str(mnist_data_dir))
    report = describe_data()
    assert f"MNIST files in {mnist_data_dir} (from $MNISTLIB_DATA)" in report
    for name, sha256 in MNIST_FILES.items():
        line = next(line for line in report.splitlines() if name in line)
        assert f"{(mnist_data_dir / name).stat().st_size:,} bytes" in line
        assert f"sha256 {sha256} verified" in line
    assert "images (60000, 28, 28)" in report and "labels (10000,)" in report
    assert 'load_mnist(subset="mini")' in report


def test_images_and_labels_counts_must_agree(monkeypatch, tmp_path):
    """If an images file and its labels file disagree on N, is that a ValueError naming both?"""
    lengths = dict(zip(NAMES, [60000, 59999, 10000, 10000]))
    monkeypatch.setattr(_decoded, "fetch_mnist", lambda **kw: {n: tmp_path / n for n in NAMES})
    monkeypatch.setattr(_decoded, "decoded_array", lambda path, name: np.zeros(lengths[name], np.uint8))
    with pytest.raises(ValueError, match="train-images-idx3-ubyte.gz holds 60000 images but "
                                         "train-labels-idx1-ubyte.gz holds 59999 labels"):
        load_raw()


def test_describe_data_offline_raises_the_helpful_error(isolated_data_env):
    """Offline with nothing cached, does describe_data raise the error that tells both ways out?"""
    with pytest.raises(OSError, match="MNISTLIB_DATA"):
        describe_data(progress=False)
