"""The repository address is set in one place (_config.yml): with a real address the pages
link to it (repository, issues, edit, Binder); unset or the placeholder, those buttons are left
out rather than pointing nowhere. Built on a one-page book with the project's configuration."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from _book_build import ROOT

sys.path.insert(0, str(ROOT / "book" / "_ext"))
from repository_buttons import PLACEHOLDER_URL, repository_url  # noqa: E402

PAGE = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# A chapter

```{code-cell} ipython3
print("hello")
```
"""


def build_tiny_book(tmp_path, url):
    """Build a one-notebook book with _config.yml's settings and ``repository.url = url``."""
    book = tmp_path / "book-src"
    (book / "book").mkdir(parents=True)
    shutil.copytree(ROOT / "book" / "_ext", book / "book" / "_ext")
    shutil.copy(ROOT / "book" / "references.bib", book / "book" / "references.bib")
    (book / "_build" / "offline_assets").mkdir(parents=True)
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    config["repository"]["url"] = url
    config["execute"]["execute_notebooks"] = "force"
    (book / "_config.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    (book / "_toc.yml").write_text("format: jb-book\nroot: book/chapter\n", encoding="utf-8")
    (book / "book" / "chapter.md").write_text(PAGE, encoding="utf-8")
    exe = Path(sys.executable).with_name("jupyter-book")
    proc = subprocess.run([str(exe), "build", str(book), "-W", "-n", "--keep-going"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return (book / "_build" / "html" / "book" / "chapter.html").read_text(encoding="utf-8")


def test_real_address_gives_every_button(tmp_path):
    """With a real address, does the page link to the repository, its issues, the page's
    source for editing, and Binder for that repository?"""
    html = build_tiny_book(tmp_path, "https://github.com/example-org/softmax-course")
    assert 'href="https://github.com/example-org/softmax-course"' in html
    assert "https://github.com/example-org/softmax-course/issues" in html
    assert "https://github.com/example-org/softmax-course/edit/main/book/chapter.md" in html
    assert "mybinder.org/v2/gh/example-org/softmax-course/main" in html
    assert "_sources/book/chapter.ipynb" in html


@pytest.mark.parametrize("url", [PLACEHOLDER_URL, ""])
def test_placeholder_or_unset_address_leaves_the_buttons_out(tmp_path, url):
    """With the placeholder or no address, does the build pass and leave out every button that
    would point at it, keeping the download button?"""
    html = build_tiny_book(tmp_path, url)
    assert "OWNER/REPOSITORY" not in html
    assert "mybinder.org" not in html
    assert "github.com" not in html.replace("github.com/executablebooks", "")
    # The download buttons need no repository: the MyST source and the executed notebook.
    assert "_sources/book/chapter.md" in html
    assert "_sources/book/chapter.ipynb" in html


@pytest.mark.parametrize("url, expected", [
    ("https://github.com/org/repo/", "https://github.com/org/repo"),
    (PLACEHOLDER_URL, None), (PLACEHOLDER_URL.lower() + "/", None), ("", None), ("  ", None),
    (None, None),
])
def test_repository_url_rule(url, expected):
    """Is an address "set" exactly when it is neither empty nor the placeholder?"""
    assert repository_url({"repository_url": url}) == expected
