"""Checks of a built HTML site, shared by the book tests and run on broken fixtures.

Each function takes the site's folder (``_build/html``) and returns a list of problems, one
readable line each, so that a test can ``assert problems == []`` and show all of them at once.
HTML is parsed with BeautifulSoup (installed with the book's theme). Sphinx's own linkcheck
builder needs the network for external links and re-reads every page; internal links and
anchors need only the built files, hence this small checker.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup

#: Longest code line (characters) a code block shows without scrolling at 1280 px; measured
#: in headless Chromium by tests/test_book_browser.py::test_code_width_fits_the_limit.
CODE_LINE_LIMIT = 80
#: An alt text that is a file name or a hash says nothing about the figure.
HASH_ALT = re.compile(r"^[0-9a-f]{8,}(\.\w+)?$|\.(png|jpe?g|svg|gif)$", re.I)
MIN_ALT_WORDS = 4
#: Folders of the built site that hold assets, not pages.
ASSET_DIRS = ("_static", "_sources", "_images", "mathjax", "_sphinx_design_static")


def html_pages(site: Path) -> list[Path]:
    """The HTML pages of a built site (assets left out), sorted."""
    return sorted(p for p in site.rglob("*.html")
                  if not any(part in ASSET_DIRS for part in p.relative_to(site).parts))


@functools.lru_cache(maxsize=None)
def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@functools.lru_cache(maxsize=None)
def _anchors(path: Path) -> frozenset[str]:
    soup = _soup(path)
    ids = {tag["id"] for tag in soup.find_all(id=True)}
    names = {tag["name"] for tag in soup.find_all("a", attrs={"name": True})}
    return frozenset(ids | names)


def clear_caches():
    """Forget parsed pages (for tests that rewrite a site)."""
    _soup.cache_clear()
    _anchors.cache_clear()


def _target(site: Path, page: Path, href: str) -> tuple[Path | None, str]:
    """The file and fragment a local link points at; (None, "") for a link to elsewhere."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or href.startswith(("mailto:", "javascript:", "data:")):
        return None, ""
    path = unquote(parts.path)
    if not path:
        return page, unquote(parts.fragment)
    target = (site / path.lstrip("/")) if path.startswith("/") else (page.parent / path)
    target = Path(*target.parts).resolve()
    if target.is_dir():
        target = target / "index.html"
    return target, unquote(parts.fragment)


def broken_links(site: Path, pages: list[Path] | None = None) -> list[str]:
    """Local links (a href, img src, script src, link href) whose file or #anchor is missing."""
    site = site.resolve()
    problems = []
    for page in pages or html_pages(site):
        page = page.resolve()
        soup = _soup(page)
        refs = [(tag.name, tag.get("href")) for tag in soup.find_all(["a", "link"], href=True)]
        refs += [(tag.name, tag.get("src")) for tag in soup.find_all(["img", "script"], src=True)]
        for name, ref in refs:
            if not ref or ref == "#":
                continue
            target, fragment = _target(site, page, ref)
            if target is None:
                continue
            where = f"{page.relative_to(site)}: <{name}> {ref}"
            if not target.is_file():
                problems.append(f"{where}: no file {target.name}")
            elif fragment and target.suffix == ".html" and fragment not in _anchors(target):
                problems.append(f"{where}: no anchor #{fragment} in {target.name}")
    return problems


def _content(soup: BeautifulSoup):
    """The page's article (what the reader reads), without the theme's navigation."""
    return soup.find("article") or soup.find("main") or soup


def figure_problems(site: Path, pages: list[Path]) -> list[str]:
    """Images of the article without a descriptive alt text or outside a captioned figure."""
    problems = []
    for page in pages:
        for img in _content(_soup(page.resolve())).find_all("img"):
            where = f"{page.name}: image {img.get('src', '?')}"
            alt = (img.get("alt") or "").strip()
            if not alt or HASH_ALT.search(alt) or len(alt.split()) < MIN_ALT_WORDS:
                problems.append(f"{where}: alt text {alt!r} does not say what it shows")
            figure = img.find_parent("figure")
            caption = figure.find("figcaption") if figure else None
            if caption is None or not caption.get_text(strip=True):
                problems.append(f"{where}: not in a figure with a caption")
    return problems


def long_code_lines(site: Path, pages: list[Path], limit: int = CODE_LINE_LIMIT) -> list[str]:
    """Lines longer than ``limit`` characters in the code blocks (<pre>) of the article.

    Printed output (``div.cell_output``) is left out: its long lines wrap (book_layout.css).
    """
    problems = []
    for page in pages:
        for pre in _content(_soup(page.resolve())).find_all("pre"):
            if pre.find_parent("div", class_="cell_output"):
                continue
            for line in pre.get_text().splitlines():
                if len(line.rstrip()) > limit:
                    problems.append(f"{page.name}: {len(line.rstrip())} characters: "
                                    f"{line.strip()[:60]}...")
    return problems
