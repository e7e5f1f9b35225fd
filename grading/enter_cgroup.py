"""Join a cgroup, then become the given command (bwrap): ``enter_cgroup.py CGROUP -- CMD ...``.

Runs on the grader's side, with the standard library only, just before bubblewrap starts: a
process moved into a cgroup later would leave the children it already forked outside, so the
jail's first process joins it itself (see :mod:`grading.cgroups`).
"""

from __future__ import annotations

import os
import sys


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) < 3 or argv[1] != "--":
        sys.exit("usage: enter_cgroup.py CGROUP -- COMMAND [ARG ...]")
    with open(os.path.join(argv[0], "cgroup.procs"), "w", encoding="ascii") as f:
        f.write(str(os.getpid()))
    os.execvp(argv[2], argv[2:])


if __name__ == "__main__":
    main()
