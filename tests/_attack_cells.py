"""Code that hostile notebooks run (see _attacks.py): each function is pasted into a cell,
with its call, so it must be self-contained (imports inside)."""

#: The System V key the shared memory writer and reader agree on (written out in both).
SHM_KEY = 0x5EED0009


def print_hidden_marker():
    """A probe whose code contains nbgrader's hidden-test marker (once, unbalanced)."""
    print("### BEGIN HIDDEN TESTS")


def ignore_sigint_and_wait():
    """Ignore the interrupt the grader sends at the cell timeout, and never return."""
    import signal
    import time

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        time.sleep(0.5)


def stop_myself():
    """Stop the kernel (SIGSTOP): it can neither answer nor be interrupted."""
    import os
    import signal

    os.kill(os.getpid(), signal.SIGSTOP)


def long_c_call():
    """A long loop inside C (no bytecode runs, so Python never handles the SIGINT)."""
    sum(range(10**15))


def shm_write():
    """Create a System V segment under SHM_KEY (one student) and leave a message in it."""
    import ctypes

    libc = ctypes.CDLL(None)
    libc.shmat.restype = ctypes.c_void_p
    key = 0x5EED0009
    shm_id = libc.shmget(key, 4096, 0o1666)  # IPC_CREAT | rw for everyone
    if shm_id >= 0:
        address = libc.shmat(shm_id, None, 0)
        ctypes.memmove(address, b"answers of the writer", 21)
    print("SHM-WRITE", shm_id)


def shm_read():
    """Look for the writer's segment (a previous student's)."""
    import ctypes

    libc = ctypes.CDLL(None)
    print("SHM-READ", libc.shmget(0x5EED0009, 0, 0o666))


def fill_disk():
    """Write 4 MB blocks into the current folder, HOME and /tmp until refused (or 96 MB)."""
    import os

    block = b"x" * (4 * 2**20)
    written = {}
    for n, where in enumerate((".", os.environ.get("HOME", "."), "/tmp")):
        total = 0
        try:
            for i in range(24):
                with open(os.path.join(where, f"fill{n}-{i}.bin"), "wb") as f:
                    f.write(block)
                total += len(block)
        except OSError:
            pass
        written[where] = total
    print("FILLED", sum(written.values()) // 2**20, "MB")


def print_a_lot():
    """Print just under the per-cell output limit (the grader's default, 200 kB)."""
    print("x" * 190_000)


def fork_and_allocate():
    """Three children of 200 MB each; print their wait statuses."""
    import os
    import time

    children = []
    for _ in range(3):
        pid = os.fork()
        if pid == 0:
            block = bytearray(200 * 2**20)
            block[::4096] = b"x" * len(block[::4096])  # touch every page
            time.sleep(3)
            os._exit(0)
        children.append(pid)
    print([os.waitpid(pid, 0)[1] for pid in children])
