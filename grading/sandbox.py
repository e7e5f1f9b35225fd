"""The operating-system sandbox in which student code runs while it is graded.

Mechanism (mode ``"user"``, the default; the grader must run as root):

* the student's kernel runs as ``nbgrader-sandbox``, an unprivileged system user with no home,
  no login shell and no supplementary groups, created on first use with ``useradd``;
* in its own mount and network namespaces (see ``_launch_kernel.py``): the course folder (the
  gradebook, ``solutions/`` with the hidden tests, ``submitted/``, ``autograded/`` and
  ``feedback/`` of every student), the project checkout, the grader's home and the
  world-writable folders (``/tmp``, ``/var/tmp``, ``/dev/shm``, ``/run/lock``) are covered by
  empty read-only file systems; only the Python installation and mnistlib are mounted back,
  read-only, plus a fresh private work folder (mode 700, owned by the sandbox user) that holds
  the kernel's Unix sockets and is deleted afterwards. There is no network;
* with resource limits (memory, file size, number of processes), and every process of the
  sandbox user is killed after each submission, so nothing a student starts survives into the
  next student's run.

:func:`self_test` proves it before a class is graded: it runs a probe inside the sandbox that
tries to read the gradebook and the instructor notebooks and to write into ``solutions/`` and
into a student's folder, and refuses to grade if any of that succeeds.

Mode ``"none"`` runs kernels as the grader's own user without any of this: only for trusted
notebooks (the instructor's own), never for a class.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

SANDBOX_USER = "nbgrader-sandbox"
LAUNCHER = Path(__file__).with_name("_launch_kernel.py")


class SandboxError(RuntimeError):
    """The sandbox cannot be set up or does not hold; the message says what to do."""


@dataclass
class Sandbox:
    """Where and as whom student kernels run.

    Parameters
    ----------
    mode : {"user", "none"}
    hide : list of str
        Folders the student's code must not see (course folder, project checkout, ...).
    allow : list of str
        Paths inside hidden folders that the kernel needs (Python, mnistlib), read-only.
    memory_mb, file_mb, nproc : int
        Resource limits of the kernel.
    user : str
        Name of the sandbox user.
    """

    mode: str = "user"
    hide: list = field(default_factory=list)
    allow: list = field(default_factory=list)
    memory_mb: int = 4096
    file_mb: int = 256
    nproc: int = 256
    user: str = SANDBOX_USER
    namespaces: bool = True

    def __post_init__(self):
        if self.mode not in ("user", "none"):
            raise SandboxError(f"unknown sandbox mode {self.mode!r}: use 'user' or 'none'")
        self.uid = self.gid = None

    # -- the sandbox user -------------------------------------------------------------------
    def ensure_user(self):
        """Create the sandbox user if needed; set ``uid`` and ``gid``."""
        if self.mode == "none":
            return
        if os.geteuid() != 0:
            raise SandboxError(
                "grading in the sandbox needs root (it runs each kernel as the unprivileged user "
                f"{self.user!r} in private namespaces): run the command with sudo, or pass "
                "--sandbox none to grade trusted notebooks without isolation")
        try:
            entry = pwd.getpwnam(self.user)
        except KeyError:
            useradd = shutil.which("useradd") or "/usr/sbin/useradd"
            result = subprocess.run(
                [useradd, "--system", "--user-group", "--no-create-home", "--home-dir",
                 "/nonexistent", "--shell", "/usr/sbin/nologin", self.user],
                capture_output=True, text=True)
            if result.returncode != 0 and "already exists" not in result.stderr:
                raise SandboxError(f"could not create the sandbox user {self.user!r} with "
                                   f"useradd: {result.stderr.strip()}")
            entry = pwd.getpwnam(self.user)
        if entry.pw_uid == 0 or entry.pw_gid == 0:
            raise SandboxError(f"the sandbox user {self.user!r} must not have uid or gid 0")
        self.uid, self.gid = entry.pw_uid, entry.pw_gid
        grp.getgrgid(self.gid)  # the group exists

    # -- work folders -----------------------------------------------------------------------
    def make_workdir(self):
        """A fresh private folder for one kernel (short path: Unix socket names live in it)."""
        workdir = tempfile.mkdtemp(prefix="nbg-")
        if self.mode == "user":
            os.chown(workdir, self.uid, self.gid)
        os.chmod(workdir, 0o700)
        return workdir

    def remove_workdir(self, workdir):
        shutil.rmtree(workdir, ignore_errors=True)

    # -- launching --------------------------------------------------------------------------
    def wrap(self, command, workdir, connection_file=None, console_log=None):
        """The command line that starts ``command`` inside the sandbox."""
        if self.mode == "none":
            return list(command)
        python_bin = os.path.dirname(sys.executable)
        argv = [sys.executable, "-I", str(LAUNCHER), "--uid", str(self.uid), "--gid",
                str(self.gid), "--workdir", workdir, "--memory-mb", str(self.memory_mb),
                "--file-mb", str(self.file_mb), "--nproc", str(self.nproc),
                "--path", f"{python_bin}:/usr/local/bin:/usr/bin:/bin"]
        if connection_file:
            argv += ["--connection-file", connection_file]
        if console_log:
            argv += ["--console-log", console_log]
        if not self.namespaces:
            argv.append("--no-namespaces")
        for path in self.hide:
            argv += ["--hide", path]
        for path in self.allow:
            argv += ["--allow", path]
        return argv + ["--"] + list(command)

    # -- cleaning up ------------------------------------------------------------------------
    def kill_all(self):
        """Kill every process of the sandbox user (whatever a submission left running)."""
        if self.mode == "none" or self.uid is None:
            return 0
        killed = 0
        for _ in range(20):
            pids = [pid for pid in _pids_of_uid(self.uid)]
            if not pids:
                return killed
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                    killed += 1
                except ProcessLookupError:
                    pass
            time.sleep(0.05)
        return killed


def _pids_of_uid(uid):
    """Process ids whose real user id is ``uid`` (read from /proc)."""
    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status") as f:
                for line in f:
                    if line.startswith("Uid:"):
                        if int(line.split()[1]) == uid:
                            pids.append(int(name))
                        break
        except OSError:
            continue
    return pids


# Top-level folders a Python kernel needs and that hold no course data; all others are hidden.
SYSTEM_FOLDERS = {"bin", "sbin", "lib", "lib32", "lib64", "libx32", "usr", "etc", "dev", "proc",
                  "sys", "run"}


def default_paths(course_dir, extra_hide=()):
    """Folders to hide and paths to allow for a course folder.

    Hidden: every top-level folder but the operating system's own (``SYSTEM_FOLDERS``), so
    the course folder, the project checkout that holds this package, any other checkout or
    course folder, the grader's home, ``/root`` and the world-writable folders ``/tmp``, ``/var/tmp``, ``/dev/shm``,
    ``/run/lock`` (plus ``extra_hide``, e.g. the gradebook's folder when it lives elsewhere). Allowed back: the Python installation (``sys.prefix``,
    ``sys.base_prefix``) and the mnistlib package.
    """
    import mnistlib

    hide = [str(Path(course_dir).resolve()), str(Path(__file__).resolve().parent.parent),
            os.path.expanduser("~"), "/root", tempfile.gettempdir()]
    # Everything outside the operating system's own folders: other checkouts and course
    # folders (with their gradebooks) may live anywhere, e.g. under /home, /srv or /opt.
    hide += [os.path.join("/", name) for name in os.listdir("/")
             if name not in SYSTEM_FOLDERS and os.path.isdir(os.path.join("/", name))
             and not os.path.islink(os.path.join("/", name))]
    # The other world-writable places: nothing a submission leaves there reaches the next one.
    hide += [p for p in ("/tmp", "/var/tmp", "/dev/shm", "/run/lock") if os.path.isdir(p)]
    hide += [str(Path(p).resolve()) for p in extra_hide]
    allow = [os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix),
             str(Path(mnistlib.__file__).resolve().parent)]
    return sorted(set(hide)), sorted(set(allow))


PROBE = r'''
import json, os, sys
targets = json.loads(sys.argv[1])
report = {"uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups()}
def attempt(kind, path):
    try:
        if kind == "read":
            if os.path.isdir(path):
                return sorted(os.listdir(path))
            open(path, "rb").read(1)
        elif kind == "write":
            name = os.path.join(path, ".sandbox-probe") if os.path.isdir(path) else path
            with open(name, "a") as f:
                f.write("probe")
        return "allowed"
    except OSError as exc:
        return type(exc).__name__
for kind, paths in targets.items():
    for path in paths:
        report[f"{kind} {path}"] = attempt(kind, path)
try:
    import socket
    socket.create_connection(("1.1.1.1", 53), timeout=2).close()
    report["network"] = "allowed"
except OSError as exc:
    report["network"] = type(exc).__name__
try:
    import numpy, mnistlib
    mnistlib.load_mnist(subset="mini")
    report["mnistlib"] = "ok"
except Exception as exc:
    report["mnistlib"] = repr(exc)
print(json.dumps(report))
'''


def self_test(sandbox, readable_secrets, writable_targets):
    """Run a probe in the sandbox; raise SandboxError unless every attempt is refused.

    Parameters
    ----------
    readable_secrets : list of str
        Files and folders the probe tries to read (gradebook, instructor notebooks, ...).
    writable_targets : list of str
        Folders the probe tries to write into (source folder, students' folders, ...).

    Returns
    -------
    dict
        The probe's report (attempt -> outcome).
    """
    import json

    if sandbox.mode == "none":
        return {}
    workdir = sandbox.make_workdir()
    try:
        targets = {"read": [os.path.abspath(p) for p in readable_secrets if os.path.exists(p)],
                   "write": [os.path.abspath(p) for p in writable_targets if os.path.isdir(p)]}
        argv = sandbox.wrap([sys.executable, "-c", PROBE, json.dumps(targets)], workdir)
        result = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise SandboxError(
                "the sandbox could not start a process (" + (result.stderr.strip().splitlines()
                or ["no message"])[-1] + "). The grader needs root with the right to create "
                "mount namespaces (in a container: CAP_SYS_ADMIN); pass --sandbox none only "
                "for trusted notebooks")
        report = json.loads(result.stdout.strip().splitlines()[-1])
    finally:
        sandbox.kill_all()
        sandbox.remove_workdir(workdir)
    workdir = os.path.realpath(workdir)
    leaks = []
    for key, outcome in report.items():
        kind, _, path = key.partition(" ")
        if kind == "write" and outcome == "allowed":
            leaks.append(f"can write into {path}")
        elif kind == "read" and outcome == "allowed":
            leaks.append(f"can read {path}")
        elif kind == "read" and isinstance(outcome, list):
            # Entries on the way to the allowed paths (and the work folder) are expected.
            expected = {p[len(path.rstrip("/")) + 1:].split("/")[0]
                        for p in sandbox.allow + [workdir] if p.startswith(path.rstrip("/") + "/")}
            if (set(outcome) & set(os.listdir(path))) - expected:
                leaks.append(f"can list {path}")
    if report.get("uid") in (0, None) or leaks or report.get("network") == "allowed":
        raise SandboxError("the sandbox does not hold, refusing to grade: "
                           + ", ".join(leaks + (["network"] if report.get("network") == "allowed"
                                                else []) + (["runs as root"] if report.get("uid") == 0 else [])))
    if report.get("mnistlib") != "ok":
        raise SandboxError(f"mnistlib cannot be imported inside the sandbox: {report.get('mnistlib')}")
    return report
