"""Faults injected on local mirrors and in the cache: each is refused, bounded in time, or explained.

A :class:`FaultMirror` on 127.0.0.1 plays mirrors that misbehave (drip one byte every 0.5 s,
never answer, send a ``.gz`` file with ``Content-Encoding: gzip``); the cache is made
read-only or full with a private mount (root only, as in CI), or is a file.
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from mnistlib.data import fetch_mnist
from mnistlib.data import _download
from mnistlib.data._download import (
    DEFAULT_LIMITS,
    TMP_SUFFIX,
    DownloadLimits,
    MNISTCacheError,
    MNISTDownloadError,
    download_verified,
    make_part,
)
from mnistlib.data._registry import DEFAULT_MIRRORS

NAME = "t10k-labels-idx1-ubyte.gz"
#: A stand-in for an MNIST file: gzip data, as the real files are.
CONTENT = gzip.compress(b"\x00\x00\x08\x01" + (100).to_bytes(4, "big") + bytes(range(10)) * 10)
SHA = hashlib.sha256(CONTENT).hexdigest()
FAST = DownloadLimits(connect=2, read=2, per_file=2)


def parts(folder: Path) -> list[Path]:
    """The temporary files in ``folder`` (hidden ones included)."""
    return sorted(p for p in folder.iterdir() if p.name.endswith(TMP_SUFFIX)) if folder.is_dir() else []


class FaultMirror:
    """A threaded HTTP server on 127.0.0.1; ``url(mode)`` is the base URL of one kind of mirror.

    Modes: ``ok`` (the content as it is), ``drip`` (full Content-Length, then one byte every
    0.5 s for at most 20 s), ``gzip-header`` (the content as it is, labelled
    ``Content-Encoding: gzip``, as a mirror whose metadata says so), ``gzip-twice`` (the content
    compressed once more for the transfer, labelled so), ``junk`` (1 MB of zeros, at full speed).
    """

    def __init__(self, content: bytes = CONTENT):
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                mode = self.path.strip("/").split("/")[0]
                body = {"ok": content, "drip": content, "gzip-header": content,
                        "gzip-twice": gzip.compress(content), "junk": bytes(1 << 20)}.get(mode)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body) if mode != "drip" else 1 << 20))
                if mode.startswith("gzip"):
                    self.send_header("Content-Encoding", "gzip")
                self.end_headers()
                if mode == "drip":
                    end = time.monotonic() + 20
                    while time.monotonic() < end:
                        try:
                            self.wfile.write(b"x")
                            self.wfile.flush()
                        except OSError:
                            return
                        time.sleep(0.5)
                    self.close_connection = True
                    return
                self.wfile.write(body)

            def log_message(self, format, *args):
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True)
        self._thread.start()

    def url(self, mode: str) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/{mode}/"

    def close(self):
        self._httpd.shutdown()
        self._httpd.server_close()


class SilentMirror:
    """Accepts TCP connections and never sends a byte; counts the connections."""

    def __init__(self):
        self.connections: list[socket.socket] = []
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._sock.settimeout(0.1)
        self._stop = False
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        while not self._stop:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            self.connections.append(conn)

    def url(self) -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}/"

    def close(self):
        self._stop = True
        self._thread.join(timeout=5)
        for conn in self.connections:
            conn.close()
        self._sock.close()


@pytest.fixture
def faults(isolated_data_env):
    server = FaultMirror()
    yield server
    server.close()


@pytest.fixture
def silent(isolated_data_env):
    mirrors = [SilentMirror(), SilentMirror()]
    yield mirrors
    for mirror in mirrors:
        mirror.close()


# --- time limits ------------------------------------------------------------------------------


def test_dripping_mirror_hits_the_deadline_and_leaves_no_part(faults, tmp_path):
    """Does a mirror that sends one byte every 0.5 s give up at the per-file deadline, with no .part left?"""
    with pytest.raises(MNISTDownloadError, match=r"deadline of 2 s per file") as err:
        download_verified(NAME, SHA, tmp_path, [faults.url("drip")], progress=False, limits=FAST)
    assert "offline?" not in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_silent_mirrors_cost_their_read_timeout_once(silent, tmp_path):
    """Do two mirrors that accept but never answer fail on their read timeout, and are they not asked
    again for the next file?"""
    urls = [m.url() for m in silent]
    limits = DownloadLimits(connect=1, read=0.3, per_file=5)
    down: set[str] = set()
    with pytest.raises(MNISTDownloadError, match=r"(?s)no answer within 0.3 s.*no answer within 0.3 s") as err:
        download_verified(NAME, SHA, tmp_path, urls, progress=False, limits=limits, down=down)
    assert "offline?" in str(err.value)
    assert down == set(urls)
    with pytest.raises(MNISTDownloadError, match="skipped"):
        download_verified("other.gz", SHA, tmp_path, urls, progress=False, limits=limits, down=down)
    assert [len(m.connections) for m in silent] == [1, 1]
    assert parts(tmp_path) == []


def test_default_limits_give_up_on_silent_default_mirrors_within_15_s():
    """With the default limits, do the default mirrors, all silent, cost under 15 s in all?

    Each silent mirror costs at most its connect plus its read timeout once (it is then skipped)."""
    worst = len(DEFAULT_MIRRORS) * max(DEFAULT_LIMITS.connect, DEFAULT_LIMITS.read)
    assert worst < 15
    assert DEFAULT_LIMITS.per_file >= 60  # but slow links still get the largest file (9.9 MB)


@pytest.mark.parametrize("bad", [0, -1, float("nan"), "5"])
def test_limits_must_be_positive_seconds(bad):
    """Is a limit that is not a positive number of seconds refused by name?"""
    with pytest.raises(ValueError, match="DownloadLimits.read"):
        DownloadLimits(read=bad)


# --- what the bytes are -----------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["gzip-header", "gzip-twice"])
def test_gzip_content_encoding_is_handled(faults, tmp_path, mode):
    """Is a .gz file labelled Content-Encoding: gzip (sent as is, or compressed once more) saved as the
    original bytes?"""
    path = download_verified(NAME, SHA, tmp_path, [faults.url(mode)], progress=False, limits=FAST)
    assert path.read_bytes() == CONTENT
    assert parts(tmp_path) == []


def test_gzip_encoded_wrong_file_is_reported_as_a_mismatch_not_offline(isolated_data_env, tmp_path):
    """When a gzip-labelled download has the wrong checksum, does the error say so, not "offline?"?"""
    server = FaultMirror(content=CONTENT + b"tampered")
    try:
        with pytest.raises(MNISTDownloadError) as err:
            download_verified(NAME, SHA, tmp_path, [server.url("gzip-header")], progress=False, limits=FAST)
    finally:
        server.close()
    message = str(err.value)
    assert "SHA-256 mismatch" in message and "Content-Encoding: gzip" in message
    assert "offline?" not in message


def test_only_unreachable_mirrors_mean_offline(isolated_data_env, refused_url, faults, monkeypatch):
    """Is "offline?" said when no mirror could be reached, and not when one answered 404?"""
    monkeypatch.setenv("MNISTLIB_MIRRORS", refused_url)
    with pytest.raises(MNISTDownloadError, match=r"offline\?"):
        fetch_mnist(progress=False)
    monkeypatch.setenv("MNISTLIB_MIRRORS", faults.url("missing"))
    with pytest.raises(MNISTDownloadError, match="no mirror delivered a verified copy") as err:
        fetch_mnist(progress=False)
    assert "offline?" not in str(err.value) and "404" in str(err.value)


# --- stale .part files ------------------------------------------------------------------------


def test_part_of_a_killed_download_is_removed_next_time(isolated_data_env, faults):
    """After a download is killed with SIGKILL (no cleanup runs), does the next fetch remove its .part,
    while leaving the .part of a download still running in a live process?"""
    cache = isolated_data_env
    code = ("import sys; from pathlib import Path; from mnistlib.data._download import *\n"
            "download_verified(sys.argv[1], 'x' * 64, Path(sys.argv[2]), [sys.argv[3]], progress=False)")
    proc = subprocess.Popen([sys.executable, "-c", code, NAME, str(cache), faults.url("drip")])
    try:
        deadline = time.monotonic() + 30
        while not any(p.stat().st_size > 0 for p in parts(cache)) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    left = parts(cache)
    assert len(left) == 1 and left[0].stat().st_size > 0  # the killed download's partial file
    live = Path(make_part(cache, "train-images-idx3-ubyte.gz"))  # ours: this process lives
    with pytest.raises(MNISTDownloadError):
        fetch_mnist(progress=False)  # offline: the mirrors are a closed port
    assert parts(cache) == [live]


def test_old_part_is_removed_even_if_its_process_id_is_in_use(isolated_data_env):
    """Is a .part file untouched for two hours removed, though its process id (ours) is alive?"""
    isolated_data_env.mkdir()
    old = Path(make_part(isolated_data_env, NAME))
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    with pytest.raises(MNISTDownloadError):
        fetch_mnist(progress=False)
    assert not old.exists()


# --- the cache folder -------------------------------------------------------------------------


def test_cache_path_that_is_a_file(isolated_data_env, faults, monkeypatch):
    """If the cache path is a file, does the error name it and say how to fix it?"""
    isolated_data_env.parent.mkdir(exist_ok=True)
    isolated_data_env.write_text("I am a file")
    monkeypatch.setenv("MNISTLIB_MIRRORS", faults.url("ok"))
    with pytest.raises(MNISTCacheError, match=r"is a file") as err:
        fetch_mnist(progress=False)
    message = str(err.value)
    assert str(isolated_data_env) in message and "MNISTLIB_CACHE" in message and "MNISTLIB_DATA" in message


def test_full_cache_error_names_the_folder(isolated_data_env, faults, monkeypatch):
    """If writing a download fails with "no space left on device", does the error name the folder,
    say it is full and how to fix it, and leave no .part?"""
    monkeypatch.setenv("MNISTLIB_MIRRORS", faults.url("junk"))
    real_make = _download._make_downloader

    class FullDisk:
        def __init__(self, path):
            self.fh = open(path, "wb")

        def write(self, chunk):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def flush(self):
            pass

    def make_full(progress, limits):
        real = real_make(progress, limits)
        return lambda url, output, pooch: real(url, FullDisk(output), pooch)

    monkeypatch.setattr(_download, "_make_downloader", make_full)
    with pytest.raises(MNISTCacheError, match="is full") as err:
        fetch_mnist(progress=False)
    assert str(isolated_data_env) in str(err.value) and "MNISTLIB_CACHE" in str(err.value)
    assert parts(isolated_data_env) == []


def _in_private_mount(mount: str, target: Path, cache: Path, mirrors: str) -> subprocess.CompletedProcess:
    """Run fetch_mnist in a child with ``target`` mounted read-only or as a tiny tmpfs (root only)."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        reason = "needs root and unshare(1) to mount a read-only or full folder"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("CI must run this test: " + reason, pytrace=False)
        pytest.skip(reason)
    setup = {"read-only": f"mount --bind {target} {target} && mount -o remount,bind,ro {target}",
             "full": f"mount -t tmpfs -o size=64k tmpfs {target}"}[mount]
    code = ("import sys\nfrom mnistlib.data import fetch_mnist\n"
            "try:\n    fetch_mnist(progress=False)\nexcept Exception as e:\n"
            "    print(type(e).__name__); print(e); sys.exit(1)")
    env = dict(os.environ, MNISTLIB_CACHE=str(cache), MNISTLIB_MIRRORS=mirrors)
    return subprocess.run(["unshare", "-m", "sh", "-c", f'{setup} && exec "$0" -c "$1"', sys.executable, code],
                          capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.parametrize("mount", ["read-only", "full"])
def test_read_only_or_full_cache_in_a_real_mount(isolated_data_env, faults, tmp_path, mount):
    """On a real read-only mount, or a 64 kB tmpfs, does fetch_mnist raise MNISTCacheError naming the
    folder and the fix?"""
    target = tmp_path / "mounted"
    target.mkdir()
    cache = target / "cache" if mount == "read-only" else target
    proc = _in_private_mount(mount, target, cache, faults.url("junk"))
    out = proc.stdout
    assert proc.returncode == 1, proc.stderr
    assert out.startswith("MNISTCacheError")
    assert str(cache) in out and "MNISTLIB_CACHE" in out
    assert ("not writable" in out) if mount == "read-only" else ("is full" in out)
