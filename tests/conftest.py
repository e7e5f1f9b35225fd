"""Shared pytest configuration and fixtures.

Data fixtures and the ``full_data`` marker
------------------------------------------
Tests that need the four original MNIST files are marked ``@pytest.mark.full_data`` and find
them through ``$MNISTLIB_DATA`` (CI always sets it). When the files are not there, such a test

* FAILS in CI (``CI`` set to true), so that CI can never pass without having run it;
* is SKIPPED elsewhere, with the reason shown by ``pytest -rs``: set ``MNISTLIB_DATA`` to a
  folder holding the four ``.gz`` files to run it.

``mirror_server`` is a real HTTP server on 127.0.0.1 that plays MNIST mirrors (and counts
requests); ``isolated_data_env`` points the cache at a temporary folder and the mirrors at a
closed local port, so that no data test touches the user's cache or the internet.
"""

from __future__ import annotations

import os
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from mnistlib.data import MNIST_FILES

# Read once, before any test's monkeypatch can change it.
_FULL_DATA_ENV = os.environ.get("MNISTLIB_DATA", "").strip()


def _full_data_dir() -> Path | None:
    """The folder in $MNISTLIB_DATA if it holds the four MNIST files, else None."""
    if not _FULL_DATA_ENV:
        return None
    folder = Path(_FULL_DATA_ENV).expanduser()
    return folder if all((folder / name).is_file() for name in MNIST_FILES) else None


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "full_data: needs the four original MNIST files in $MNISTLIB_DATA "
        "(fails in CI when they are missing, skips with a reason elsewhere)",
    )


def pytest_runtest_setup(item):
    if item.get_closest_marker("full_data") is None or _full_data_dir() is not None:
        return
    reason = (
        "needs the four original MNIST files: set MNISTLIB_DATA to a folder holding "
        + ", ".join(MNIST_FILES)
        + (f" (it is set to {_FULL_DATA_ENV!r}, which lacks some)" if _FULL_DATA_ENV else " (it is not set)")
    )
    if _in_ci():
        pytest.fail("CI must run the full-data tests: " + reason, pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def mnist_data_dir() -> Path:
    """Folder holding the four original MNIST files (tests using it must be marked full_data)."""
    folder = _full_data_dir()
    assert folder is not None, "mark the test @pytest.mark.full_data"
    return folder


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.fixture
def refused_url() -> str:
    """A base URL on 127.0.0.1 where nothing listens (connection refused)."""
    return _closed_port_url()


@pytest.fixture
def isolated_data_env(tmp_path, monkeypatch) -> Path:
    """Empty cache in tmp_path/"cache", mirrors on a closed local port, MNISTLIB_DATA unset.

    Returns the cache folder.
    """
    cache = tmp_path / "cache"
    monkeypatch.setenv("MNISTLIB_CACHE", str(cache))
    monkeypatch.setenv("MNISTLIB_MIRRORS", _closed_port_url())
    monkeypatch.delenv("MNISTLIB_DATA", raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    return cache


class MirrorServer:
    """A threaded HTTP server on 127.0.0.1 serving several fake mirrors of MNIST.

    ``add(name, folder, drop=False)`` serves ``folder`` under ``url(name)``; with ``drop`` the
    server announces the full Content-Length, sends half of the file and closes the connection.
    A name never added answers 404. ``requests`` lists every requested path.
    """

    def __init__(self):
        self.requests: list[str] = []
        self._mirrors: dict[str, tuple[Path, bool]] = {}
        mirror_server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                mirror_server.requests.append(self.path)
                name, _, filename = self.path.lstrip("/").partition("/")
                folder, drop = mirror_server._mirrors.get(name, (None, False))
                path = folder / filename if folder is not None and filename else None
                if path is None or not path.is_file():
                    self.send_error(404)
                    return
                data = path.read_bytes()
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if drop:
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(data)

            def log_message(self, format, *args):  # keep test output quiet
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def add(self, name: str, folder: Path, drop: bool = False) -> str:
        self._mirrors[name] = (Path(folder), drop)
        return self.url(name)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}/"

    def close(self):
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=10)


@pytest.fixture
def mirror_server():
    """A running :class:`MirrorServer`, shut down after the test."""
    server = MirrorServer()
    yield server
    server.close()
