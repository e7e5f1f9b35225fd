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
    assert as_plain(None) == TypeTag("NoneType") and as_plain({1.0}) == TypeTag("set")
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


# -- the protocol's richer data: str, dicts, Python numbers, callbacks and their logs ------------
from mnistlib.assignment_checks import _core  # noqa: E402
from mnistlib.assignment_checks._core import (MAX_LOG_CALLS, MAX_STR, Outcome,  # noqa: E402
                                              Scripted, call_one)
from mnistlib.assignment_checks.compute import serve  # noqa: E402


def _served(tmp_path, check, calls, namespace, limits=None):
    """The outcomes of ``calls`` as the grader gets them: request written, served by the kernel
    side (here, in this process), reply read as hostile data."""
    from grading.verdict import encode_request

    folder = tmp_path / f"request-{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    request, files = encode_request(check, calls)
    (folder / "request.json").write_bytes(request)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    serve(str(folder), namespace)
    depth = _core.SUMMARY_DEPTH if check.summary else _core.MAX_DEPTH
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        return read_reply(fd, calls, limits or Limits(), depth)
    finally:
        os.close(fd)


def same(a, b):
    """Plain data equal in type, dtype and value on both sides."""
    if isinstance(a, np.ndarray):
        return (type(b) is np.ndarray and a.dtype == b.dtype and a.shape == b.shape
                and np.array_equal(a, b, equal_nan=True))
    if isinstance(a, list):
        return type(b) is list and len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, dict):
        return type(b) is dict and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def same_outcome(a, b):
    return (a.error == b.error and same(a.value, b.value) and same(a.args_after, b.args_after)
            and same(a.kwargs_after, b.kwargs_after) and same(a.logs, b.logs))


def loop(X, n, lr, flag, validate, params=None, on_best=None, named=None):
    """A graded function with every kind of argument: it reports the types it received."""
    errors = [validate() for _ in range(n)]
    for k in range(n):
        validate(k, scale=lr)  # logged with its arguments
    if on_best is not None:
        on_best(np.arange(3.0) * lr)
    X[0, 0] = -1.0  # changes its input: seen in args_after
    return {"types": [type(n).__name__, type(lr).__name__, type(flag).__name__,
                      type(errors[0]).__name__, type(errors[-1]).__name__],
            "errors": [np.float64(e) for e in errors][:4], "first": errors[0],
            "W": None if params is None else params["W"].copy(), "named": named,
            "note": "ok " * 3}


RICH = _core.Check("rich", "loop", lambda: [], lambda calls, outcomes: None)


def rich_calls():
    validate = Scripted("validate", [np.float32(0.25), 0.5, None], then="repeat_last")
    return [
        _core.Call((np.zeros((2, 3)), 4, 0.5, True, validate),
                   {"params": {"W": np.ones((2, 2)), "b": np.zeros(2)},
                    "on_best": Scripted("on_best", adds=[(("params", "W"), 2.0)]),
                    "named": [np.arange(3), np.float32(1.5)]}),
        _core.Call((np.ones((1, 1)), 1, 2.0, False, Scripted("validate", [0.1], then="raise"))),
    ]


def test_rich_calls_give_the_same_plain_data_in_process_and_through_the_protocol(tmp_path):
    """Python numbers, dicts and lists of arrays, numpy scalars and Scripted callbacks as
    arguments; a dict with str, lists and None as the result: does the grader read back exactly
    what call_one gives in process (types, dtypes, values, arguments after the call, logs)?"""
    calls = rich_calls()
    direct = [call_one(loop, c, ()) for c in calls]
    served = _served(tmp_path, RICH, calls, {"loop": loop})
    for a, b in zip(direct, served):
        assert same_outcome(a, b), (a, b)
    first, second = direct
    assert first.error is None
    # Python numbers arrive as Python numbers; a numpy scalar stays one, None stays None.
    assert same(first.value["types"], ["int", "float", "bool", "float32", "NoneType"])
    assert first.value["note"] == "ok ok ok " and same(first.value["W"], np.full((2, 2), 3.0))
    assert same(first.value["named"], [np.arange(3), np.array(1.5, dtype=np.float32)])
    # The log: every call with its positional and keyword arguments as plain data.
    validate_log = first.logs["validate"]
    assert len(validate_log) == 8 and validate_log[0] == {"args": [], "kwargs": {}}
    assert same(validate_log[5], {"args": [np.array(1)], "kwargs": {"scale": np.array(0.5)}})
    assert same(first.logs["on_best"], [{"args": [np.arange(3.0) * 0.5], "kwargs": {}}])
    # adds: on_best added 2 to params["W"] in place; X was changed by the function.
    assert same(first.kwargs_after["params"], {"W": np.full((2, 2), 3.0), "b": np.zeros(2)})
    assert first.args_after[4] is None and first.args_after[0][0, 0] == -1.0
    # then="raise": the second call of a one-value script raises, and the function with it.
    assert second.error == "RuntimeError: validate was called 2 times, more than the 1 scripted"


