"""Tests of downloading MNIST from mirrors, against a real HTTP server on 127.0.0.1.

The fake mirrors serve the real files from $MNISTLIB_DATA (11.6 MB; loopback is fast),
so these tests check the real checksums too.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pytest

from mnistlib.data import MNIST_FILES, MNISTDownloadError, fetch_mnist, load_mnist
from mnistlib.data import _download
from mnistlib.data._download import file_sha256
from mnistlib.data._registry import DEFAULT_MIRRORS, mirrors

NAMES = list(MNIST_FILES)
LAST = NAMES[-1]  # t10k-labels-idx1-ubyte.gz, fetched last


def listing(folder: Path) -> list[str]:
    """All files below ``folder`` (hidden temporary files included), as relative paths."""
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def use_mirrors(monkeypatch, *urls):
    monkeypatch.setenv("MNISTLIB_MIRRORS", ",".join(urls))


def mirror_with_corrupt_copy(tmp_path: Path, data_dir: Path, bad_name: str = LAST) -> Path:
    """A folder with links to the real files, except ``bad_name``: a copy with one byte flipped."""
    folder = tmp_path / "corrupt-mirror"
    folder.mkdir()
    for name in NAMES:
        if name == bad_name:
            data = bytearray((data_dir / name).read_bytes())
            data[len(data) // 2] ^= 0xFF
            (folder / name).write_bytes(bytes(data))
        else:
            (folder / name).symlink_to(data_dir / name)
    return folder


def requested(server, mirror_name):
    return [p for p in server.requests if p.startswith(f"/{mirror_name}/")]


def test_default_mirrors_and_override(monkeypatch):
    """Are there at least two HTTPS mirrors by default, and does MNISTLIB_MIRRORS replace them?"""
    monkeypatch.delenv("MNISTLIB_MIRRORS", raising=False)
    assert len(DEFAULT_MIRRORS) >= 2 and all(u.startswith("https://") for u in DEFAULT_MIRRORS)
    assert mirrors() == DEFAULT_MIRRORS
    monkeypatch.setenv("MNISTLIB_MIRRORS", " http://a.example/x , http://b.example/y/,")
    assert mirrors() == ("http://a.example/x/", "http://b.example/y/")


@pytest.mark.full_data
def test_download_good_files(isolated_data_env, mirror_server, mnist_data_dir, monkeypatch):
    """Are the four files downloaded into the cache, verified, with one request each?"""
    use_mirrors(monkeypatch, mirror_server.add("good", mnist_data_dir))
    paths = fetch_mnist(progress=False)
    assert list(paths) == NAMES
    for name, path in paths.items():
        assert path == isolated_data_env / name
        assert file_sha256(path) == MNIST_FILES[name]
    assert sorted(mirror_server.requests) == sorted(f"/good/{name}" for name in NAMES)
    assert listing(isolated_data_env) == sorted(NAMES)


@pytest.mark.full_data
def test_warm_cache_makes_no_request(isolated_data_env, mirror_server, mnist_data_dir, monkeypatch):
    """With verified copies in the cache, do fetch_mnist and load_mnist stay off the network?"""
    use_mirrors(monkeypatch, mirror_server.add("good", mnist_data_dir))
    fetch_mnist(progress=False)
    mirror_server.requests.clear()
    fetch_mnist(progress=False)
    data = load_mnist(split="standard")
    assert mirror_server.requests == []
    assert data.X_train.shape == (60000, 784)
    assert data.source == f"full MNIST (files in {isolated_data_env})"


@pytest.mark.full_data
def test_corrupted_file_is_rejected_and_nothing_left(isolated_data_env, mirror_server, mnist_data_dir,
                                                      tmp_path, monkeypatch):
    """Does a checksum mismatch raise, leaving neither the bad file nor a temporary file in the cache?"""
    use_mirrors(monkeypatch, mirror_server.add("bad", mirror_with_corrupt_copy(tmp_path, mnist_data_dir)))
    with pytest.raises(MNISTDownloadError, match=rf"(?s){LAST}.*SHA-256 mismatch.*MNISTLIB_DATA") as err:
        fetch_mnist(progress=False)
    assert 'subset="mini"' in str(err.value)
    # The three good files were verified and kept; the corrupt one left no trace.
    assert listing(isolated_data_env) == sorted(NAMES[:-1])


@pytest.mark.full_data
def test_checksum_mismatch_falls_back_to_next_mirror(isolated_data_env, mirror_server, mnist_data_dir,
                                                     tmp_path, monkeypatch):
    """After a checksum mismatch on the first mirror, is the file taken from the second?"""
    bad = mirror_server.add("bad", mirror_with_corrupt_copy(tmp_path, mnist_data_dir))
    good = mirror_server.add("good", mnist_data_dir)
    use_mirrors(monkeypatch, bad, good)
    paths = fetch_mnist(progress=False)
    assert file_sha256(paths[LAST]) == MNIST_FILES[LAST]
    assert requested(mirror_server, "good") == [f"/good/{LAST}"]
    assert len(requested(mirror_server, "bad")) == 4
    assert listing(isolated_data_env) == sorted(NAMES)


@pytest.mark.full_data
@pytest.mark.parametrize("failure", ["connection refused", "404", "dropped mid-transfer"])
def test_first_mirror_down_second_used(isolated_data_env, mirror_server, mnist_data_dir, monkeypatch,
                                      refused_url, failure):
    """When the first mirror refuses, answers 404 or drops the connection, is the second one used?"""
    if failure == "connection refused":
        first = refused_url
    elif failure == "404":
        first = mirror_server.url("missing")  # never added: every file is 404
    else:
        first = mirror_server.add("dropping", mnist_data_dir, drop=True)
    good = mirror_server.add("good", mnist_data_dir)
    use_mirrors(monkeypatch, first, good)
    paths = fetch_mnist(progress=False)
    assert all(file_sha256(p) == MNIST_FILES[n] for n, p in paths.items())
    assert sorted(requested(mirror_server, "good")) == sorted(f"/good/{n}" for n in NAMES)
    if failure != "connection refused":
        assert len(mirror_server.requests) == 8  # each file tried on the first mirror, then the second
    assert listing(isolated_data_env) == sorted(NAMES)


def test_offline_with_nothing_cached_says_both_ways_out(isolated_data_env):
    """Offline with an empty cache, does the error name MNISTLIB_DATA and the mini subset, leaving no file?"""
    with pytest.raises(MNISTDownloadError) as err:
        load_mnist(progress=False)
    message = str(err.value)
    assert "MNISTLIB_DATA" in message and 'subset="mini"' in message
    assert "train-images-idx3-ubyte.gz" in message and "ConnectionError" in message
    assert listing(isolated_data_env) == []


def test_no_download_allowed_and_nothing_cached(isolated_data_env, mirror_server, monkeypatch):
    """With download=False and an empty cache, is there a clear error and no request at all?"""
    use_mirrors(monkeypatch, mirror_server.url("any"))
    with pytest.raises(FileNotFoundError, match=r"(?s)download=False.*MNISTLIB_DATA.*subset=\"mini\""):
        fetch_mnist(download=False)
    assert mirror_server.requests == []


@pytest.mark.full_data
def test_interrupt_mid_download_leaves_no_partial_file(isolated_data_env, mirror_server, mnist_data_dir,
                                                       monkeypatch):
    """If Ctrl-C arrives after 1 MB of a 9.9 MB download, is no partial or temporary file left?"""
    use_mirrors(monkeypatch, mirror_server.add("good", mnist_data_dir))
    real_make = _download._make_downloader
    seen = {}

    class InterruptingFile:
        def __init__(self, path):
            self.path, self.fh, self.written = path, open(path, "wb"), 0

        def write(self, chunk):
            self.fh.write(chunk)
            self.written += len(chunk)
            if self.written > 1 << 20:
                self.fh.close()
                seen["partial size"] = os.path.getsize(self.path)
                seen["temp file"] = Path(self.path)
                raise KeyboardInterrupt

        def flush(self):
            self.fh.flush()

    def make_interrupting(progress, limits):
        real = real_make(progress, limits)
        return lambda url, output, pooch: real(url, InterruptingFile(output), pooch)

    monkeypatch.setattr(_download, "_make_downloader", make_interrupting)
    with pytest.raises(KeyboardInterrupt):
        fetch_mnist(progress=False)
    # A partial file really existed, inside the cache folder, while downloading ...
    assert seen["partial size"] > 1 << 20
    assert seen["temp file"].parent == isolated_data_env
    # ... and is gone now; the target file was never created.
    assert listing(isolated_data_env) == []


@pytest.mark.full_data
def test_damaged_cached_copy_is_replaced(isolated_data_env, mirror_server, mnist_data_dir, monkeypatch):
    """Is a damaged file in the cache detected by its checksum and replaced by a verified download?"""
    use_mirrors(monkeypatch, mirror_server.add("good", mnist_data_dir))
    fetch_mnist(progress=False)
    target = isolated_data_env / NAMES[0]
    target.write_bytes(target.read_bytes()[:1000])  # truncated copy
    mirror_server.requests.clear()
    with pytest.raises(ValueError, match="wrong SHA-256"):
        fetch_mnist(download=False)
    assert mirror_server.requests == []
    fetch_mnist(progress=False)
    assert mirror_server.requests == [f"/good/{NAMES[0]}"]
    assert file_sha256(target) == MNIST_FILES[NAMES[0]]


class FakeTerminal(io.StringIO):
    """A text stream that says it is a terminal, as a console's stderr does."""

    def isatty(self):
        return True


@pytest.mark.full_data
@pytest.mark.parametrize("terminal", [True, False])
def test_progress_bar_only_on_a_terminal(isolated_data_env, mirror_server, mnist_data_dir, monkeypatch,
                                         refused_url, capfd, terminal):
    """Does stderr say which mirror is used, with a progress bar on a terminal and none in a log file?"""
    use_mirrors(monkeypatch, refused_url, mirror_server.add("good", mnist_data_dir))
    stream = FakeTerminal() if terminal else io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    fetch_mnist(progress=True)
    err = stream.getvalue()
    assert f"Downloading {NAMES[0]} from http://127.0.0.1" in err
    assert "trying the next mirror" in err
    if terminal:
        assert "100%" in err and "9.45M/9.45M" in err
    else:
        assert "\r" not in err and "%" not in err
