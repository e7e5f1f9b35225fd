"""The built site as a reader and a link checker see it: internal links and anchors resolve,
figures have captions and alt texts that say what they show, code fits the page, and buttons
point only at a repository that exists."""

import re
import shutil

import pytest

from _book_build import ROOT, book_build, toc_pages
import _site_check as site_check


@pytest.fixture(scope="module")
def build():
    build = book_build()
    assert build.returncode == 0, "the book did not build; see _build/book_build.log"
    site_check.clear_caches()
    return build


def pages_of(build, pages):
    return [build.html_dir / f"{page}.html" for page in pages]


def test_internal_links_and_anchors_resolve(build):
    """Does every local link of the site (pages, #anchors, images, scripts, style sheets)
    point at a file that exists and, for an anchor, at an id on that page?"""
    assert site_check.broken_links(build.html_dir) == []


@pytest.mark.parametrize("page", toc_pages())
def test_figures_have_captions_and_alt_text(build, page):
    """Is every image of a page inside a figure with a caption, with an alt text of several
    words that is not a file name or hash?"""
    assert site_check.figure_problems(build.html_dir, pages_of(build, [page])) == []


def test_code_lines_fit_in_the_built_pages(build):
    """Is every code line the pages show (cells and included source) within 80 characters,
    so that no code block needs a sideways scrollbar? (Printed output wraps instead.)"""
    assert site_check.long_code_lines(build.html_dir, pages_of(build, toc_pages())) == []


def test_no_button_points_at_a_placeholder_repository(build):
    """While _config.yml carries the placeholder address, do the pages leave out the repository,
    issues, edit and Binder buttons (and keep the download button)?"""
    html = (build.html_dir / "book" / "02_softmax.html").read_text(encoding="utf-8")
    configured = re.search(r"^\s+url:\s*(\S*)", (ROOT / "_config.yml").read_text(), re.M).group(1)
    if configured.strip("\"'") not in ("", "https://github.com/OWNER/REPOSITORY"):
        pytest.skip("_config.yml names a real repository (its buttons are tested in "
                    "test_book_repository.py)")
    assert "OWNER/REPOSITORY" not in html
    assert "mybinder.org" not in html
    assert "Source repository" not in html and "Open an issue" not in html
    assert "_sources/book/02_softmax" in html


# --- the checks, run on a site broken on purpose ------------------------------------------

@pytest.fixture
def broken_site(build, tmp_path):
    """A copy of two built pages with a broken anchor, a missing page, an image without alt
    text, a figure without caption and an over-long code line."""
    site = tmp_path / "site"
    (site / "book").mkdir(parents=True)
    for name in ("02_softmax.html", "intro.html"):
        shutil.copy(build.html_dir / "book" / name, site / "book" / name)
    shutil.copytree(build.html_dir / "_images", site / "_images")
    shutil.copytree(build.html_dir / "_static", site / "_static")
    page = site / "book" / "intro.html"
    html = page.read_text(encoding="utf-8")
    image = next((site / "_images").glob("*.png")).name
    broken = (
        '<a href="02_softmax.html#no-such-section">a broken anchor</a>'
        '<a href="03_missing.html">a missing page</a>'
        f'<figure><img src="../_images/{image}" alt="3f9c2a7be1d04c55.png"></figure>'
        f'<p><img src="../_images/{image}" alt="Ten weight images, one per digit."></p>'
        '<div class="highlight"><pre>' + "x = 1  # " + "y" * 80 + "</pre></div>"
    )
    page.write_text(html.replace("</article>", broken + "</article>", 1), encoding="utf-8")
    site_check.clear_caches()
    yield site, page
    site_check.clear_caches()


def test_checks_catch_a_broken_site(broken_site):
    """Do the link, figure and code-width checks each report what was broken on purpose?"""
    site, page = broken_site
    links = site_check.broken_links(site, [page])
    assert any("no anchor #no-such-section" in p for p in links)
    assert any("03_missing.html" in p for p in links)
    figures = site_check.figure_problems(site, [page])
    assert any("does not say what it shows" in p for p in figures)
    assert sum("not in a figure with a caption" in p for p in figures) == 2
    assert len(site_check.long_code_lines(site, [page])) == 1
