"""The verdict path without a kernel: what the grader accepts back, and the checks themselves.

The jailed end-to-end tests are in test_verdict_softmax.py; these run in a second or two.
"""

from __future__ import annotations

import io
import json
import os
import pickle
from pathlib import Path

import nbformat
import numpy as np
import pytest

from grading.checks import for_assignment
from grading.verdict import Limits, Refused, graded_test_cells, parse_npy, read_reply
from mnistlib.assignment_checks import Call, TypeTag, as_plain, call_check
from mnistlib.assignment_checks import softmax as visible

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "solutions" / "01_softmax" / "softmax.ipynb"
MUTANTS = ROOT / "tests" / "mutants" / "01_softmax"
CHECKS = for_assignment("01_softmax")


def npy(array, **kw):
    buffer = io.BytesIO()
    np.save(buffer, array, **kw)
    return buffer.getvalue()


def answers(replace=None):
    """The solution's answer cells run in a namespace like the notebook's (one cell replaced)."""
    nb = nbformat.read(SOLUTION, as_version=4)
    ns = {"np": np, "math": __import__("math")}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution"):
            source = replace[1] if replace and meta["grade_id"] == replace[0] else cell.source
            exec(compile(source, meta["grade_id"], "exec"), ns)  # noqa: S102 - trusted code
    return ns


def cells_lost(ns):
    """{grade id: first failure message} of the cells whose checks do not all pass."""
    lost = {}
    for grade_id, names in CHECKS.CELLS.items():
        messages = [call_check(CHECKS.CHECKS[n], ns[CHECKS.CHECKS[n].function]) for n in names]
        messages = [m for m in messages if m]
        if messages:
            lost[grade_id] = messages[0]
    return lost


# -- reading what a kernel wrote ------------------------------------------------------------------
def test_a_numeric_npy_loads_as_a_plain_array():
    """Does a float .npy written by numpy come back as the same base ndarray?"""
    a = np.arange(12.0).reshape(3, 4)
    back = parse_npy(npy(a), "c0_v0.npy", Limits())
    assert type(back) is np.ndarray and back.dtype == np.float64
    assert np.array_equal(back, a)


@pytest.mark.parametrize("data, reason", [
    (pickle.dumps(np.zeros(3)), "a pickle"),
    (npy(np.array([None, 1], dtype=object), allow_pickle=True), "object"),
    (npy(np.zeros(2, dtype=[("a", "f8"), ("b", "i4")])), "structured"),
    (npy(np.array(["ok"])), "not numbers"),
    (npy(np.zeros((1, 1, 1, 1, 1))), "dimensions"),
    (npy(np.zeros(100))[:-8], "announces"),
    (npy(np.zeros(100)) + b"\0" * 8, "announces"),
    (b"\x93NUMPY\x09\x00", "format"),
    (b"just text", "not a .npy file"),
])
def test_a_file_that_is_not_plain_numbers_is_refused_with_the_reason(data, reason):
    """Are pickles, object and structured arrays, strings, truncated, padded and foreign files
    refused before anything is unpickled, with a reason that names the problem?"""
    with pytest.raises(Refused, match=reason):
        parse_npy(data, "c0_v0.npy", Limits())


def reply_folder(tmp_path, outcomes, files):
    folder = tmp_path / "reply"
    folder.mkdir()
    (folder / "reply.json").write_text(json.dumps({"outcomes": outcomes}))
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def read(folder, calls, limits=None):
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        return read_reply(fd, calls, limits or Limits())
    finally:
        os.close(fd)


ONE_CALL = [Call((np.zeros((2, 3)),))]
GOOD = {"error": None, "value": {"array": "c0_v0.npy"}, "args_after": ["c0_a0.npy"]}


def test_a_well_formed_reply_gives_the_outcomes(tmp_path):
    """Does a reply as the kernel side writes it give the value and the argument after the call?"""
    folder = reply_folder(tmp_path, [GOOD], {"c0_v0.npy": npy(np.ones((2, 3))),
                                             "c0_a0.npy": npy(np.zeros((2, 3)))})
    (outcome,) = read(folder, ONE_CALL)
    assert outcome.error is None and np.array_equal(outcome.value, np.ones((2, 3)))
    assert np.array_equal(outcome.args_after[0], np.zeros((2, 3)))


