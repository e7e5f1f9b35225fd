"""Code the grader runs inside the student's kernel, so that tests compare with the real numpy.

Only for assignments whose test cells still run in the kernel: those registered in
:data:`grading.checks.ASSIGNMENTS` are graded on the verdict path (:mod:`grading.verdict`),
where nothing in the kernel decides a verdict and this guard is not sent.

The executor sends the source of :mod:`grading.guard` to the kernel as text (the kernel never
imports this package: the jail holds no copy of it). Run order, all silent and outside the cell history:

1. :func:`guard_source` defines ``__grader_snapshot__`` and ``__grader_restore__`` before any cell.
2. The notebook's first cell (the instructor's setup cell, restored from the gradebook, so no
   student code has run yet) imports numpy, mnistlib, matplotlib, ...
3. ``__grader_snapshot__()`` records the original functions and classes of the protected modules
   (numpy, math, builtins, mnistlib, matplotlib, unittest, contextlib, functools, operator,
   types, IPython, ipykernel), the interpreter hooks (``sys.settrace``, import hooks,
   ``sys.excepthook``), IPython's input/AST transformers and event callbacks, and the names the
   setup cell defined (``np``, the test helpers, the data). It then makes the functions of
   numpy, math, builtins and mnistlib read-only: ``np.allclose = ...`` raises AttributeError.
4. Before every graded test cell, ``__grader_restore__(nonce)`` (evaluated as a user expression,
   so IPython's input transformers never see it) puts every recorded object back and returns
   the nonce and the list of what it had to repair, which the grader writes into the
   submission's notes. A student who replaced ``np.allclose``, ``np.testing.assert_allclose``,
   ``math.isclose``, ``builtins.abs``, the name ``np`` itself, a matplotlib method or an IPython
   transformer is back to the real thing when the tests run.

This defends against changing the library the tests use; it is not a jail for code that
deliberately hunts for the grader's own objects in memory: the static scan
(:mod:`grading.scan`) flags such code for review, and the operating-system sandbox
(:mod:`grading.sandbox`) bounds what any code can reach.
"""

#: Module name prefixes whose functions and classes are recorded and restored.
PROTECTED = ("numpy", "math", "cmath", "builtins", "mnistlib", "matplotlib", "unittest",
             "contextlib", "functools", "operator", "types", "IPython", "ipykernel")
#: Of those, the modules whose recorded functions cannot be replaced by assignment at all.
READ_ONLY = ("numpy", "math", "cmath", "builtins", "mnistlib", "unittest", "contextlib",
             "functools", "operator")


def guard_source():
    """Code that defines ``__grader_snapshot__`` and ``__grader_restore__`` in the kernel.

    The functions come from :func:`grading.guard.define`, whose module source is sent as a
    string literal and run in a namespace of its own, so the notebook sees two names only.
    """
    from pathlib import Path

    source = (Path(__file__).with_name("guard.py")).read_text(encoding="utf-8")
    return ("def __grader_load__(source, protected, read_only):\n"
            "    namespace = {'__name__': '__grader_guard__'}\n"
            "    exec(compile(source, '<grader guard>', 'exec'), namespace)\n"
            "    return namespace['define'](protected, read_only)\n"
            f"__grader_snapshot__, __grader_restore__ = __grader_load__({source!r}, "
            f"{PROTECTED!r}, {READ_ONLY!r})\n"
            "del __grader_load__\n")


def snapshot_expression(names):
    """User expression that records the state after the setup cell (``names``: its globals)."""
    return f"__grader_snapshot__({sorted(names)!r})"


def restore_expression(nonce):
    """User expression that restores the recorded state and echoes ``nonce``."""
    return f"__grader_restore__({nonce!r})"
