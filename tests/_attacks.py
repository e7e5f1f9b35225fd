"""Hostile submissions of issue 9 (item 7), as builders for tests/test_grading_attacks.py.

Each builder writes one student's folder into a course's ``submitted/`` and returns what the
grader must do with it (``status``, and text the CSV's reason or review must contain). The
code the hostile notebooks run lives in :mod:`_attack_cells` (real, linted Python), and
is pasted into a notebook cell from there.
"""

from __future__ import annotations

import inspect
import os
import unicodedata
from pathlib import Path

import nbformat

import _grading_fixtures as fx

import _attack_cells as attack_cells

ASSIGNMENT = "01_softmax"
NOTEBOOK = "softmax"


def cell_code(function, call=True):
    """The source of a function of :mod:`_attack_cells`, and a call of it."""
    source = inspect.getsource(function)
    return source + (f"\n{function.__name__}()\n" if call else "")


def folder(course, student):
    return Path(course) / "submitted" / student / ASSIGNMENT


def good(course, student):
    """Right answers, in the nbgrader layout."""
    return fx.write(fx.answered(ASSIGNMENT), folder(course, student), NOTEBOOK)


def with_cell(course, student, code, after="setup"):
    """Right answers plus a cell of ``code`` after the cell ``after``."""
    nb = fx._add_cell(fx.answered(ASSIGNMENT), code, after=after)
    return fx.write(nb, folder(course, student), NOTEBOOK)


def appended(course, student, grade_id, code):
    """Right answers, with ``code`` appended to the answer cell ``grade_id``."""
    nb = fx.answered(ASSIGNMENT)
    cell = fx.answer_cell(nb, grade_id)
    cell.source += "\n" + code
    return fx.write(nb, folder(course, student), NOTEBOOK)


def sparse(path, size):
    """A file of ``size`` bytes that takes no disk space (a hole)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        f.truncate(size)


LINK = {"status": "refused", "note": "is a symbolic link"}
#: Right answers but the last graded function's cell never returns to the grader: its kernel is
#: ended and a new one runs the cells before it, so that function is never defined and its
#: tests score 0 (the softmax and cross-entropy tests, 6 points, still count).
STUCK = {"status": "graded", "score": 6.0, "note": "did not stop when interrupted"}


def build(course):
    """Write every hostile submission into ``course``; return ``{student: expectation}``."""
    course = Path(course)
    sub = course / "submitted"
    expect = {}
    good(course, "victim")
    expect["victim"] = {"status": "graded", "score": 10.0}

    # -- links -----------------------------------------------------------------------------
    target = folder(course, "link_to_solutions")
    target.mkdir(parents=True)
    (target / f"{NOTEBOOK}.ipynb").symlink_to(
        course / "solutions" / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
    expect["link_to_solutions"] = LINK
    target = folder(course, "link_to_victim")
    target.mkdir(parents=True)
    (target / f"{NOTEBOOK}.ipynb").symlink_to(folder(course, "victim") / f"{NOTEBOOK}.ipynb")
    expect["link_to_victim"] = LINK
    (sub / "link_folder").symlink_to(sub / "victim")
    expect["link_folder"] = LINK
    (sub / "link_assignment").mkdir()
    (sub / "link_assignment" / ASSIGNMENT).symlink_to(folder(course, "victim"))
    expect["link_assignment"] = LINK
    good(course, "timestamp_shadow")
    (folder(course, "timestamp_shadow") / "timestamp.txt").symlink_to("/etc/shadow")
    expect["timestamp_shadow"] = LINK

    # -- sizes -----------------------------------------------------------------------------
    good(course, "huge_timestamp")
    sparse(folder(course, "huge_timestamp") / "timestamp.txt", 2**30)
    expect["huge_timestamp"] = {"status": "refused", "note": "over the limit"}
    sparse(folder(course, "huge_notebook") / f"{NOTEBOOK}.ipynb", 60 * 10**6)
    expect["huge_notebook"] = {"status": "refused", "note": "over the limit"}

    # -- student ids -----------------------------------------------------------------------
    for student in ("x[1]", "*", ".dotted"):
        good(course, student)
        expect[student] = {"status": "graded", "score": 10.0}
    fx.write(fx.plausible_wrong(ASSIGNMENT), folder(course, "x1"), NOTEBOOK)
    expect["x1"] = {"status": "graded", "score": "below_full"}
    fx.write(fx.answered(ASSIGNMENT), sub / "flat", NOTEBOOK)
    expect["flat"] = {"status": "graded", "score": 10.0, "note": "directly in the student's"}
    for form in ("NFC", "NFD"):
        student = unicodedata.normalize(form, "Jos\u00e9")
        good(course, student)
        expect[student] = {"status": "graded", "score": 10.0, "review": "looks the same as"}
    (sub / "no_notebook").mkdir()
    (sub / "no_notebook" / "02_sgd").mkdir()
    expect["no_notebook"] = {"status": "missing", "note": "nothing submitted for"}

    # -- notebooks -------------------------------------------------------------------------
    good(course, "two_notebooks")
    fx.write(fx.released(ASSIGNMENT), folder(course, "two_notebooks"), "scratch")
    expect["two_notebooks"] = {"status": "graded", "score": 10.0, "note": "'scratch.ipynb'"}
    with_cell(course, "hidden_marker", cell_code(attack_cells.print_hidden_marker))
    expect["hidden_marker"] = {"status": "graded", "score": 10.0, "feedback": True}

    # -- kernels that do not come back ------------------------------------------------------
    last = "softmax_loss_and_grad"
    appended(course, "ignores_sigint", last, cell_code(attack_cells.ignore_sigint_and_wait))
    expect["ignores_sigint"] = STUCK
    appended(course, "stops_itself", last, cell_code(attack_cells.stop_myself))
    expect["stops_itself"] = STUCK
    appended(course, "long_c_call", last, cell_code(attack_cells.long_c_call))
    expect["long_c_call"] = STUCK

    # -- shared memory and limits -------------------------------------------------------------
    with_cell(course, "shm_a_writer", cell_code(attack_cells.shm_write))
    expect["shm_a_writer"] = {"status": "graded", "score": 10.0}
    with_cell(course, "shm_b_reader", cell_code(attack_cells.shm_read))
    expect["shm_b_reader"] = {"status": "graded", "score": 10.0}
    with_cell(course, "fills_disk", cell_code(attack_cells.fill_disk))
    expect["fills_disk"] = {"status": "graded", "score": 10.0}
    nb = fx.answered(ASSIGNMENT)
    for _ in range(8):
        nb = fx._add_cell(nb, cell_code(attack_cells.print_a_lot))
    fx.write(nb, folder(course, "prints_a_lot"), NOTEBOOK)
    expect["prints_a_lot"] = {"status": "graded", "score": 10.0, "note": "in all"}
    return expect


def outputs(course, student):
    """Every text output and error message of a student's autograded notebook, joined."""
    path = Path(course) / "autograded" / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    nb = nbformat.read(path, as_version=4)
    return "\n".join("".join(o.get("text", "")) + o.get("evalue", "")
                     for c in nb.cells for o in c.get("outputs", []))


def shm_keys():
    """Keys of the System V shared memory segments the host has."""
    with open("/proc/sysvipc/shm", encoding="ascii") as f:
        return {int(line.split()[0]) for line in f.readlines()[1:] if line.strip()}


def walk_size(path):
    """Bytes in the files under ``path`` (links not followed)."""
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total
