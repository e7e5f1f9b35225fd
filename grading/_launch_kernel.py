"""Start one command (the student's kernel) inside the grading sandbox.

Run as root by the grader's kernel manager, *as a script* (standard library only, so that it
needs nothing from the folders it hides)::

    python _launch_kernel.py --uid U --gid G --workdir W [--hide DIR]... [--allow PATH]...
        [--connection-file F] [--console-log F] [--no-namespaces] [--memory-mb M] [--file-mb F] [--nproc N]
        -- python -m ipykernel_launcher -f F

What it does, in order, before replacing itself with the command:

1. new mount and network namespaces (``unshare``): the command sees no network at all (it talks
   to the grader over Unix sockets in its work folder) and a private view of the file system
   in which every ``--hide`` folder (the course folder with the gradebook, the instructor
   notebooks and every student's files; the project checkout; the grader's home; the
   world-writable ``/tmp``, ``/var/tmp``, ``/dev/shm``) is
   covered by an empty read-only tmpfs. Only the ``--allow`` paths (the Python installation,
   mnistlib) and the work folder are mounted back, read-only except the work folder;
2. a copy of the kernel's connection file in the work folder, owned by the sandbox user;
3. resource limits (address space, file size, processes, no core dumps);
4. no supplementary groups, the sandbox user's group and user id, ``no_new_privs`` (setuid
   programs cannot give privileges back), a minimal environment, the work folder as current
   directory and home.

With ``--no-namespaces`` only steps 2-4 happen (the grader then checks with a probe that the
sandbox user cannot read or write the protected folders; see ``grading.sandbox``).
"""

import argparse
import ctypes
import json
import os
import resource
import sys

CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV = 1, 2, 4
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
PR_SET_NO_NEW_PRIVS = 38

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result, what):
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(source, target, fstype, flags, data=None):
    _check(_libc.mount(source.encode() if source else None, target.encode(),
                       fstype.encode() if fstype else None, flags,
                       data.encode() if data else None), f"mount {target}")


def _inside(path, folder):
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def hide_folders(hide, allow, workdir):
    """Private mount namespace: cover ``hide`` with empty tmpfs, mount ``allow`` back read-only."""
    _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWNET), "unshare")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    hide = sorted({os.path.realpath(h) for h in hide if os.path.isdir(h)}, key=len)
    hide = [h for i, h in enumerate(hide) if not any(_inside(h, o) for o in hide[:i])]
    keep = [(p, True) for p in allow] + [(workdir, False)]
    keep = [(os.path.realpath(p), ro) for p, ro in keep if os.path.exists(p)]
    # Open what must stay visible before covering it; mount it back from the open descriptor.
    fds = [(p, ro, os.open(p, os.O_PATH)) for p, ro in keep if any(_inside(p, h) for h in hide)]
    for h in hide:
        _mount("tmpfs", h, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=64k")
    for path, read_only, fd in sorted(fds, key=lambda t: len(t[0])):
        if os.path.isdir(f"/proc/self/fd/{fd}"):
            os.makedirs(path, mode=0o755, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
            open(path, "a").close()
        _mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
        if read_only:
            _mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID)
        os.close(fd)
    for h in hide:
        _mount(None, h, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uid", type=int, required=True)
    parser.add_argument("--gid", type=int, required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--hide", action="append", default=[])
    parser.add_argument("--allow", action="append", default=[])
    parser.add_argument("--connection-file")
    parser.add_argument("--no-namespaces", action="store_true")
    parser.add_argument("--memory-mb", type=int, default=4096)
    parser.add_argument("--file-mb", type=int, default=256)
    parser.add_argument("--nproc", type=int, default=256)
    parser.add_argument("--path", default="/usr/bin:/bin")
    parser.add_argument("--console-log", help="send the command's stdout and stderr to this file")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command after --")
    workdir = os.path.realpath(args.workdir)

    if args.connection_file:
        with open(args.connection_file) as f:
            info = json.load(f)
        copy = os.path.join(workdir, "kernel-connection.json")
        fd = os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(info, f)
        os.chown(copy, args.uid, args.gid)
        command = [copy if a == args.connection_file else a for a in command]

    if not args.no_namespaces:
        hide_folders(args.hide, args.allow, workdir)

    limits = {
        resource.RLIMIT_AS: args.memory_mb * 2**20,
        resource.RLIMIT_FSIZE: args.file_mb * 2**20,
        resource.RLIMIT_NPROC: args.nproc,
        resource.RLIMIT_CORE: 0,
        resource.RLIMIT_NOFILE: 1024,
    }
    for which, value in limits.items():
        resource.setrlimit(which, (value, value))

    os.setgroups([])
    os.setgid(args.gid)
    os.setuid(args.uid)
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(no_new_privs)")
    if os.getuid() == 0 or os.geteuid() == 0:
        raise SystemExit("sandbox: still root after dropping privileges; refusing to run")

    os.chdir(workdir)
    tmp = os.path.join(workdir, "tmp")
    os.makedirs(tmp, exist_ok=True)
    env = {
        "PATH": args.path,
        "HOME": workdir,
        "TMPDIR": tmp,
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
    # The kernel's own console output (banners, crash reports) goes to a log in the work
    # folder; cell outputs travel over the kernel's sockets.
    if args.console_log:
        log = os.open(args.console_log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
    os.execve(command[0], command, env)


if __name__ == "__main__":
    main()
