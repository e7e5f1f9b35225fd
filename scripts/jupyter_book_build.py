"""``jupyter-book build`` that reads, and so executes, several chapters at once.

Jupyter Book 1's build function takes Sphinx's ``jobs`` (``jupyter_book.sphinx.build_sphinx``),
but its command line has no option for it (jupyter-book issue 1735), so this runs the same
command with ``jobs`` set. book/_ext/parallel_reading.py makes the book's extensions allow it.

Usage: python scripts/jupyter_book_build.py [--jobs N] <arguments of jupyter-book build>
"""

import argparse
import functools
import os
import sys

from jupyter_book import sphinx
from jupyter_book.cli.main import main as jupyter_book


def default_jobs() -> int:
    """Twice the usable cores.

    Sphinx gives each worker a fixed run of consecutive chapters (sorted by name); runs
    smaller than an even split keep one run of heavy chapters from finishing alone.
    """
    return 2 * len(os.sched_getaffinity(0))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("--jobs", type=int, default=default_jobs(),
                        help="chapters read at once (default: twice the usable cores)")
    args, build_args = parser.parse_known_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, not {args.jobs}")
    sphinx.build_sphinx = functools.partial(sphinx.build_sphinx, jobs=args.jobs)
    jupyter_book(["build", *build_args])


if __name__ == "__main__":
    sys.exit(main())
