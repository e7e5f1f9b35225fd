"""The built book in headless Chromium: pages load, figures show, math renders, no JS errors,
and no code block scrolls sideways at a 1280 px window.

A full-page screenshot of every page is kept in ``_build/screenshots/`` for a person to look at.
"""

import functools
import http.server
import re
import shutil
import tempfile
import threading

import pytest

from _book_build import ROOT, book_build, chapter_pages, toc_pages
from _site_check import CODE_LINE_LIMIT

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

SCREENSHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
# Flags that work for Debian's chromium in headless mode on a server.
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--window-size=1280,1600",
]
# Console messages that are not the book's fault.
BENIGN = [
    re.compile(r"favicon\.ico"),
]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Static file server that does not print a line per request."""

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site():
    """Serve the session's build over HTTP on a free local port (as the site will be served)."""
    build = book_build()
    assert build.returncode == 0, "the book did not build; see _build/book_build.log"
    handler = functools.partial(QuietHandler, directory=str(build.html_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None or CHROMEDRIVER is None:
        pytest.fail("headless Chromium is needed: apt-get install chromium chromium-driver (scripts/run_tests.sh does this)")
    profile = tempfile.mkdtemp(prefix="book-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS + [f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def has_math(page):
    """Does the page's source contain TeX (dollar math or a math directive)?"""
    text = (ROOT / f"{page}.md").read_text(encoding="utf-8")
    return bool(re.search(r"\$[^$\n]+\$|\{math\}", text))


WAIT_FOR_MATHJAX = """
const done = arguments[arguments.length - 1];
const deadline = Date.now() + 30000;
(function poll() {
  const mj = window.MathJax;
  if (mj && mj.startup && mj.startup.promise) {
    mj.startup.promise.then(() => done("ready"), (e) => done("error: " + e));
  } else if (Date.now() > deadline) {
    done("MathJax never loaded");
  } else {
    setTimeout(poll, 100);
  }
})();
"""

# Visible text of the article with code and its outputs removed (they may contain backslashes).
ARTICLE_TEXT = """
const main = document.querySelector("main") || document.body;
const copy = main.cloneNode(true);
copy.querySelectorAll("pre, code, .cell_output, mjx-container, script, style").forEach(e => e.remove());
return copy.innerText;
"""

FIGURES = """
const main = document.querySelector("main") || document.body;
return Array.from(main.querySelectorAll(".cell_output img, figure img")).map(img => ({
  src: img.getAttribute("src"),
  complete: img.complete,
  naturalWidth: img.naturalWidth,
  width: img.getBoundingClientRect().width,
  height: img.getBoundingClientRect().height,
}));
"""


# Opens every drop-down (solutions, hidden cells), then lists the code blocks and cards of the
# article whose content is wider than their box: a sideways scrollbar, or clipped content.
OVERFLOWING = """
document.querySelectorAll("details").forEach(d => { d.open = true; });
document.querySelectorAll(".toggle-hidden").forEach(e => e.classList.remove("toggle-hidden"));
const main = document.querySelector("article") || document.body;
return Array.from(main.querySelectorAll("pre, .sd-card, .sd-card-body")).filter(
  e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1
).map(e => ({
  kind: e.tagName === "PRE" ? "code block" : "card",
  scroll: e.scrollWidth, client: e.clientWidth,
  text: (e.innerText || "").split("\\n").sort((a, b) => b.length - a.length)[0].slice(0, 90),
}));
"""

# The longest line of x's that a code cell's block shows without a scrollbar.
CHARACTERS_THAT_FIT = """
const block = document.querySelector("article div.cell_input div.highlight");
const probe = block.cloneNode(true);
block.parentNode.appendChild(probe);
const pre = probe.querySelector("pre");
let fits = 0;
for (let n = 20; n <= 200; n++) {
  pre.textContent = "x".repeat(n);
  if (pre.scrollWidth > pre.clientWidth) break;
  fits = n;
}
probe.remove();
return fits;
"""


def test_code_width_fits_the_limit(site, browser):
    """At a 1280 px window, does a code cell's block show CODE_LINE_LIMIT (80) characters a
    line without a sideways scrollbar (the width the sources are held to)?"""
    browser.set_window_size(1280, 1600)
    browser.get(f"{site}/book/02_softmax.html")
    fits = browser.execute_script(CHARACTERS_THAT_FIT)
    print(f"a code block at 1280 px shows {fits} characters a line")
    assert fits >= CODE_LINE_LIMIT


@pytest.mark.parametrize("page", toc_pages())
def test_no_code_block_scrolls_sideways(site, browser, page):
    """At a 1280 px window, with every drop-down open, is every code block and card of the
    page as wide as its content (no sideways scrollbar, nothing clipped)?"""
    browser.set_window_size(1280, 1600)
    browser.get(f"{site}/{page}.html")
    assert browser.execute_script(OVERFLOWING) == []


def test_overflow_check_catches_a_long_line(site, browser):
    """Does the check above report a code block given a line wider than the page?"""
    browser.set_window_size(1280, 1600)
    browser.get(f"{site}/book/02_softmax.html")
    before = browser.execute_script(OVERFLOWING)
    browser.execute_script(
        'document.querySelector("article div.cell_input pre").textContent = "y".repeat(120);')
    after = browser.execute_script(OVERFLOWING)
    new = [(o["kind"], o["text"]) for o in after if o not in before]
    assert new == [("code block", "y" * 90)]


@pytest.mark.parametrize("page", toc_pages())
def test_page_in_browser(site, browser, page):
    """Does the page load, show its figures at non-zero size, render its math, and log no JS error?"""
    browser.get_log("browser")  # discard messages of the previous page
    browser.get(f"{site}/{page}.html")
    assert browser.execute_script("return document.readyState") == "complete"
    assert "404" not in browser.title

    if has_math(page):  # Sphinx adds MathJax only to pages that contain math
        status = browser.execute_async_script(WAIT_FOR_MATHJAX)
        assert status == "ready", f"{page}: {status}"

    figures = browser.execute_script(FIGURES)
    if page in chapter_pages():
        assert figures, f"{page}: no figure in the page"
    for fig in figures:
        assert fig["complete"] and fig["naturalWidth"] > 0, f"{page}: image {fig['src']} did not load"
        assert fig["width"] > 0 and fig["height"] > 0, f"{page}: image {fig['src']} has zero size"

    n_math = browser.execute_script("return document.querySelectorAll('mjx-container').length")
    text = browser.execute_script(ARTICLE_TEXT)
    if has_math(page):
        assert n_math > 0, f"{page}: no rendered math (mjx-container)"
    for raw in ("\\(", "\\[", "$$"):
        assert raw not in text, f"{page}: raw TeX {raw!r} left in the text"
    assert "| ---" not in text, f"{page}: a markdown table was left as text"

    errors = [
        entry["message"] for entry in browser.get_log("browser")
        if entry["level"] == "SEVERE" and not any(p.search(entry["message"]) for p in BENIGN)
    ]
    assert errors == [], f"{page}: JavaScript errors: {errors}"

    height = browser.execute_script("return Math.min(document.documentElement.scrollHeight, 16000)")
    browser.set_window_size(1280, max(1600, height))
    name = page.replace("/", "_")
    assert browser.save_screenshot(str(SCREENSHOTS / f"{name}.png"))
    browser.set_window_size(1280, 1600)
    assert (SCREENSHOTS / f"{name}.png").stat().st_size > 10_000
