"""The strict book build: README's command builds every page without a warning."""

import os
import re

import pytest

from _book_build import ROOT, book_build, chapter_pages, output_args, run_build, toc_pages


@pytest.fixture(scope="session")
def build():
    return book_build()


def read_page(build, page):
    return (build.html_dir / f"{page}.html").read_text(encoding="utf-8")


def test_strict_build_passes(build):
    """Does `bash scripts/build_book.sh` (jupyter-book build -W -n --keep-going) exit 0 with no warning?"""
    assert build.returncode == 0, "book build failed; see _build/book_build.log:\n" + "\n".join(build.warnings()[:30])
    assert build.warnings() == []


def test_every_toc_page_is_built(build):
    """Is there an HTML page for every entry of _toc.yml, and the index redirect?"""
    missing = [p for p in toc_pages() if not (build.html_dir / f"{p}.html").is_file()]
    assert missing == []
    assert (build.html_dir / "index.html").is_file()
    assert len(chapter_pages()) == 9  # chapters 1-8 and the scikit-learn chapter


@pytest.mark.parametrize("page", chapter_pages())
def test_chapter_states_its_data(build, page):
    """Does each chapter say which data its results came from, matching the data the build used?"""
    html = read_page(build, page)
    m = re.search(r"Results on this page were computed on:\s*<span class=\"pasted-text\">([^<]+)</span>", html)
    assert m, f"{page}: no glued data statement"
    expected = "full MNIST" if build.subset == "full" else "embedded mini subset"
    assert expected in m.group(1)


@pytest.mark.parametrize("page", chapter_pages())
def test_figures_are_images_not_text(build, page):
    """Does every figure a chapter makes appear as an image, never as a "<Figure ...>" text repr?"""
    html = read_page(build, page)
    assert "&lt;Figure size" not in html
    assert re.search(r'<img[^>]+src="\.\./_images/[^"]+\.png"', html)


@pytest.mark.parametrize("page", chapter_pages())
def test_no_local_paths_in_pages(build, page):
    """Do the published pages avoid the build machine's folder names (e.g. in data descriptions)?"""
    html = read_page(build, page)
    text = re.sub(r"<[^>]+>", " ", html)
    assert str(ROOT) not in text
    assert str(ROOT.parent) + "/" not in text
    data_dir = os.environ.get("MNISTLIB_DATA", "").strip()
    if data_dir:
        assert data_dir.rstrip("/") not in text


@pytest.mark.parametrize("page", chapter_pages())
def test_chapter_skeleton(build, page):
    """Does each chapter have an overview, exercises, and solutions hidden in drop-downs?"""
    html = read_page(build, page)
    assert 'id="overview"' in html
    assert 'id="exercises"' in html
    exercises = re.findall(r'<div class="exercise admonition" id="([^"]+)"', html)
    solutions = re.findall(r'<div class="([^"]*\bsolution\b[^"]*\badmonition\b[^"]*)"', html)
    assert len(exercises) >= 2, f"{page}: fewer than two exercises"
    assert len(solutions) == len(exercises), f"{page}: {len(exercises)} exercises but {len(solutions)} solutions"
    assert all("dropdown" in cls.split() for cls in solutions), f"{page}: a solution is not a drop-down"


def configured_repository():
    """The repository address of _config.yml, or None while it is unset or the placeholder
    (the rule of book/_ext/repository_buttons.py)."""
    import sys

    import yaml

    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    try:
        from repository_buttons import repository_url
    finally:
        sys.path.pop(0)
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return repository_url({"repository_url": (config.get("repository") or {}).get("url")})


