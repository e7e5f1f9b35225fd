"""Before the book executes a chapter: is full MNIST here, or can it be fetched right now?

Run by scripts/build_book.sh for a full-MNIST build (``MNISTLIB_BOOK_SUBSET`` unset or
``full``). It exits 0 when the four verified files are in ``$MNISTLIB_DATA`` or the cache, or
once it has downloaded them from a mirror that answered a quick probe. Otherwise it prints one
message naming both ways out (``MNISTLIB_DATA=...`` and ``MNISTLIB_BOOK_SUBSET=mini``) and
exits 1, within seconds: without this check every chapter would wait for the network in turn,
and the build would end minutes later in hundreds of lines of tracebacks.

Usage: python scripts/book_data_preflight.py
"""

from __future__ import annotations

import argparse
import os
import sys
from concurrent.futures import ThreadPoolExecutor, wait

from mnistlib.data import DEFAULT_LIMITS, DownloadLimits, MNISTDownloadError, fetch_mnist
from mnistlib.data._registry import (ENV_DATA, ENV_MIRRORS, MNIST_FILES, cache_dir,
                                     data_dir_from_env, mirrors)


def ways_out(reason: str) -> str:
    """The one message of a failed check: why, then the two commands that work."""
    return (
        f"The book cannot be built on full MNIST: {reason}\n"
        "Two ways out:\n"
        f"  {ENV_DATA}=/folder/with/the/four/files bash scripts/build_book.sh\n"
        f"      (the folder holds {', '.join(MNIST_FILES)})\n"
        "  MNISTLIB_BOOK_SUBSET=mini bash scripts/build_book.sh\n"
        "      (the subset embedded in mnistlib: no files, no network)"
    )


def probe(url: str, limits: DownloadLimits) -> str | None:
    """Does ``url`` answer with HTTP 200 within mnistlib's connect and read limits?

    Returns None if so, else why not.
    """
    import requests  # pooch's HTTP library, installed with mnistlib

    try:
        timeout = (limits.connect, limits.read)
        with requests.get(url, stream=True, timeout=timeout) as response:
            if response.status_code == 200:
                return None
            return f"HTTP {response.status_code}"
    except requests.exceptions.RequestException as exc:
        return type(exc).__name__


def answering_mirrors(urls, filename: str,
                      limits: DownloadLimits) -> tuple[list[str], list[str]]:
    """Probe every mirror for ``filename`` at once; return (those that answered, failures).

    All mirrors together take at most ``limits.connect + limits.read`` seconds (and a margin).
    """
    if not urls:
        return [], ["no mirror configured"]
    pool = ThreadPoolExecutor(max_workers=len(urls))
    futures = {pool.submit(probe, base + filename, limits): base for base in urls}
    # A mirror that is still silent at the deadline is left behind (its thread ends at its
    # own read timeout; the pool is not waited for).
    done, _ = wait(futures, timeout=limits.connect + limits.read + 0.5)
    pool.shutdown(wait=False, cancel_futures=True)
    good, failures = [], []
    for future, base in futures.items():
        error = future.result() if future in done else "no answer in time"
        if error is None:
            good.append(base)
        else:
            failures.append(f"{base} ({error})")
    return [base for base in urls if base in good], failures


def check(limits: DownloadLimits = DEFAULT_LIMITS) -> int:
    """Make sure full MNIST is available; print what happened. Returns the exit status."""
    if data_dir_from_env() is not None:
        # A folder the user named is read in place, never downloaded into: it works or not.
        try:
            fetch_mnist(download=False, progress=False)
            return 0
        except (OSError, ValueError) as exc:
            print(ways_out(f"${ENV_DATA} is set but unusable.\n{exc}"), file=sys.stderr)
            return 1
    try:
        fetch_mnist(download=False, progress=False)
        return 0
    except (OSError, ValueError):
        pass  # missing or damaged in the cache: (re)download below
    # Not (all) in the cache: download, but only from mirrors that answer now.
    first_missing = next(iter(MNIST_FILES))
    good, failures = answering_mirrors(list(mirrors()), first_missing, limits)
    if not good:
        reason = (f"${ENV_DATA} is not set, the cache {cache_dir()} lacks the files, and no "
                  f"mirror answered (within {limits.connect:g} s to connect and "
                  f"{limits.read:g} s to reply): " + "; ".join(failures) + ".")
        print(ways_out(reason), file=sys.stderr)
        return 1
    print(f"Downloading MNIST into {cache_dir()} (once) from {good[0]}", file=sys.stderr)
    os.environ[ENV_MIRRORS] = ",".join(good)  # this process only: skip dead mirrors
    try:
        fetch_mnist(download=True, progress=sys.stderr.isatty())
    except (MNISTDownloadError, OSError, ValueError) as exc:
        print(ways_out(f"the download failed.\n{exc}"), file=sys.stderr)
        return 1
    return 0


def main(argv=None) -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)
    return check()


if __name__ == "__main__":
    sys.exit(main())
