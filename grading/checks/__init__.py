"""The checks of each assignment as the grader runs them (visible and hidden), by assignment.

One module per assignment defines ``CHECKS`` (name -> :class:`mnistlib.assignment_checks.Check`,
visible and hidden) and ``CELLS`` (grade id of each graded test cell -> names of its checks).
The visible checks live in :mod:`mnistlib.assignment_checks` (students' kernels import them);
the hidden ones live only here: this package is never mounted in the grading jail.
:mod:`grading.verdict` runs them.
"""

from __future__ import annotations

import importlib

#: Assignment -> module of its checks (in this package).
ASSIGNMENTS = {
    "01_softmax": "softmax",
    "02_sgd": "sgd",
    "03_early_stopping": "early_stopping",
    "04_weights": "weights",
    "05_mlp": "mlp",
}


def missing(assignment):
    """Why ``assignment`` cannot be graded without a checks module, and what to do."""
    return (f"assignment {assignment!r} has no checks module, so it cannot be graded: its "
            "tests (visible and hidden) are checks run outside the student's kernel; write "
            "grading/checks/<module>.py (CHECKS and CELLS) and register it in ASSIGNMENTS, see "
            f"grading/checks/__init__.py (assignments with checks: "
            f"{', '.join(sorted(ASSIGNMENTS))})")


def for_assignment(assignment):
    """The checks module of ``assignment`` (with ``CHECKS`` and ``CELLS``).

    Raises
    ------
    KeyError
        The assignment has no checks module: it cannot be graded (:func:`missing` says why).
    """
    if assignment not in ASSIGNMENTS:
        raise KeyError(missing(assignment))
    module = importlib.import_module(f"{__name__}.{ASSIGNMENTS[assignment]}")
    unknown = {n for names in module.CELLS.values() for n in names} - set(module.CHECKS)
    if unknown:
        raise KeyError(f"{module.__name__}.CELLS names checks it does not define: "
                       f"{', '.join(sorted(unknown))}")
    return module