@pytest.mark.parametrize("page", chapter_pages())
def test_launch_and_download_buttons(build, page):
    """Do chapter pages offer a notebook download, no Colab button (Colab cannot open the MyST
    sources, nor install mnistlib), and Binder exactly when _config.yml names a real repository?"""
    html = read_page(build, page)
    name = page.split("/")[-1]
    repository = configured_repository()
    if repository is None:
        assert "mybinder.org" not in html
    else:
        assert f"mybinder.org/v2/gh/{repository.split('github.com/')[-1]}" in html
    assert "colab.research.google.com" not in html
    assert f"_sources/{page}.ipynb" in html or f"{name}.ipynb" in html
    notebook = build.html_dir / "_sources" / f"{page}.ipynb"
    assert notebook.is_file() and notebook.stat().st_size > 1000


def _chapter_imports(path):
    """Top-level modules the code cells of a MyST chapter import."""
    text = path.read_text(encoding="utf-8")
    cells = re.findall(r"```\{code-cell\}[^\n]*\n(.*?)```", text, flags=re.S)
    return sorted({m for cell in cells
                   for m in re.findall(r"^\s*(?:from|import)\s+([A-Za-z_]\w*)", cell, flags=re.M)})


@pytest.mark.parametrize("page", chapter_pages())
def test_chapter_imports_only_installed_packages(page, tmp_path):
    """Does a chapter import only installed packages, so that its downloaded notebook runs
    outside the repository (no helper module next to the page)?"""
    import subprocess
    import sys

    modules = _chapter_imports(ROOT / f"{page}.md")
    assert "mnistlib" in modules
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run([sys.executable, "-c", "import " + ", ".join(modules)], cwd=tmp_path,
                            env=env, capture_output=True, text=True)
    assert result.returncode == 0, f"{page}: {result.stderr.strip().splitlines()[-1]}"


def test_downloaded_notebook_runs_outside_the_repository(build, tmp_path):
    """Does the notebook the download button gives (chapter 2) run from an unrelated folder,
    on the embedded subset, with every cell free of errors?"""
    import nbformat
    from nbclient import NotebookClient

    source = build.html_dir / "_sources" / "book" / "02_softmax.ipynb"
    notebook = nbformat.read(source, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    env_before = os.environ.get("MNISTLIB_BOOK_SUBSET")
    os.environ["MNISTLIB_BOOK_SUBSET"] = "mini"  # the kernel inherits it: quick and offline
    try:
        NotebookClient(notebook, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(tmp_path)}}).execute()
    finally:
        if env_before is None:
            del os.environ["MNISTLIB_BOOK_SUBSET"]
        else:
            os.environ["MNISTLIB_BOOK_SUBSET"] = env_before
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any(o.output_type == "display_data" and "image/png" in o.get("data", {})
               for o in outputs), "the chapter's figures should be drawn"


