"""Failing fast offline: without MNIST files, cache or a mirror that answers, the book build
stops before executing any chapter, in seconds, with one message naming both ways out."""

import os
import socket
import subprocess
import sys
import threading

import pytest

from _book_build import ROOT

PREFLIGHT = ROOT / "scripts" / "book_data_preflight.py"
WAYS_OUT = ("MNISTLIB_DATA=", "MNISTLIB_BOOK_SUBSET=mini")


class SilentServer:
    """A TCP server on 127.0.0.1 that accepts every connection and never sends a byte."""

    def __init__(self):
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._held = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}/"

    def _accept(self):
        self._sock.settimeout(0.1)
        while not self._stop.is_set():
            try:
                self._held.append(self._sock.accept()[0])
            except OSError:
                continue

    def close(self):
        self._stop.set()
        self._thread.join(timeout=5)
        for conn in self._held:
            conn.close()
        self._sock.close()


@pytest.fixture
def silent_mirror():
    server = SilentServer()
    yield server.url
    server.close()


def offline_env(tmp_path, mirrors):
    """No MNISTLIB_DATA, an empty cache, the given mirrors, loopback without proxy."""
    env = {k: v for k, v in os.environ.items() if k not in ("MNISTLIB_DATA", "MNISTLIB_BOOK_SUBSET")}
    env.update(MNISTLIB_CACHE=str(tmp_path / "empty-cache"), MNISTLIB_MIRRORS=mirrors,
               NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
    return env


def run_preflight(env, *args, timeout=15):
    # The timeout is the bound: a run that takes longer fails with TimeoutExpired.
    return subprocess.run([sys.executable, str(PREFLIGHT), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def assert_one_message_with_both_ways_out(proc):
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1
    assert out.count("The book cannot be built on full MNIST") == 1
    for way in WAYS_OUT:
        assert way in out
    assert "Traceback" not in out
    assert len(out.splitlines()) <= 10


def test_silent_mirror_gives_up_within_15_s(tmp_path, silent_mirror, refused_url):
    """When one mirror accepts connections but never answers and another refuses them, does
    the check give up within 15 s (not the minute of download timeouts) with one message?"""
    proc = run_preflight(offline_env(tmp_path, f"{silent_mirror},{refused_url}"))
    assert_one_message_with_both_ways_out(proc)
    assert "no answer in time" in proc.stderr or "Timeout" in proc.stderr


def test_mirror_without_the_files_is_reported(tmp_path, mirror_server):
    """A mirror that answers 404: does the message say so, and is nothing left in the cache?"""
    proc = run_preflight(offline_env(tmp_path, mirror_server.url("empty")))
    assert_one_message_with_both_ways_out(proc)
    assert "HTTP 404" in proc.stderr
    assert not any((tmp_path / "empty-cache").glob("*.gz"))


def test_unusable_data_folder_is_reported(tmp_path, refused_url):
    """MNISTLIB_DATA naming a folder without the files: one message, which names the folder?"""
    env = offline_env(tmp_path, refused_url)
    env["MNISTLIB_DATA"] = str(tmp_path / "no-such-folder")
    proc = run_preflight(env)
    assert_one_message_with_both_ways_out(proc)
    assert "no-such-folder" in proc.stderr


@pytest.mark.full_data
def test_data_folder_passes_without_network(tmp_path, mnist_data_dir, refused_url):
    """With the four files in MNISTLIB_DATA, does the check pass with no mirror reachable?"""
    env = offline_env(tmp_path, refused_url)
    env["MNISTLIB_DATA"] = str(mnist_data_dir)
    proc = run_preflight(env)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.full_data
def test_answering_mirror_fills_the_cache(tmp_path, mirror_server, mnist_data_dir, refused_url):
    """With a dead mirror first and a working one second, does the check download the four
    verified files into the cache from the working one?"""
    good = mirror_server.add("good", mnist_data_dir)
    proc = run_preflight(offline_env(tmp_path, f"{refused_url},{good}"), timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert len(list((tmp_path / "empty-cache").glob("*.gz"))) == 4


def test_build_stops_before_any_chapter(tmp_path, silent_mirror):
    """Does `bash scripts/build_book.sh` itself stop, with that one message and exit status 1,
    before Jupyter Book reads or executes any page?"""
    env = offline_env(tmp_path, silent_mirror)
    proc = subprocess.run(["bash", str(ROOT / "scripts" / "build_book.sh"), "--path-output",
                           str(tmp_path / "book")], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert_one_message_with_both_ways_out(proc)
    assert "Running Jupyter-Book" not in proc.stdout
    assert not (tmp_path / "book").exists()