def test_a_loop_that_never_stops_ends_at_the_log_cap():
    """Does a callback called without end raise after MAX_LOG_CALLS recorded calls (instead of
    filling the memory until the timeout), saying so?"""
    def forever(step):
        while True:
            step(0)

    step = Scripted("step", adds=[((1,), 1.0)])
    outcome = call_one(lambda s, x: forever(s), _core.Call((step, np.zeros(1))), ())
    assert outcome.error.startswith(f"RuntimeError: step was called more than {MAX_LOG_CALLS}")


def test_as_plain_keeps_short_str_and_str_keyed_dicts_only():
    """Are a short str and a dict with str keys kept (as base types), and a long str, a dict
    with non-str or long keys, too many items or too deep nesting turned into type tags?"""
    class Sneaky(str):
        def __eq__(self, other):
            return True

    plain = as_plain({"a": Sneaky("x"), "b": [1, (2.0,)]})
    assert type(plain["a"]) is str and plain["a"] == "x"
    assert same(plain["b"], [np.array(1), TypeTag("tuple of 1 items")])
    assert as_plain("x" * (MAX_STR + 1)) == TypeTag(f"str of {MAX_STR + 1} characters")
    assert isinstance(as_plain({1: np.zeros(2)}), TypeTag)
    assert isinstance(as_plain({"k" * 101: 0}), TypeTag)
    assert as_plain({str(i): i for i in range(17)}) == TypeTag("dict of 17 items")
    assert as_plain([{"a": {"b": 1}}]) == [{"a": TypeTag("dict of 1 items")}]


def test_a_summary_names_a_summariser_and_its_absence_is_a_clear_error(tmp_path, monkeypatch):
    """Without the summariser asked for, is the error clear (before the function runs, on both
    paths); with one, is the summary of the returned object what comes back, up to
    SUMMARY_DEPTH deep?"""
    ran = []

    def plot(n):
        ran.append(n)
        return object()

    check = _core.Check("plot", "plot", lambda: [], lambda calls, outcomes: None,
                        summary="no-such-summary")
    calls = [_core.Call((3,))]
    with pytest.raises(LookupError, match="no summari[sz]"):
        call_one(plot, calls[0], (), check.summary)
    (served,) = _served(tmp_path, check, calls, {"plot": plot})
    assert served.error.startswith("LookupError: ") and "no-such-summary" in served.error
    assert ran == []

    import types

    import mnistlib.assignment_checks as package

    fake = types.ModuleType("mnistlib.assignment_checks.summaries")
    fake.SUMMARIES = {"deep": lambda value: {"axes": [{"images": [{"cmap": "RdBu",
                                                                   "ticks": [[0.5]]}]}]}}
    monkeypatch.setitem(sys.modules, fake.__name__, fake)
    monkeypatch.setattr(package, "summaries", fake, raising=False)
    deep = _core.Check("plot", "plot", lambda: [], lambda calls, outcomes: None, summary="deep")
    direct = call_one(plot, calls[0], (), "deep")
    (served,) = _served(tmp_path, deep, calls, {"plot": plot})
    assert same_outcome(direct, served)
    assert same(served.value, {"axes": [{"images": [{"cmap": "RdBu",
                                                     "ticks": [TypeTag("list of 1 items")]}]}]})


import sys  # noqa: E402

SCRIPTED_CALL = [_core.Call((np.zeros(2), Scripted("validate")))]


def good_entry(**changes):
    entry = {"error": None, "value": {"str": "ok"}, "args_after": [{"array": "c0_a0.npy"}, None],
             "kwargs_after": {}, "logs": {"validate": [[{"list": []}, {"dict": {}}]]}}
    entry.update(changes)
    return entry


def test_a_well_formed_reply_with_a_log_gives_it(tmp_path):
    """Does a reply with a str value and a callback's log come back as plain data?"""
    folder = reply_folder(tmp_path, [good_entry()], {"c0_a0.npy": npy(np.zeros(2))})
    (outcome,) = read(folder, SCRIPTED_CALL)
    assert outcome.value == "ok" and outcome.logs == {"validate": [{"args": [], "kwargs": {}}]}


