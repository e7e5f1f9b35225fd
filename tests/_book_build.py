"""Build the book once per test session and share the result (imported by tests/test_book_*.py).

The build runs README's command, ``bash scripts/build_book.sh``, with the caller's environment:
full MNIST when ``MNISTLIB_DATA`` (or the cache) provides it, the embedded subset when
``MNISTLIB_BOOK_SUBSET=mini``. ``functools.cache`` makes every caller share one build, however
many test modules ask for it.
"""

import functools
import os
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ANSI = re.compile(r"\x1b\[[0-9;]*m")
# Log lines that say WARNING but are not about the book: ipykernel 7 announces on every kernel
# start that it talks to the (local) executor over TCP.
BENIGN_LOG = [re.compile(r"\[IPKernelApp\] WARNING \| Kernel is running over TCP without encryption")]
# A known ipykernel 7 race when a kernel shuts down after its notebook ran (fixed upstream in
# ipykernel PR 1518): tornado logs "Uncaught exception in ZMQStream callback" with a traceback
# ending in "ZMQError: Socket operation on non-socket". Only that exact pair is tolerated.
ZMQ_SHUTDOWN_ERROR = "ERROR:tornado.general:Uncaught exception in ZMQStream callback"
ZMQ_SHUTDOWN_CAUSE = "zmq.error.ZMQError: Socket operation on non-socket"


def _is_kernel_shutdown_race(lines, i):
    """Is line i the tornado error whose traceback ends in the ENOTSOCK shutdown race?"""
    if lines[i].strip() != ZMQ_SHUTDOWN_ERROR:
        return False
    for line in lines[i + 1:i + 60]:
        if line.startswith(("Traceback", "  ")):
            continue
        return line.strip() == ZMQ_SHUTDOWN_CAUSE
    return False


@dataclass
class BookBuild:
    """Outcome of one run of scripts/build_book.sh."""

    returncode: int
    log: str
    html_dir: Path
    seconds: float
    subset: str

    def warnings(self):
        """Warning and error lines of the book build (Sphinx, myst-nb, notebook execution).

        Lines printed before jupyter-book starts (e.g. by pip while setup_env.sh refreshes the
        environment) are not the book's and are left out.
        """
        start = self.log.find("Running Jupyter-Book")
        book_log = self.log[start:] if start >= 0 else self.log
        lines = book_log.splitlines()
        return [
            line for i, line in enumerate(lines)
            if re.search(r"\b(WARNING|ERROR|CRITICAL)\b", line)
            and not any(p.search(line) for p in BENIGN_LOG)
            and not _is_kernel_shutdown_race(lines, i)
        ]

    def executed(self):
        """Notebooks that were executed (not taken from the cache) during this build."""
        return re.findall(r"(\S+\.md): Executed notebook", self.log)


def subset():
    """The data the book is built on: ``"full"`` unless ``$MNISTLIB_BOOK_SUBSET`` says ``mini``."""
    return os.environ.get("MNISTLIB_BOOK_SUBSET", "full").strip() or "full"


def html_dir():
    """Where scripts/build_book.sh writes the site for the current data choice."""
    return ROOT / ("_build/mini/_build/html" if subset() == "mini" else "_build/html")


def run_build(log_name, *args, env=None):
    """Run README's build command (extra ``args`` go to jupyter-book); keep its log in ``_build/<log_name>``.

    ``env`` replaces the environment of the build (default: the caller's).
    """
    start = time.perf_counter()
    proc = subprocess.run(
        ["bash", str(ROOT / "scripts" / "build_book.sh"), *args],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    seconds = time.perf_counter() - start
    log = ANSI.sub("", proc.stdout)
    (ROOT / "_build").mkdir(exist_ok=True)
    (ROOT / "_build" / log_name).write_text(log + f"\n[build took {seconds:.1f} s]\n")
    chosen = (env or os.environ).get("MNISTLIB_BOOK_SUBSET", "full").strip() or "full"
    out = ROOT / ("_build/mini/_build/html" if chosen == "mini" else "_build/html")
    if "--path-output" in args:
        out = Path(args[args.index("--path-output") + 1]) / "_build" / "html"
    return BookBuild(proc.returncode, log, out, seconds, chosen)


def output_args():
    """Where the session builds: ``--path-output $BOOK_TEST_OUTPUT`` when that is set (a folder
    of your own, so that parallel work does not share ``_build/``), else README's folders."""
    out = os.environ.get("BOOK_TEST_OUTPUT", "").strip()
    return ("--path-output", out) if out else ()


@functools.cache
def book_build():
    """The session's build of the book (run on first use, then shared)."""
    return run_build("book_build.log", *output_args())


def toc_pages():
    """Document names listed in _toc.yml, in order (``book/intro``, ``book/01_mnist``, ...)."""
    return re.findall(r"(?:root|file):\s*(\S+)", (ROOT / "_toc.yml").read_text())


def chapter_pages():
    """The numbered chapters: ``book/NN_*`` pages of the table of contents."""
    return [p for p in toc_pages() if re.match(r"book/\d\d_", p)]
