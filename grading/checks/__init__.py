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


def for_assignment(assignment):
    """The checks module of ``assignment`` (with ``CHECKS`` and ``CELLS``).

    Raises
    ------
    KeyError
        The assignment has no checks module yet (it is graded by its notebook's test cells).
    """
    if assignment not in ASSIGNMENTS:
        raise KeyError(f"assignment {assignment!r} has no checks module in grading.checks "
                       f"(those with one: {', '.join(sorted(ASSIGNMENTS))})")
    module = importlib.import_module(f"{__name__}.{ASSIGNMENTS[assignment]}")
    unknown = {n for names in module.CELLS.values() for n in names} - set(module.CHECKS)
    if unknown:
        raise KeyError(f"{module.__name__}.CELLS names checks it does not define: "
                       f"{', '.join(sorted(unknown))}")
    return module