def nested(depth):
    node = {"scalar": ["<f8", 1.0]}
    for _ in range(depth):
        node = {"dict": {"k": node}}
    return node


@pytest.mark.parametrize("changes, reason", [
    ({"value": {"str": "x" * (MAX_STR + 1)}}, "str of more than 1000"),
    ({"value": {"str": 5}}, "not text"),
    ({"value": {"str": "\ud800"}}, "not valid text"),
    ({"value": nested(3)}, "nested more than 2 deep"),
    ({"value": {"dict": {str(i): {"str": ""} for i in range(17)}}}, "more than 16 items"),
    ({"value": {"list": [{"str": ""}] * 17}}, "more than 16 items"),
    ({"value": {"dict": {"k" * 101: {"str": ""}}}}, "key of more than 100"),
    ({"value": {"dict": [1]}}, "wrong form"),
    ({"value": {"scalar": ["|O", 1]}}, "numeric dtype"),
    ({"value": {"scalar": ["<c16", 1]}}, "numeric dtype"),
    ({"value": {"scalar": ["<i8", 2**63]}}, "not an integer"),
    ({"value": {"scalar": ["<i8", 1.5]}}, "not an integer"),
    ({"value": {"scalar": ["|b1", 1]}}, "true or false"),
    ({"value": {"scalar": ["<f4", 0.1]}}, "cannot hold exactly"),
    ({"value": {"scalar": ["<f8", "1"]}}, "not a number"),
    ({"value": {"code": "__import__('os').system('x')"}}, "wrong form"),
    ({"args_after": [{"array": "c0_a0.npy"}, {"str": "a callback"}]}, "callback's value"),
    ({"kwargs_after": {"extra": None}}, "every keyword argument"),
    ({"logs": {}}, "call logs of validate"),
    ({"logs": {"validate": [], "other": []}}, "call logs of validate"),
    ({"logs": {"validate": {"calls": 1}}}, "not a list"),
    ({"logs": {"validate": [[{"list": []}]]}}, "not \\[args, kwargs\\]"),
    ({"logs": {"validate": [[{"dict": {}}, {"list": []}]]}}, "not a list and a dict"),
    ({"logs": {"validate": [[{"list": []}, {"dict": {}}]] * (MAX_LOG_CALLS + 1)}},
     "more than the 10000 accepted"),
])
def test_a_hostile_reply_is_refused(tmp_path, changes, reason):
    """Are oversized or invalid text, nesting beyond the cap, too many items, long keys,
    scalars of a foreign dtype or not exactly representable, unknown forms, a value where a
    callback was, missing, extra or malformed logs and a log longer than the cap refused?"""
    folder = reply_folder(tmp_path, [good_entry(**changes)], {"c0_a0.npy": npy(np.zeros(2))})
    with pytest.raises(Refused, match=reason):
        read(folder, SCRIPTED_CALL, Limits(reply_bytes=2**26))


def test_a_log_of_a_million_calls_is_refused_by_size_before_it_is_parsed(tmp_path):
    """Is a reply logging 10^6 calls refused by the reply's size cap, and by the log cap even
    when the size cap is raised?"""
    entries = [[{"list": []}, {"dict": {}}]] * 10**6
    folder = reply_folder(tmp_path, [good_entry(logs={"validate": entries})],
                          {"c0_a0.npy": npy(np.zeros(2))})
    with pytest.raises(Refused, match="more than the 1048576 bytes accepted"):
        read(folder, SCRIPTED_CALL)
    with pytest.raises(Refused, match="logs 1000000 calls of validate"):
        read(folder, SCRIPTED_CALL, Limits(reply_bytes=2**26))


def test_what_is_read_back_is_only_data(tmp_path):
    """Whatever a reply holds, are the only objects the grader builds base ndarrays of numbers,
    str, lists, dicts and TypeTags (no class, function or pickle can be named into being)?"""
    value = {"dict": {"a": {"list": [{"type": "os.system"}, {"scalar": ["<f4", 0.5]},
                                     {"str": "__reduce__"}]},
                      "b": {"array": "c0_v0.npy"}}}
    folder = reply_folder(tmp_path, [good_entry(value=value)],
                          {"c0_a0.npy": npy(np.zeros(2)), "c0_v0.npy": npy(np.eye(2))})
    (outcome,) = read(folder, SCRIPTED_CALL)

    def kinds(node):
        if isinstance(node, dict):
            return {type(node)} | set().union(*map(kinds, node.values()))
        if isinstance(node, list):
            return {type(node)} | set().union(*map(kinds, node))
        return {type(node)}

    assert kinds(outcome.value) <= {dict, list, str, np.ndarray, TypeTag}
    assert outcome.value["a"][0] == TypeTag("os.system")
    assert outcome.value["a"][1].dtype == np.float32