def test_an_oversize_file_is_refused(tmp_path):
    """Is a result file above the size cap refused, naming the cap?"""
    folder = reply_folder(tmp_path, [GOOD], {"c0_v0.npy": npy(np.ones(10_000)),
                                             "c0_a0.npy": npy(np.zeros((2, 3)))})
    with pytest.raises(Refused, match="more than the 4096 bytes accepted"):
        read(folder, ONE_CALL, Limits(file_bytes=4096))


def test_a_link_or_a_fifo_is_refused(tmp_path):
    """Does the grader refuse a result that is a symbolic link (to one of its own files, say)
    or a FIFO (which would block a naive reader)?"""
    secret = tmp_path / "gradebook.npy"
    secret.write_bytes(npy(np.ones((2, 3))))
    folder = reply_folder(tmp_path, [GOOD], {"c0_a0.npy": npy(np.zeros((2, 3)))})
    (folder / "c0_v0.npy").symlink_to(secret)
    with pytest.raises(Refused, match="a link"):
        read(folder, ONE_CALL)
    (folder / "c0_v0.npy").unlink()
    os.mkfifo(folder / "c0_v0.npy")
    with pytest.raises(Refused, match="not a regular file"):
        read(folder, ONE_CALL)


@pytest.mark.parametrize("reply, reason", [
    ("not json", "not JSON"),
    (json.dumps({"outcomes": []}), "one outcome for each"),
    (json.dumps({"outcomes": [dict(GOOD, value={"array": "../../gradebook.npy"})]}),
     "the protocol does not use"),
    (json.dumps({"outcomes": [dict(GOOD, value={"pickle": "x"})]}), "wrong form"),
    (json.dumps({"outcomes": [dict(GOOD, args_after=[])]}), "every argument"),
    ("[" * 100_000 + "]" * 100_000, "not JSON"),
    (" " * (2**20 + 1), "more than the 1048576 bytes accepted"),
])
def test_a_malformed_reply_is_refused(tmp_path, reply, reason):
    """Are a reply that is not JSON, has the wrong number of outcomes, names a file outside its
    folder, uses an unknown form, drops the arguments or nests absurdly deep refused?"""
    folder = reply_folder(tmp_path, [], {"c0_v0.npy": npy(np.ones((2, 3))),
                                         "c0_a0.npy": npy(np.zeros((2, 3)))})
    (folder / "reply.json").write_text(reply)
    with pytest.raises(Refused, match=reason):
        read(folder, ONE_CALL)


def test_as_plain_keeps_data_and_drops_behaviour():
    """Does an ndarray subclass that claims every allclose is True become its plain data, and
    do None, text and object arrays become type tags?"""
    class Yes(np.ndarray):
        def __array_function__(self, func, types, args, kwargs):
            return True

    plain = as_plain(np.zeros(3).view(Yes))
    assert type(plain) is np.ndarray and not np.allclose(plain, 1.0)
    assert as_plain(None) == TypeTag("NoneType") and as_plain("1.0") == TypeTag("str")
    assert as_plain(np.array([1.0], dtype=object)) == TypeTag("ndarray")
    assert [type(v) for v in as_plain((1.5, np.float32(2)))] == [np.ndarray, np.ndarray]


# -- the checks of 01_softmax ---------------------------------------------------------------------
def test_the_checks_cover_exactly_the_notebooks_test_cells():
    """Does every graded test cell of the instructor's notebook have checks, and no more?"""
    nb = nbformat.read(SOLUTION, as_version=4)
    assert set(graded_test_cells(nb)) == set(CHECKS.CELLS)


def test_hidden_checks_are_not_in_what_students_or_the_jail_can_import():
    """Are the hidden checks outside mnistlib (the only project package in the jail) and absent
    from the visible checks students import?"""
    import mnistlib

    hidden = set(CHECKS.CHECKS) - set(visible.CHECKS)
    assert len(hidden) == 6
    assert not hidden & set(visible.CHECKS)
    mnistlib_dir = Path(mnistlib.__file__).resolve().parent
    assert mnistlib_dir not in Path(CHECKS.__file__).resolve().parents
    source = "".join(p.read_text() for p in mnistlib_dir.rglob("*.py"))
    assert not any(name in source for name in hidden)


