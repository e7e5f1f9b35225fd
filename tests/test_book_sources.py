"""The book's sources, checked without a build: code width, hidden data plumbing, chapter
furniture, the bibliography, and the publish workflow."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from _book_build import ROOT, chapter_pages, toc_pages
from _myst_cells import code_blocks
from _site_check import CODE_LINE_LIMIT

BIB = ROOT / "book" / "references.bib"
WORKFLOW = ROOT / ".github" / "workflows" / "book.yml"
#: The citation keys the chapters' editors agreed on (all must exist in references.bib).
AGREED_KEYS = ["lecun1998mnist", "saito2016dlfs", "dlfs_article", "theano_logreg",
               "sklearn_l1_example", "tf_softmax_article", "defazio2014saga",
               "prechelt1998early", "polyak1992averaging", "bishop2006prml", "goodfellow2016deep"]


def page_path(page):
    return ROOT / f"{page}.md"


def long_lines(path, limit=CODE_LINE_LIMIT):
    """Lines longer than ``limit`` characters in the code a page shows (cells not removed by
    a tag, and fenced blocks)."""
    return [f"{path.name}:{block.line}: {len(line)} characters: {line.strip()[:50]}..."
            for block in code_blocks(path) if block.shown
            for line in block.lines if len(line) > limit]


def shown_plumbing(path):
    """Code cells a reader sees that read the environment (os.environ / os.getenv)."""
    return [f"{path.name}:{block.line}" for block in code_blocks(path)
            if block.kind == "code-cell" and block.shown
            and any(re.search(r"os\.environ|os\.getenv|getenv\(", line) for line in block.lines)]


@pytest.mark.parametrize("page", toc_pages())
def test_code_lines_fit_the_page(page):
    """Is every line of code a page shows (code cells and fenced blocks) at most 80 characters,
    the width a code block shows without a sideways scrollbar at 1280 px?"""
    assert long_lines(page_path(page)) == []


@pytest.mark.parametrize("page", chapter_pages())
def test_data_plumbing_is_hidden(page):
    """Does a chapter keep its environment reading (which data to load) out of the reader's
    sight, in a cell tagged remove-input?"""
    assert shown_plumbing(page_path(page)) == []


def test_checks_catch_a_long_line_and_shown_plumbing(tmp_path):
    """Do the two checks above fail on a page with a long line and a visible os.environ?"""
    page = tmp_path / "bad.md"
    page.write_text(
        "# Bad\n\n```{code-cell} ipython3\nimport os\n"
        "subset = os.environ.get('MNISTLIB_BOOK_SUBSET') or 'full'\n"
        f"x = {'1 + ' * 30}1\n```\n\n"
        "```{code-cell} ipython3\n:tags: [remove-input]\nimport os\nos.environ.get('A')\n"
        f"z = {'2 + ' * 30}2\n```\n\n"
        "````{exercise}\n```python\n" + "y" * 81 + "\n```\n````\n",
        encoding="utf-8")
    assert len(long_lines(page)) == 2
    assert shown_plumbing(page) == ["bad.md:3"]


@pytest.mark.parametrize("page", chapter_pages())
def test_chapter_states_prerequisites_and_time(page):
    """Does each chapter say, between its title and its overview, what it assumes and about how
    long it takes?"""
    text = page_path(page).read_text(encoding="utf-8")
    top = text.split("## Overview")[0]
    assert re.search(r"\*\*Prerequisites:?\*\*", top), f"{page}: no prerequisites at the top"
    assert re.search(r"\*\*(Estimated )?[Tt]ime:?\*\*[^\n]*\b(minutes?|hours?)\b", top), \
        f"{page}: no estimated time at the top"


def _bib_entries():
    from pybtex.database import parse_file

    return parse_file(str(BIB), bib_format="bibtex").entries


def test_bibliography_has_the_agreed_keys_with_authors():
    """Does references.bib parse and hold every agreed key, each with an author and a title,
    and do entries for web pages carry an address or say it is not known?"""
    entries = _bib_entries()
    missing = [key for key in AGREED_KEYS if key not in entries]
    assert missing == []
    for key, entry in entries.items():
        assert entry.persons.get("author"), f"{key}: no author"
        assert entry.fields.get("title"), f"{key}: no title"
        if entry.type == "misc":
            note = str(entry.fields.get("note", ""))
            assert entry.fields.get("url") or "not known" in note, f"{key}: no address"


def _cited_keys():
    keys = {}
    for page in toc_pages():
        text = page_path(page).read_text(encoding="utf-8")
        for group in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", text):
            for key in group.split(","):
                keys.setdefault(key.strip(), page)
    return keys


def test_every_citation_has_an_entry():
    """Does every {cite} key used in the book exist in references.bib, and does the intro
    cite the four source documents?"""
    entries = _bib_entries()
    cited = _cited_keys()
    assert {k: p for k, p in cited.items() if k not in entries} == {}
    intro = page_path("book/intro").read_text(encoding="utf-8")
    for key in ("tf_softmax_article", "sklearn_l1_example", "theano_logreg", "dlfs_article"):
        assert f"{key}`" in intro, f"the intro does not cite {key}"


def test_references_and_furniture_pages_are_in_the_toc():
    """Are the references, notation and what-next pages in the table of contents, and does the
    references page hold the bibliography?"""
    pages = toc_pages()
    for page in ("book/references", "book/notation", "book/what_next"):
        assert page in pages
    assert "{bibliography}" in page_path("book/references").read_text(encoding="utf-8")


def test_notation_page_lists_every_symbol_with_its_shape():
    """Does the notation page give each of the book's main symbols, with shapes for the arrays?"""
    text = page_path("book/notation").read_text(encoding="utf-8")
    for symbol in ("$N$", "$D$", "$C$", "$H", "$X$", "$W$", "$b$", "$y$", "$T$", "$P$", "$L(W, b)$",
                   "$E =", r"$\eta$", r"$\lambda$", "$a_1 =", "$z_1 ="):
        assert symbol in text, symbol
    for shape in ("$(N, D)$", "$(D, C)$", "$(C,)$", "$(N, C)$"):
        assert shape in text, shape