def test_a_call_the_protocol_cannot_send_is_refused_on_the_grader_side():
    """Is a check whose call has an argument that is not data (a function, an object) refused
    when the request is written, so nothing but data and Scripted specs reaches the kernel?"""
    from grading.verdict import encode_request

    with pytest.raises(TypeError, match="cannot send"):
        encode_request(RICH, [_core.Call((lambda: 0,))])
    request, files = encode_request(RICH, rich_calls())
    text = request.decode()
    assert '"scripted"' in text and len(files) == 5  # X, W, b, arange(3); X


def test_an_outcome_has_empty_logs_without_callbacks():
    """Does a plain call (01's kind) still give args_after and no logs?"""
    outcome = call_one(lambda Z: Z * 2, _core.Call((np.ones(2),)), ())
    assert isinstance(outcome, Outcome) and outcome.logs == {} and outcome.kwargs_after == {}
    assert same(outcome.value, np.full(2, 2.0)) and same(outcome.args_after, [np.ones(2)])


def test_a_dotted_name_switches_off_a_method_of_mnistlib():
    """Does ``off=("EarlyStopping.update",)`` make a function that uses mnistlib's EarlyStopping
    fail, and is the method back afterwards?"""
    import mnistlib

    def uses_mnistlib(n):
        stopper = mnistlib.EarlyStopping(patience=n)
        stopper.update(0, 0.5)
        return 1.0

    outcome = call_one(uses_mnistlib, _core.Call((10,)), ("EarlyStopping.update",))
    assert "mnistlib's own implementation" in outcome.error
    assert call_one(uses_mnistlib, _core.Call((10,)), ()).error is None


def test_a_driver_is_named_not_sent_and_only_listed_drivers_run(tmp_path):
    """Does a check with a driver call ``driver(function, ...)`` on both paths with the same
    result, send only the driver's name, and refuse names not listed in a module's DRIVERS?"""
    from grading.verdict import encode_request
    from mnistlib.assignment_checks import sgd

    def minibatch_indices(N, batch_size, rng=None):
        order = np.arange(N) if rng is None else rng.permutation(N)
        return [order[i:i + batch_size] for i in range(0, N, batch_size)]

    check = _core.Check("epochs", "minibatch_indices", lambda: [], lambda c, o: None,
                        driver=sgd.epochs)
    calls = [_core.Call((7, 3, 2, True, 5))]
    direct = call_one(minibatch_indices, calls[0], (), None, sgd.epochs)
    (served,) = _served(tmp_path, check, calls, {"minibatch_indices": minibatch_indices})
    assert direct.error is None and same_outcome(direct, served)
    assert same(direct.value[0][0], np.array([3, 3, 1]))
    assert b'"driver": "sgd.epochs"' in encode_request(check, calls)[0]
    for name in ["sgd.mini", "os.system", "_core.call_one", "sgd", "nosuch.f"]:
        with pytest.raises(LookupError):
            _core.resolve_driver(name)
    with pytest.raises(LookupError, match="not a driver"):
        _core.driver_name(minibatch_indices)


def test_scripted_returns_may_be_tuples_of_dicts_and_come_fresh_every_call(tmp_path):
    """Can a callback return (loss, {name: array}) (05's grad_fn), and does a caller that
    scales what it got in place not change the next value returned?"""
    grads = (0.5, {"W": np.ones((2, 2)), "b": np.zeros(2)})

    def train(grad_fn):
        first = grad_fn()
        first[1]["W"] *= 10.0
        return [first[0], first[1]["W"], grad_fn()[1]["W"]]

    check = _core.Check("train", "train", lambda: [], lambda c, o: None)
    calls = [_core.Call((Scripted("grad_fn", [grads]),))]
    direct = call_one(train, calls[0], ())
    (served,) = _served(tmp_path, check, calls, {"train": train})
    assert same_outcome(direct, served)
    assert same(direct.value, [np.array(0.5), np.full((2, 2), 10.0), np.ones((2, 2))])