def test_a_visible_check_passes_the_solution_and_tells_a_wrong_function_what_to_fix(capsys):
    """Does ``check(name, f)`` (what a visible test cell calls) print "passed" for the solution
    and raise AssertionError with the notebook's message for a softmax without normalisation?"""
    ns = answers()
    visible.check("softmax_known_answers", ns["softmax"])
    assert "softmax_known_answers: passed" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="equal scores must give equal probabilities"):
        visible.check("softmax_known_answers", lambda Z: np.exp(Z))
    with pytest.raises(KeyError, match="softmax_huge_scores"):
        visible.check("softmax_huge_scores", ns["softmax"])  # hidden: not a visible check


def test_a_function_that_calls_mnistlib_fails_its_checks():
    """Does a softmax that only calls mnistlib.softmax fail (the functions are switched off)?"""
    import mnistlib

    message = call_check(CHECKS.CHECKS["softmax_known_answers"], lambda Z: mnistlib.softmax(Z))
    assert "mnistlib's own implementation" in message
    assert mnistlib.softmax(np.zeros((1, 2))).shape == (1, 2)  # switched on again afterwards


MUTANT_FILES = sorted(MUTANTS.glob("*.py"))


@pytest.mark.parametrize("path", MUTANT_FILES, ids=[p.stem for p in MUTANT_FILES])
def test_every_catalogued_mutant_loses_its_cells_and_every_correct_variant_none(path):
    """Run in this process on the checks' inputs, does each wrong implementation of
    tests/mutants/01_softmax lose at least the cells it must lose, and each correct one none?"""
    meta = {}
    exec(compile(path.read_text(), str(path), "exec"), meta)  # noqa: S102 - the catalogue
    lost = cells_lost(answers((meta["CELL"], path.read_text())))
    if meta["MUST_LOSE"]:
        assert set(meta["MUST_LOSE"]) <= set(lost), lost
    else:
        assert lost == {}


def test_the_solution_passes_every_check():
    """Does the instructor's solution pass all nine checks, so the mutant test is not vacuous?"""
    assert cells_lost(answers()) == {}
    assert len(CHECKS.CHECKS) == 9


def test_scores_are_written_into_nbgraders_gradebook(tmp_path):
    """Do a report's cell scores land in nbgrader's gradebook as auto scores (the written answer
    still waiting for a manual grade, a cell a grader already scored by hand flagged), so that
    formgrader and export read them?"""
    from nbgrader.api import Gradebook

    from grading.verdict import CellVerdict, Report, write_grades

    nb = nbformat.read(SOLUTION, as_version=4)
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gb:
        gb.add_assignment("01_softmax")
        gb.add_notebook("softmax", "01_softmax")
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade"):
                gb.add_grade_cell(meta["grade_id"], "softmax", "01_softmax",
                                  max_score=meta["points"], cell_type=cell.cell_type)
        gb.add_student("ada")
        gb.add_submission("01_softmax", "ada")
        gb.find_grade("test_grad", "softmax", "01_softmax", "ada").manual_score = 1.0
        points = graded_test_cells(nb)
        failed = {"test_softmax_hidden", "test_grad"}
        report = Report(cells=[CellVerdict(g, p, 0.0 if g in failed else p,
                                           [("x", "wrong")] if g in failed else [])
                               for g, p in points.items()])
        write_grades(gb, "01_softmax", "ada", "softmax", report)
        grades = {g.name: g for g in gb.find_submission_notebook("softmax", "01_softmax",
                                                                 "ada").grades}
        assert {n: g.auto_score for n, g in grades.items() if n in points} == {
            g: (0.0 if g in failed else p) for g, p in points.items()}
        assert grades["answer_mean_vs_sum"].needs_manual_grade
        assert grades["test_grad"].needs_manual_grade
        assert not grades["test_softmax"].needs_manual_grade
        assert gb.find_submission("01_softmax", "ada").score == pytest.approx(10 - 2 - 1 + 1)
