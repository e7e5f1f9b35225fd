"""check_available: a quick answer to "can the data be had?", downloading and writing nothing."""

from __future__ import annotations

import pytest

from mnistlib.data import check_available
from test_data_faults import FaultMirror, SilentMirror


def test_mini_subset_is_always_available(isolated_data_env):
    """Is the embedded subset available with no files and no network?"""
    assert check_available(subset="mini")
    assert check_available(split="standard", subset="mini").source == "mini"


def test_bad_arguments_are_refused(isolated_data_env):
    """Are a bad split, and data_dir with the mini subset, ValueErrors as in load_mnist?"""
    with pytest.raises(ValueError, match="split"):
        check_available(split="nope")
    with pytest.raises(ValueError, match="data_dir"):
        check_available(subset="mini", data_dir=".")


def test_offline_empty_cache_is_unavailable_and_nothing_written(isolated_data_env):
    """Offline with an empty cache, is the answer False, naming what is missing, with no folder created?"""
    result = check_available()
    assert not result and result.source == "none"
    assert "lacks train-images-idx3-ubyte.gz" in result.detail and "no mirror answered" in result.detail
    assert not isolated_data_env.exists()


def test_no_download_means_cache_only(isolated_data_env):
    """With download=False, is an empty cache unavailable without asking any mirror?"""
    result = check_available(download=False)
    assert not result and "download=False" in result.detail


def test_silent_mirror_is_given_up_after_the_timeout(isolated_data_env, monkeypatch):
    """Is a mirror that accepts but never answers reported as a timeout (not waited on for ever)?"""
    silent = SilentMirror()
    try:
        monkeypatch.setenv("MNISTLIB_MIRRORS", silent.url())
        result = check_available(timeout=0.3)
    finally:
        silent.close()
    assert not result and "ReadTimeout" in result.detail


def test_mirror_with_wrong_sizes_is_not_trusted(isolated_data_env, monkeypatch):
    """Is a mirror whose files have the wrong Content-Length reported as not having them?"""
    server = FaultMirror()
    try:
        monkeypatch.setenv("MNISTLIB_MIRRORS", server.url("ok"))
        result = check_available(timeout=1)
    finally:
        server.close()
    assert not result and "bytes announced, expected 9912422" in result.detail


@pytest.mark.full_data
def test_answering_mirror_folder_and_cache(isolated_data_env, mirror_server, mnist_data_dir, monkeypatch):
    """Is the data available from a mirror that has the files (without downloading them), from a named
    folder, and from the cache once filled?"""
    from mnistlib.data import fetch_mnist

    url = mirror_server.add("good", mnist_data_dir)
    monkeypatch.setenv("MNISTLIB_MIRRORS", url)
    result = check_available()
    assert result and result.source == "mirror" and result.where == url
    assert not isolated_data_env.exists()  # nothing downloaded
    assert check_available(data_dir=mnist_data_dir).source == "folder"
    fetch_mnist(progress=False)
    mirror_server.requests.clear()
    assert check_available().source == "cache" and mirror_server.requests == []


def test_mirror_answering_404_does_not_have_the_files(isolated_data_env, monkeypatch):
    """Is a mirror that answers 404 reported as not having the files?"""
    server = FaultMirror()
    try:
        monkeypatch.setenv("MNISTLIB_MIRRORS", server.url("missing"))
        result = check_available(timeout=1)
    finally:
        server.close()
    assert not result and "HTTP 404" in result.detail


def test_damaged_cached_file_does_not_count(isolated_data_env):
    """Is a cached file with the wrong SHA-256 counted as missing (offline: unavailable, naming it)?"""
    isolated_data_env.mkdir()
    (isolated_data_env / "t10k-labels-idx1-ubyte.gz").write_bytes(b"not the MNIST labels")
    result = check_available(download=False)
    assert not result and "t10k-labels-idx1-ubyte.gz" in result.detail
