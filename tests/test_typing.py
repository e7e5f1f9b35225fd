"""The type check: does mypy pass on the whole mnistlib package, with the settings in pyproject.toml?"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_mypy(*args: str, cache: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(cache), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_mypy_passes_on_mnistlib(tmp_path_factory):
    """Does `mypy mnistlib` report no error (public API of data/, cli.py and plots.py fully annotated)?"""
    proc = run_mypy("mnistlib", cache=tmp_path_factory.mktemp("mypy-cache"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Success: no issues found" in proc.stdout


def test_mypy_catches_a_wrong_annotation(tmp_path):
    """Is the check real: does the same mypy configuration reject code that misuses the public API?"""
    wrong = tmp_path / "uses_mnistlib_wrongly.py"
    wrong.write_text(
        "from mnistlib.data import load_mnist, check_available\n"
        "data = load_mnist(split=5)\n"  # split is a str
        "n: str = check_available().available\n"  # a bool
    )
    proc = run_mypy(str(wrong), cache=tmp_path / "cache")
    assert proc.returncode == 1
    assert 'Argument "split" to "load_mnist" has incompatible type "int"' in proc.stdout
    assert 'Incompatible types in assignment (expression has type "bool"' in proc.stdout


def test_package_is_marked_typed():
    """Does the package carry the py.typed marker (PEP 561), so that users' type checkers read its hints?"""
    assert (ROOT / "mnistlib" / "py.typed").is_file()
