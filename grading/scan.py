"""Static scan of the code a student wrote, for things a course solution never needs.

Verdicts are taken outside the student's kernel (:mod:`grading.verdict`), but what remains
in the kernel is policy the kernel reports (the "own code" rule, inputs left unchanged); code
that works on the interpreter itself (module dictionaries, frames, the garbage collector,
ctypes, the kernel) could forge it. Such code is not needed to answer any assignment of this
course, so the scan lists it and the submission is marked for review in the grades CSV. The
scan reads the code with :mod:`ast`; nothing is executed.
"""

from __future__ import annotations

import ast
import re

#: Attribute or name -> why it deserves a look.
SUSPICIOUS_NAMES = {
    "__dict__": "writes into a module's or class's dictionary",
    "__code__": "replaces a function's code",
    "__globals__": "reaches into a function's globals",
    "__builtins__": "touches the builtins",
    "__class__": "changes an object's class",
    "__subclasses__": "walks the class hierarchy",
    "vars": "reads or writes an object's dictionary",
    "setattr": "sets attributes by name",
    "delattr": "deletes attributes by name",
    "globals": "rewrites the notebook's globals",
    "get_ipython": "talks to the kernel itself",
    "_getframe": "reads call frames",
    # A test's own frame holds its expected values: an exception's traceback reaches it.
    "__traceback__": "reaches the caller's frame through a traceback",
    "tb_frame": "reads call frames through a traceback",
    "f_back": "reads the calling frame (a test's expected values)",
    "f_locals": "reads a frame's local variables",
    "f_globals": "reads a frame's globals",
    "gi_frame": "reads a generator's frame",
    "exc_info": "reaches the caller's frame through a traceback",
    "_ih": "reads the cells the kernel ran",
    "_oh": "reads the outputs the kernel produced",
    "settrace": "installs a tracer",
    "setprofile": "installs a profiler",
    "exec": "runs code built at run time",
    "eval": "evaluates code built at run time",
    "compile": "compiles code at run time",
    "__import__": "imports by computed name",
}
SUSPICIOUS_MODULES = {
    "builtins", "ctypes", "gc", "inspect", "importlib", "threading", "multiprocessing",
    "IPython", "ipykernel", "marshal",
    # a second copy of mnistlib (runpy, pkgutil) or a fresh interpreter (subprocess, pty), where
    # the functions the graded code must not call are not switched off
    "runpy", "pkgutil", "subprocess", "pty",
    # other libraries' implementations: the assignments ask for plain numpy
    "scipy", "sklearn", "torch", "jax", "tensorflow",
}
#: Parts of a module's dotted name that a submission never imports: the checks' kernel side
#: (its switch, its served function, its references and drivers). Only test cells use it.
SUSPICIOUS_PARTS = {
    "assignment_checks": "reaches the checks' kernel side (the switch, references, drivers)",
}
#: ``os.<name>`` that starts another program (a fresh interpreter, where nothing is off).
OS_STARTS = ("system", "popen", "fork", "exec", "spawn", "posix_spawn")


def scan_code(label, source):
    """Findings for one cell of student code.

    Returns
    -------
    list of str
        One line per suspicious construct: what, where, why.
    """
    found = {}  # what -> line numbers
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        for name, why in SUSPICIOUS_NAMES.items():
            if re.search(rf"\b{re.escape(name)}\b", source):
                found.setdefault(f"'{name}' ({why})", [])
        tree = None
    # Names this cell binds to modules (import numpy as numeric; from numpy import lib): an
    # attribute set on one of them changes that module, whatever it is called.
    modules = {"np", "numpy", "math", "mnistlib", "plt", "matplotlib", "builtins"}
    for node in ast.walk(tree) if tree is not None else ():
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            modules |= {(a.asname or a.name).split(".")[0] for a in node.names}
    for node in ast.walk(tree) if tree is not None else ():
        what = None
        if isinstance(node, ast.Attribute) and node.attr in SUSPICIOUS_NAMES:
            what = f"'.{node.attr}' ({SUSPICIOUS_NAMES[node.attr]})"
        elif isinstance(node, ast.Attribute) and node.attr in SUSPICIOUS_PARTS:
            what = f"'.{node.attr}' ({SUSPICIOUS_PARTS[node.attr]})"
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and \
                node.value.id == "os" and node.attr.startswith(OS_STARTS):
            what = f"'os.{node.attr}' (starts another program)"
        elif isinstance(node, ast.Attribute) and node.attr == "modules" and \
                isinstance(node.value, ast.Name) and node.value.id == "sys":
            what = "'sys.modules' (swaps imported modules)"
        elif isinstance(node, ast.Name) and node.id in SUSPICIOUS_NAMES:
            what = f"'{node.id}' ({SUSPICIOUS_NAMES[node.id]})"
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:  # the module, and what comes from it (from mnistlib import assignment_checks)
                names = [node.module or ""] + [f"{node.module or ''}.{a.name}"
                                               for a in node.names]
            hits = [n for n in names if n.split(".")[0] in SUSPICIOUS_MODULES
                    or SUSPICIOUS_PARTS.keys() & set(n.split("."))
                    or n.startswith("os.") and n[3:].startswith(OS_STARTS)]
            what = f"imports '{hits[0]}'" if hits else None
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
            for target in targets:
                root = target.value if isinstance(target, ast.Attribute) else None
                while isinstance(root, ast.Attribute):  # numeric.lib.format.write_array = ...
                    root = root.value
                if isinstance(root, ast.Name) and root.id in modules:
                    what = f"replaces '{ast.unparse(target)}'"
        if what:
            found.setdefault(what, []).append(getattr(node, "lineno", 0))
    findings = []
    for what, numbers in found.items():
        numbers = sorted(set(numbers))
        where = (f" (line{'s' if len(numbers) > 1 else ''} {', '.join(map(str, numbers))})"
                 if numbers else "")
        findings.append(f"{label}{where}: {what}")
    return findings


def scan(student_code):
    """Findings for all the code a student wrote: ``[(label, source), ...]`` -> list of str."""
    findings = []
    for label, source in student_code:
        for finding in scan_code(label, source):
            if finding not in findings:
                findings.append(finding)
    return findings