def test_no_reference_to_files_outside_the_project():
    """Do the project's files avoid naming a TOOLCHAIN.md, which the project does not have?"""
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    named = [f for f in files if (ROOT / f).is_file() and f != "tests/test_book_sources.py"
             and "TOOLCHAIN" in (ROOT / f).read_text(encoding="utf-8", errors="ignore")]
    assert named == []


def check_workflow(path):
    """Run check-jsonschema with its vendored GitHub workflow schema (no network needed)."""
    exe = Path(sys.executable).with_name("check-jsonschema")
    return subprocess.run([str(exe), "--builtin-schema", "vendor.github-workflows", str(path)],
                          capture_output=True, text=True)


def test_publish_workflow_is_valid_and_deploys_the_build():
    """Is the publish workflow valid GitHub Actions syntax, does it run README's build command
    and deploy _build/html with the Pages actions?"""
    result = check_workflow(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr
    text = WORKFLOW.read_text(encoding="utf-8")
    assert "run: bash scripts/build_book.sh" in text
    assert "actions/upload-pages-artifact@" in text and "path: _build/html" in text
    assert "actions/deploy-pages@" in text
    assert re.search(r"on:\s*\n\s+push:", text)


@pytest.mark.parametrize("mutation", [("steps:", "stepz:"), ("runs-on:", "runs_on:"),
                                      ("needs: build", "needs: [build")])
def test_workflow_check_catches_broken_syntax(tmp_path, mutation):
    """Does the workflow check fail on a misspelt key or broken YAML?"""
    broken = tmp_path / "book.yml"
    broken.write_text(WORKFLOW.read_text(encoding="utf-8").replace(*mutation, 1), encoding="utf-8")
    assert check_workflow(broken).returncode != 0
