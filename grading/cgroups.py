"""A total memory limit per jail, where the host lets the grader make memory cgroups.

The resource limits of :mod:`grading.jail_limits` are per process: four forked children may use
four times ``memory_mb``. A memory cgroup bounds the whole jail. The grader makes one child
cgroup per jail below its own (cgroup v1's ``memory`` hierarchy, or a cgroup v2 tree delegated
to this user), sets ``memory.limit_in_bytes`` / ``memory.max``, and starts bwrap through
:mod:`grading.enter_cgroup`, which joins the cgroup before it becomes bwrap, so that every
process of the jail is inside it.

Where no such cgroup can be made (a normal user without a delegated cgroup v2 tree, most
containers), :func:`find_parent` returns None and the jail has per-process limits only; the
self-test's line says so (:func:`grading.sandbox.describe`).
"""

from __future__ import annotations

import os
import secrets
import time

ROOT = "/sys/fs/cgroup"


def _own_paths(proc_cgroup="/proc/self/cgroup"):
    """``{controller or "": path}`` of this process's cgroups."""
    found = {}
    try:
        with open(proc_cgroup, encoding="ascii") as f:
            for line in f:
                _, controllers, path = line.rstrip("\n").split(":", 2)
                for name in controllers.split(",") if controllers else [""]:
                    found[name] = path
    except (OSError, ValueError):
        pass
    return found


def _usable(folder, limit_file):
    """Whether a child cgroup with a memory limit can be made in ``folder`` (tried for real)."""
    probe = os.path.join(folder, f"grading-probe-{secrets.token_hex(4)}")
    try:
        os.mkdir(probe)
    except OSError:
        return False
    try:
        with open(os.path.join(probe, limit_file), "w", encoding="ascii") as f:
            f.write(str(2**30))
        return True
    except OSError:
        return False
    finally:
        try:
            os.rmdir(probe)
        except OSError:
            pass


def sweep(folder):
    """Remove the empty cgroups left below ``folder`` by graders that were killed (named
    ``grading-<pid>-...`` after a process that no longer runs); return how many."""
    removed = 0
    for name in os.listdir(folder):
        parts = name.split("-")
        if len(parts) != 3 or parts[0] != "grading" or not parts[1].isdigit():
            continue
        if os.path.exists(f"/proc/{parts[1]}"):
            continue  # its grader still runs
        try:
            os.rmdir(os.path.join(folder, name))
            removed += 1
        except OSError:
            pass  # still has processes: not ours to touch
    return removed


def find_parent(root=ROOT, proc_cgroup="/proc/self/cgroup"):
    """``(version, folder)`` where per-jail memory cgroups can be made, or None (the empty
    cgroups of killed graders found there are removed).

    cgroup v1: the grader's own ``memory`` cgroup, or the hierarchy's root. cgroup v2: only the
    grader's own cgroup when it hands the ``memory`` controller to its children, which v2's
    rule of no processes in inner cgroups allows only at the root of a cgroup namespace (a
    container that owns its tree); a grader in a leaf cgroup (a systemd user session) gets
    None. ``root`` and ``proc_cgroup`` are parameters for tests.
    """
    own = _own_paths(proc_cgroup)
    v1 = os.path.join(root, "memory")
    if "memory" in own and os.path.isdir(v1):
        for folder in (v1 + own["memory"], v1):
            if os.path.isdir(folder) and _usable(folder, "memory.limit_in_bytes"):
                sweep(folder)
                return ("v1", folder)
    if "" in own and os.path.isfile(os.path.join(root, "cgroup.controllers")):
        folder = root + own[""]
        try:
            with open(os.path.join(folder, "cgroup.subtree_control"), encoding="ascii") as f:
                delegated = "memory" in f.read().split()
        except OSError:
            delegated = False
        if delegated and _usable(folder, "memory.max"):
            sweep(folder)
            return ("v2", folder)
    return None


def make(parent, megabytes):
    """A new cgroup below ``parent`` (from :func:`find_parent`) limited to ``megabytes`` MiB
    of memory (swap included where the host counts it); returns its folder."""
    version, folder = parent
    path = os.path.join(folder, f"grading-{os.getpid()}-{secrets.token_hex(6)}")
    os.mkdir(path)
    limit = str(megabytes * 2**20)
    if version == "v1":
        _write(path, "memory.limit_in_bytes", limit)
        _write(path, "memory.memsw.limit_in_bytes", limit, optional=True)
    else:
        _write(path, "memory.max", limit)
        _write(path, "memory.swap.max", "0", optional=True)
    return path


def _write(folder, name, value, optional=False):
    try:
        with open(os.path.join(folder, name), "w", encoding="ascii") as f:
            f.write(value)
    except OSError:
        if not optional:
            raise


def hit_limit(path):
    """Whether the cgroup at ``path`` ran out of memory (a process was killed or refused)."""
    for name, key in (("memory.events", "oom_kill"), ("memory.oom_control", "oom_kill")):
        try:
            with open(os.path.join(path, name), encoding="ascii") as f:
                for line in f:
                    field, _, value = line.partition(" ")
                    if field == key and int(value) > 0:
                        return True
        except (OSError, ValueError):
            continue
    try:
        with open(os.path.join(path, "memory.failcnt"), encoding="ascii") as f:
            return int(f.read()) > 0
    except (OSError, ValueError):
        return False


def remove(path, timeout=5.0):
    """Remove a cgroup once its processes are gone (they may take a moment to exit)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            os.rmdir(path)
            return True
        except FileNotFoundError:
            return True
        except OSError:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
