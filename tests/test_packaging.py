"""Packaging: licence files, citation, changelog, metadata, one version, and the wheel's contents."""

from __future__ import annotations

import ast
import importlib.metadata
import json
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml

import mnistlib

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PROJECT = PYPROJECT["project"]
BOOK = yaml.safe_load((ROOT / "_config.yml").read_text())
TEAM = BOOK["author"]
REPOSITORY = BOOK["repository"]["url"]


def test_code_licence_is_mit_with_the_books_copyright_holder():
    """Is LICENSE the MIT licence, held by the team that _config.yml names, as package.json says?"""
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License")
    assert f"Copyright (c) {BOOK['copyright'].split(',')[0]} {TEAM}" in text
    assert "THE SOFTWARE IS PROVIDED \"AS IS\"" in text
    assert json.loads((ROOT / "package.json").read_text())["license"] == PROJECT["license"] == "MIT"


def test_text_licence_is_cc_by_4():
    """Does LICENSE-text put the book's text under CC BY 4.0 and name the material by others?"""
    text = (ROOT / "LICENSE-text").read_text()
    assert "Creative Commons Attribution 4.0 International (CC BY 4.0)" in text
    assert "https://creativecommons.org/licenses/by/4.0/" in text
    for other in ("LICENSE-dlfs-weights.txt", "mnist_mini.npz", "MathJax"):
        assert other in text


def test_citation_file_has_the_required_keys_and_agrees_with_the_package():
    """Is CITATION.cff valid CFF 1.2.0 in its required keys, with the package's version, licence and address?

    (``cffconvert --validate`` also accepts it; it is not pinned because its dependencies clash
    with the notebook toolchain's.)"""
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    for key in ("cff-version", "message", "title", "authors"):
        assert cff.get(key), f"CITATION.cff lacks {key}"
    assert cff["cff-version"] == "1.2.0"
    assert all("name" in a or "family-names" in a for a in cff["authors"])
    assert cff["authors"][0]["name"] == TEAM
    assert cff["version"] == mnistlib.__version__
    assert cff["license"] == PROJECT["license"]
    assert cff["repository-code"] == REPOSITORY


def test_changelog_follows_keep_a_changelog():
    """Does CHANGELOG.md open with Unreleased, then dated versions (the current one included), each linked?"""
    text = (ROOT / "CHANGELOG.md").read_text()
    assert "Keep a Changelog" in text
    headings = re.findall(r"^## \[([^\]]+)\](.*)$", text, flags=re.M)
    assert headings[0][0] == "Unreleased"
    versions = [v for v, _ in headings[1:]]
    assert mnistlib.__version__ in versions
    for version, rest in headings[1:]:
        assert re.fullmatch(r" - \d{4}-\d{2}-\d{2}", rest), f"{version}: no date"
    for version, _ in headings:
        link = rf"^\[{re.escape(version)}\]: {re.escape(REPOSITORY)}/"
        assert re.search(link, text, flags=re.M), f"{version}: no link into {REPOSITORY} (_config.yml)"
    sections = set(re.findall(r"^### (\w+)$", text, flags=re.M))
    assert sections <= {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}


def test_metadata_is_complete():
    """Does pyproject.toml give licence, authors, classifiers, the book's repository address and a
    students extra, with the version read from mnistlib.__version__?"""
    assert PROJECT["dynamic"] == ["version"] and "version" not in PROJECT
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "mnistlib.__version__"}
    assert PROJECT["authors"] == [{"name": TEAM}]
    assert not any(c.startswith("License ::") for c in PROJECT["classifiers"])  # PEP 639: the expression only
    assert "Typing :: Typed" in PROJECT["classifiers"]
    assert PROJECT["urls"]["Repository"] == REPOSITORY
    assert all(url.startswith(REPOSITORY) for url in PROJECT["urls"].values())
    students = PROJECT["optional-dependencies"]["students"]
    assert {re.split(r"[<>=!]", r)[0] for r in students} == {"jupyterlab", "nbgrader"}


def test_version_is_written_in_one_place():
    """Is the version string in mnistlib/__init__.py only (CITATION.cff is checked against it)?"""
    version = mnistlib.__version__
    hits = []
    for path in [ROOT / "pyproject.toml", ROOT / "README.md", *sorted((ROOT / "mnistlib").rglob("*.py"))]:
        if f'"{version}"' in path.read_text():
            hits.append(path.relative_to(ROOT).as_posix())
    assert hits == ["mnistlib/__init__.py"]


def _module_level_imports(path: Path) -> set[str]:
    """Top-level package names imported at module level (not inside functions) by a file."""
    names = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_every_module_level_import_is_a_declared_dependency():
    """Does every third-party package that mnistlib imports when loaded appear in its dependencies?"""
    declared = {re.split(r"[<>=!~; ]", r)[0].lower() for r in PROJECT["dependencies"]}
    providers = importlib.metadata.packages_distributions()
    missing = {}
    for path in sorted((ROOT / "mnistlib").rglob("*.py")):
        for name in _module_level_imports(path) - set(sys.stdlib_module_names) - {"mnistlib", "__future__"}:
            dists = {d.lower() for d in providers.get(name, [name])}
            if not dists & declared:
                missing[path.relative_to(ROOT).as_posix()] = name
    assert missing == {}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """A wheel built from a copy of the sources (the working tree gets no build/ folder)."""
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md", "LICENSE", "LICENSE-text"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "mnistlib", src / "mnistlib", ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                           "-q", "-w", str(out), str(src)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (path,) = out.glob("mnistlib-*.whl")
    return path


def test_wheel_holds_marker_licences_and_data(wheel):
    """Does the wheel hold py.typed, the three licence files, the mini subset and the shipped weights,
    under the package's version?"""
    assert wheel.name.startswith(f"mnistlib-{mnistlib.__version__}-")
    names = set(zipfile.ZipFile(wheel).namelist())
    info = f"mnistlib-{mnistlib.__version__}.dist-info"
    for expected in ("mnistlib/py.typed", "mnistlib/data/mnist_mini.npz",
                     "mnistlib/reproductions/dlfs_sample_weight.npz",
                     "mnistlib/reproductions/LICENSE-dlfs-weights.txt",
                     f"{info}/licenses/LICENSE", f"{info}/licenses/LICENSE-text"):
        assert expected in names
    metadata = zipfile.ZipFile(wheel).read(f"{info}/METADATA").decode()
    assert "License-Expression: MIT" in metadata
    assert f"Project-URL: Repository, {REPOSITORY}" in metadata
    assert 'Provides-Extra: students' in metadata


def test_students_page_installs_only_the_students_extra():
    """Does the students' page give one install command, the students extra, and check work with a
    tool that extra installs (nbgrader validate), not the whole toolchain or pytest?"""
    page = (ROOT / "book" / "students.md").read_text()
    assert page.count('pip install ".[students]"') == 1
    assert "requirements.txt" not in page and "pytest" not in page
    assert "nbgrader validate exercises/" in page
