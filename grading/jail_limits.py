"""Set resource limits on the jailed process, then become the student's kernel.

Runs *inside* the bubblewrap jail (see :mod:`grading.sandbox`), as a script, with the standard
library only (the jail holds no copy of this package)::

    python -I jail_limits.py --memory-mb 4096 --file-mb 256 --nproc 256 --cpu-seconds 600 \
        [--console-log FILE] [--populate FOLDER] -- python -m ipykernel_launcher -f FILE

The limits are set here rather than on the grader (``prlimit``) so that they apply to the jailed
process tree only, after bubblewrap has set up the namespaces: address space (memory), size of
any file written, processes, CPU seconds, no core dumps, at most 1024 open files. Limits are
inherited by every process the kernel starts and cannot be raised again.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys

MIB = 2**20


def limits(memory_mb, file_mb, nproc, cpu_seconds):
    """``{resource.RLIMIT_*: value}`` for the given settings (pure; see :func:`apply`)."""
    return {
        resource.RLIMIT_AS: memory_mb * MIB,
        resource.RLIMIT_FSIZE: file_mb * MIB,
        resource.RLIMIT_NPROC: nproc,
        resource.RLIMIT_CPU: cpu_seconds,
        resource.RLIMIT_CORE: 0,
        resource.RLIMIT_NOFILE: 1024,
    }


def apply(table):
    """Set every limit of ``table`` as both soft and hard limit (never above the current hard)."""
    for which, value in table.items():
        _, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, value))


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memory-mb", type=int, required=True)
    parser.add_argument("--file-mb", type=int, required=True)
    parser.add_argument("--nproc", type=int, required=True)
    parser.add_argument("--cpu-seconds", type=int, required=True)
    parser.add_argument("--console-log", help="send the command's stdout and stderr here")
    parser.add_argument("--populate", help="copy this folder's contents into the current "
                        "folder first (a private jail's copy of the grader's work folder)")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    args.command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not args.command:
        parser.error("no command after --")
    for name in ("memory_mb", "file_mb", "nproc", "cpu_seconds"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    return args


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
    if args.populate:
        import shutil

        shutil.copytree(args.populate, os.getcwd(), symlinks=True, dirs_exist_ok=True)
    apply(limits(args.memory_mb, args.file_mb, args.nproc, args.cpu_seconds))
    if args.console_log:
        # The kernel's own console output (banners, crash reports) goes to a log; cell
        # outputs travel over the kernel's sockets.
        log = os.open(args.console_log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
    os.execvp(args.command[0], args.command)


if __name__ == "__main__":
    main()
