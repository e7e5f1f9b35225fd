"""Checks of the course's graded assignments, one module per assignment (visible checks only).

A visible test cell of an assignment runs a check on the student's function, in the student's
own kernel::

    from mnistlib.assignment_checks.softmax import check
    check("softmax_known_answers", softmax)

It raises AssertionError with a message saying what to fix, or prints ``passed``. When the
notebook is graded, the grader runs the *same* checks (and hidden ones, which are not part of
mnistlib) differently: the student's kernel only computes the function on the check's inputs and
writes the results as ``.npy`` files (:mod:`mnistlib.assignment_checks.compute`); the verdict is
taken in the grader's process on that plain data (``grading.verdict``). So a visible test reads
the same for the student and the grader, and nothing a notebook does to its own kernel (patched
numpy, asserts, hooks, messages) can change a grade.

Modules: ``_core`` (checks, calls, outcomes, the verdict helpers), ``compute`` (the kernel side
of the grader's protocol), ``softmax`` (assignment 01_softmax).
"""

from ._core import (Call, Check, CheckFailed, Outcome, Scripted, TypeTag, as_plain, call_check,
                    expect, judge)

__all__ = ["Call", "Check", "CheckFailed", "Outcome", "Scripted", "TypeTag", "as_plain",
           "call_check", "expect", "judge"]
