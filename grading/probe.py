"""The jail's self-test probe: what can code inside the jail see and do?

Runs *inside* the bubblewrap jail as a script (standard library, plus numpy and mnistlib to
check that a kernel could work), before a class is graded::

    python -I probe.py '{"read": [paths...], "write": [folders...]}'

It prints one JSON report on its last line; :func:`grading.sandbox.self_test` reads it on the
grader's side and refuses to grade when anything leaks. Nothing here decides: it only tries and
reports.
"""

from __future__ import annotations

import json
import os
import socket
import sys

#: The file the probe tries to create in every folder it must not write into.
MARKER = ".jail-probe"


def attempt(kind, path):
    """Try to read (or list) or write ``path``; the listing, "allowed" or the error's name."""
    try:
        if kind == "read":
            if os.path.isdir(path):
                return sorted(os.listdir(path))
            with open(path, "rb") as f:
                f.read(1)
        elif kind == "write":
            name = os.path.join(path, MARKER) if os.path.isdir(path) else path
            with open(name, "a") as f:
                f.write("probe")
        return "allowed"
    except OSError as exc:
        return type(exc).__name__


def processes(proc="/proc"):
    """``{pid: command line}`` of every process visible in ``proc``."""
    seen = {}
    for name in os.listdir(proc):
        if not name.isdigit():
            continue
        try:
            with open(os.path.join(proc, name, "cmdline"), "rb") as f:
                seen[int(name)] = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
    return seen


def environments(proc="/proc"):
    """``{pid: environment text}`` of every visible process whose environment can be read."""
    found = {}
    for pid in processes(proc):
        try:
            with open(os.path.join(proc, str(pid), "environ"), "rb") as f:
                found[pid] = f.read().replace(b"\0", b"\n").decode(errors="replace")
        except OSError:
            continue
    return found


def network_interfaces(path="/proc/net/dev"):
    """Names of the network interfaces in this network namespace."""
    try:
        with open(path) as f:
            lines = f.read().splitlines()[2:]
    except OSError as exc:
        return [type(exc).__name__]
    return sorted(line.split(":")[0].strip() for line in lines if ":" in line)


def connect(host="1.1.1.1", port=53, timeout=2):
    """"allowed" if a TCP connection to ``host:port`` opens, else the error's name."""
    try:
        socket.create_connection((host, port), timeout=timeout).close()
        return "allowed"
    except OSError as exc:
        return type(exc).__name__


def shared_memory_segments(path="/proc/sysvipc/shm"):
    """Number of System V shared memory segments visible (a fresh IPC namespace has none)."""
    try:
        with open(path) as f:
            return max(0, len(f.read().splitlines()) - 1)
    except OSError:
        return 0


def report(targets):
    """Everything the grader checks, as a JSON-serialisable dict."""
    result = {"uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(),
              "pid": os.getpid(), "processes": processes(), "environ": sorted(os.environ),
              "environments": environments(), "root": sorted(os.listdir("/")),
              "interfaces": network_interfaces(), "network": connect(),
              "shm_segments": shared_memory_segments(), "attempts": {}}
    for kind, paths in targets.items():
        for path in paths:
            result["attempts"][f"{kind} {path}"] = attempt(kind, path)
    try:
        import mnistlib

        mnistlib.load_mnist(subset="mini")
        result["mnistlib"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means kernels would not work
        result["mnistlib"] = repr(exc)
    return result


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    targets = json.loads(argv[0]) if argv else {}
    print(json.dumps(report(targets)))


if __name__ == "__main__":
    main()