def test_mathjax_is_served_locally(build):
    """Is MathJax loaded from the built site itself, with no CDN script?"""
    html = read_page(build, "book/02_softmax")
    srcs = re.findall(r'<script[^>]+src="([^"]*mathjax[^"]*)"', html, flags=re.I)
    assert srcs, "no MathJax script tag"
    for src in srcs:
        assert "://" not in src
        target = (build.html_dir / "book" / src.split("?")[0]).resolve()
        assert target.is_file() and target.stat().st_size > 100_000
    fonts = list((build.html_dir / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff"))
    assert len(fonts) > 10


def test_footer_copyright(build):
    """Does the footer carry the course team's copyright rather than the theme's default?"""
    html = read_page(build, "book/intro")
    assert "The softmax-on-MNIST course team" in html
    assert "Copyright 2023" not in html


def test_rebuild_takes_outputs_from_execution_cache(build):
    """When every page is re-read (--all) but no code changed, is every notebook taken from the cache?"""
    assert build.returncode == 0
    again = run_build("book_rebuild.log", *output_args(), "--all")
    assert again.returncode == 0, "\n".join(again.warnings()[:30])
    assert again.executed() == []
    assert len(re.findall(r"Using cached notebook|Cached executed notebook|from cache", again.log)) >= len(chapter_pages())


def test_mini_subset_build_needs_no_data(tmp_path):
    """With MNISTLIB_BOOK_SUBSET=mini and no MNIST files, cache or network, does the strict build pass on the embedded subset,
    executing chapters in parallel? Built with --path-output, does it keep its execution stamp there, away from the default folders?"""
    env = {k: v for k, v in os.environ.items() if k != "MNISTLIB_DATA"}
    env.update(MNISTLIB_BOOK_SUBSET="mini", MNISTLIB_CACHE=str(tmp_path / "empty-cache"),
               MNISTLIB_MIRRORS="http://127.0.0.1:9/")  # port 9: nothing listens, no download
    # A sentinel in the default folder's stamp: the build below must leave it alone.
    default_stamp = ROOT / "_build" / "mini" / "_build" / ".imported_code_hash"
    saved = default_stamp.read_text() if default_stamp.is_file() else None
    default_stamp.parent.mkdir(parents=True, exist_ok=True)
    default_stamp.write_text("sentinel")
    out = tmp_path / "book"
    try:
        mini = run_build("book_build_mini.log", "--path-output", str(out), env=env)
        assert default_stamp.read_text() == "sentinel"
    finally:
        if saved is None:
            default_stamp.unlink()
        else:
            default_stamp.write_text(saved)
    assert mini.returncode == 0, "mini build failed; see _build/book_build_mini.log:\n" + "\n".join(mini.warnings()[:30])
    assert mini.warnings() == []
    # Sphinx names a run of pages "first .. last" only when workers read them in parallel.
    log = re.sub(r"\x1b\[[0-9;]*m", "", mini.log)
    assert re.search(r"reading sources\.\.\. \[\s*\d+%\] \S+ \.\. \S+", log), \
        "the chapters were read one after another: is an extension not parallel-safe?"
    assert (out / "_build" / ".imported_code_hash").is_file()
    for page in chapter_pages():
        html = (mini.html_dir / f"{page}.html").read_text(encoding="utf-8")
        assert "embedded mini subset" in html, page
        assert "full MNIST (the four original files" not in html, page


def test_unknown_subset_is_refused():
    """Does the build script refuse a misspelt MNISTLIB_BOOK_SUBSET, naming the allowed values?"""
    env = dict(os.environ, MNISTLIB_BOOK_SUBSET="small")
    bad = run_build("book_build_bad_subset.log", env=env)
    assert bad.returncode == 2
    assert "MNISTLIB_BOOK_SUBSET must be 'full' or 'mini'" in bad.log



def test_build_launcher_refuses_zero_jobs():
    """Does the parallel build launcher refuse --jobs 0 with a message naming the option?"""
    import subprocess
    import sys
    proc = subprocess.run([sys.executable, "scripts/jupyter_book_build.py", "--jobs", "0", "."],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 2
    assert "--jobs must be at least 1" in proc.stderr


def test_book_kernels_listen_on_unix_sockets(monkeypatch, tmp_path):
    """Do notebooks executed the way the build executes them (nbclient.execute, as myst-nb and
    jupyter-cache call it) get a kernel on IPC sockets, so parallel readers cannot race for a
    TCP port?"""
    import concurrent.futures
    import importlib.util

    import nbclient
    import nbclient.client
    import nbformat

    monkeypatch.setattr(nbclient.client, "NotebookClient", nbclient.client.NotebookClient)
    spec = importlib.util.spec_from_file_location("parallel_reading",
                                                  ROOT / "book" / "_ext" / "parallel_reading.py")
    extension = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(extension)
    extension.use_ipc_kernels()
    code = "from ipykernel.kernelapp import IPKernelApp\nprint(IPKernelApp.instance().transport)"
    # Kernels run in their chapter's folder: two at once, from elsewhere, must each answer.
    notebooks = [nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
                 for _ in range(2)]
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda nb: nbclient.execute(nb, cwd=str(tmp_path)), notebooks))
    for nb in notebooks:
        assert nb.cells[0].outputs[0]["text"].strip() == "ipc"
