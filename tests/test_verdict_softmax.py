"""01_softmax scored through the verdict path: the jailed kernel computes, the grader judges.

Every notebook here runs in a real bubblewrap jail (grading.sandbox). The attacks are those of
issue 10 that gave wrong code full marks when the tests ran in the student's kernel; here each
must score exactly what the code honestly earns, and no hidden test text may reach the kernel
or the feedback.
"""

from __future__ import annotations

import base64
import inspect
import re
import zlib
from pathlib import Path

import nbformat
import pytest

from grading.feedback import hidden_lines
from grading.sandbox import Sandbox
from grading.verdict import Limits, kernel_cells, score_notebook
from mnistlib.assignment_checks.compute import REQUEST

import _attack_cells as cells

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "solutions" / "01_softmax" / "softmax.ipynb"
RELEASE = ROOT / "exercises" / "01_softmax" / "softmax.ipynb"
MUTANTS = ROOT / "tests" / "mutants" / "01_softmax"
HIDDEN_CHECKS = ROOT / "grading" / "checks" / "softmax.py"
FULL = {"test_softmax": 1, "test_softmax_hidden": 2, "test_cross_entropy": 1,
        "test_cross_entropy_hidden": 2, "test_grad": 1, "test_grad_loss_hidden": 1,
        "test_grad_hidden": 2}

# Wrong answers: what they honestly earn is 0 on every test cell.
WRONG = {
    "softmax": "def softmax(Z):\n    return np.zeros_like(Z)\n",
    "cross_entropy": "def cross_entropy(Z, y):\n    return 0.0\n",
    "softmax_loss_and_grad": ("def softmax_loss_and_grad(W, b, X, y):\n"
                              "    return 0.0, np.zeros_like(W), np.zeros_like(b)\n"),
}


def pasted(function, *args):
    """The source of an attack of :mod:`_attack_cells` and its call, as one cell's code."""
    return inspect.getsource(function) + f"\n\n{function.__name__}({', '.join(map(repr, args))})\n"


# A wrong function's first line shows 'ok' as a result (display_ok is defined before it).
DISPLAYHOOK = "    display_ok()\n"
CODEOP = pasted(cells.compile_asserts_away)
RESTORE_AND_ALLCLOSE = pasted(cells.fake_restore_and_allclose)
SESSION_SEND = pasted(cells.replies_always_ok)
SUBCLASS = {"softmax": pasted(cells.answers_that_say_yes), "cross_entropy": "pass",
            "softmax_loss_and_grad": "pass"}
CONSTANT_LOSS = pasted(cells.constant_loss_zero_gradient)
OVERWRITE = pasted(cells.overwrite_results)
LEAK = pasted(cells.leak_history, str(HIDDEN_CHECKS))


@pytest.fixture(scope="module")
def sandbox():
    return Sandbox(mode="bwrap")


def notebook(answers=None, before=None, prefix_body="", extra=(), base=None):
    """The instructor's notebook (or ``base``) with answer cells replaced.

    Parameters
    ----------
    answers : dict, optional
        grade id -> new source of that answer cell.
    before : str, optional
        Code put at the top of the first answer cell (an attack that runs before any test).
    prefix_body : str
        A line put at the start of every replaced function's body.
    extra : sequence of str
        Cells added by the student at the end.
    base : NotebookNode, optional
        The notebook to start from (a released notebook with answers, say).
    """
    nb = nbformat.read(SOLUTION, as_version=4) if base is None else base
    first = True
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("solution"):
            continue
        source = (answers or {}).get(meta["grade_id"], cell.source)
        if prefix_body:
            source = re.sub(r"(def \w+\(.*\):\n)", lambda m: m.group(1) + prefix_body, source)
        if first and before:
            source = before + "\n" + source
        first = False
        cell.source = source
    for source in extra:
        nb.cells.append(nbformat.v4.new_code_cell(source))
    return nb


def scores(report):
    return {c.grade_id: c.points for c in report.cells}


def test_the_solution_scores_full_marks(sandbox):
    """Does the instructor's solution earn all 10 points through the verdict path?"""
    report = score_notebook(notebook(), "01_softmax", sandbox)
    assert scores(report) == FULL, report.feedback()
    assert report.score == report.max_score == 10


def test_the_released_notebook_scores_zero_and_says_why(sandbox):
    """Does the student version (every function raises NotImplementedError) earn 0, each cell
    saying that the function raised?"""
    report = score_notebook(nbformat.read(RELEASE, as_version=4), "01_softmax", sandbox)
    assert report.score == 0 and report.max_score == 10
    assert all("raised NotImplementedError" in m for c in report.cells for _, m in c.failures)


DISPLAY_OK = inspect.getsource(cells.display_ok)
NOTHING = dict.fromkeys(FULL, 0.0)
#: Correct softmax and cross_entropy, a gradient that is all wrong: 6 points honestly earned.
NO_GRADIENT = dict(FULL, test_grad=0.0, test_grad_loss_hidden=0.0, test_grad_hidden=0.0)

# attack -> (notebook, a cell proving the attack is live in the kernel, what that cell prints,
#            the scores the code honestly earns)
ATTACKS = {
    "displayhook": (dict(answers=WRONG, before=DISPLAY_OK, prefix_body=DISPLAYHOOK),
                    "softmax(np.zeros((1, 2)))", "'ok'", NOTHING),
    "codeop_asserts": (dict(answers=WRONG, before=CODEOP),
                       "assert 1 == 2\nprint('ASSERTS-GONE')", "ASSERTS-GONE", NOTHING),
    "restore_and_allclose": (dict(answers=WRONG, before=RESTORE_AND_ALLCLOSE),
                             "print('ALLCLOSE', np.allclose(1, 2))", "ALLCLOSE True", NOTHING),
    "session_send": (dict(answers=WRONG, before=SESSION_SEND),
                     "import jupyter_client.session as s\nprint('SEND', s.Session.send.__name__)",
                     "SEND always_ok", NOTHING),
    "ndarray_subclass": (dict(answers=SUBCLASS),
                         "print('SUB', np.allclose(softmax(np.zeros((1, 2))), 0.5))",
                         "SUB True", NOTHING),
    "overwritten_results": (dict(answers=WRONG, extra=[OVERWRITE]),
                            "print('OVERWRITTEN', float(np.abs(X).sum()), float(loss))",
                            "OVERWRITTEN 0.0 2.30", NOTHING),
    "constant_loss_zero_gradient": (dict(answers={"softmax_loss_and_grad": CONSTANT_LOSS}),
                                    "print('CONSTANT', softmax_loss_and_grad(np.ones((3, 2)), "
                                    "np.ones(2), np.ones((4, 3)), np.zeros(4, int))[0])",
                                    "CONSTANT 0.69", NO_GRADIENT),
    "leak_In": (dict(answers=WRONG, extra=[LEAK]), "print('LEAKED', len(In))", "LEAKED",
                NOTHING),
}


@pytest.mark.parametrize("attack", ATTACKS)
def test_an_attack_on_the_tests_earns_only_what_the_code_computes(sandbox, attack):
    """Does each attack of issue 10 (a display hook, asserts compiled away, a faked restore
    and allclose, execute replies rewritten to ok, an allclose-faking ndarray subclass, a cell
    overwriting the results, a constant loss with zero gradient, In leaked through the
    output), shown to be live in the kernel, score exactly what its functions honestly earn
    (0 of 10 for wrong functions; 6 for right softmax and cross_entropy beside the constant
    loss), every lost cell with a message?"""
    options, proof, printed, expected = ATTACKS[attack]
    options = dict(options, extra=list(options.get("extra", [])) + [proof])
    report = score_notebook(notebook(**options), "01_softmax", sandbox, keep_evidence=True)
    assert printed in report.evidence["printed"], "the attack is not live in the kernel"
    assert scores(report) == expected, report.feedback()
    assert all(bool(c.failures) == (c.points == 0) for c in report.cells)


def test_the_attacks_do_not_cost_correct_functions_their_points(sandbox):
    """With all the attacks in one notebook around correct functions (and a last cell that
    overwrites the data the old tests read), does it still score 10: the verdict depends on
    what the functions compute, nothing else?"""
    nb = notebook(before=DISPLAY_OK + CODEOP + RESTORE_AND_ALLCLOSE + SESSION_SEND,
                  prefix_body=DISPLAYHOOK, extra=["X = np.zeros_like(X); y = y * 0", LEAK])
    report = score_notebook(nb, "01_softmax", sandbox)
    assert scores(report) == FULL, report.feedback()


def _hidden_text():
    """Lines of hidden test code: those of the hidden checks' module no student can see."""
    release = nbformat.read(RELEASE, as_version=4)
    visible = [c.source for c in release.cells]
    visible.append((ROOT / "mnistlib" / "assignment_checks" / "softmax.py").read_text())
    visible.append((ROOT / "mnistlib" / "assignment_checks" / "_core.py").read_text())
    return hidden_lines(HIDDEN_CHECKS.read_text(), visible + [LEAK])


def test_no_hidden_test_text_reaches_the_kernel_or_the_feedback(sandbox):
    """After a last cell that prints base64(zlib(In)) and tries to import and read the hidden
    checks, does no line of the hidden tests (the checks module) appear in
    anything the kernel was sent, printed or could read in its folder, nor in the feedback?"""
    hidden = _hidden_text()
    assert len(hidden) > 60 and all(line in HIDDEN_CHECKS.read_text() for line in hidden)
    report = score_notebook(notebook(answers=WRONG, extra=[LEAK]), "01_softmax", sandbox,
                            keep_evidence=True)
    printed = report.evidence["printed"]
    payload = re.search(r"LEAK:([A-Za-z0-9+/=]+)", printed)
    assert payload, "the leak cell did not run"
    leaked = zlib.decompress(base64.b64decode(payload.group(1))).decode()
    assert "def cross_entropy(Z, y):" in leaked  # the attack worked: In is in the output
    assert "no grading: ModuleNotFoundError" in printed
    assert "no file: FileNotFoundError" in printed
    assert "HIDDEN-IMPORTED" not in printed and "HIDDEN-READ" not in printed
    # The kernel was sent the notebook's non-test cells, and one fixed line per check that
    # names its request folder and nothing else.
    assert report.evidence["cells"] == "\n".join(kernel_cells(notebook(answers=WRONG,
                                                                        extra=[LEAK])))
    requests = report.evidence["requests"].splitlines()
    folder = r"'[^'\\]+/verdict-\d+-[0-9a-f]+'"
    pattern = re.escape(REQUEST.format(folder="@")).replace("'@'", folder)
    assert len(requests) == 9 and all(re.fullmatch(pattern, r) for r in requests), requests
    evidence = "\n".join(report.evidence.values())
    assert "a0_0.npy" in evidence and "def softmax" in evidence  # everything was recorded
    for text, where in [(leaked, "In"), (evidence, "the kernel's view"),
                        (report.feedback(), "the feedback")]:
        found = [line for line in hidden if line in text]
        assert not found, f"hidden lines in {where}: {found[:3]}"


PICKLE_SAVE = '''import pickle
def _pickled(file, arr, allow_pickle=True, fix_imports=True):
    with open(file, "wb") as f:
        pickle.dump(arr, f)
np.save = _pickled
'''

OBJECT_SAVE = '''def _as_objects(file, arr, allow_pickle=True, fix_imports=True):
    with open(file, "wb") as f:
        np.lib.format.write_array(f, np.array([arr, None], dtype=object), allow_pickle=True)
np.save = _as_objects
'''


@pytest.mark.parametrize("save, reason", [(PICKLE_SAVE, "is a pickle"),
                                          (OBJECT_SAVE, "object or structured array")])
def test_a_kernel_that_returns_pickles_or_object_arrays_is_refused(sandbox, save, reason):
    """When the notebook makes the kernel write pickles or object arrays instead of .npy
    numbers (correct functions otherwise), is every result refused with the reason, for 0?"""
    report = score_notebook(notebook(before=save), "01_softmax", sandbox)
    assert report.score == 0, report.feedback()
    messages = [m for c in report.cells for _, m in c.failures]
    assert len(messages) == 9 and all("refused" in m and reason in m for m in messages)


def test_results_above_the_size_cap_are_refused(sandbox):
    """With files capped at 20 kB, are the gradient's results (62 kB) and the 500-sample
    arguments refused, naming the cap, while the small softmax results still pass?"""
    report = score_notebook(notebook(), "01_softmax", sandbox, Limits(file_bytes=20_000))
    by_cell = report.by_cell()
    assert {g for g, c in by_cell.items() if c.passed} == {
        "test_softmax", "test_softmax_hidden", "test_cross_entropy_hidden"}
    for grade_id in ("test_grad", "test_grad_loss_hidden", "test_grad_hidden"):
        assert "more than the 20000 bytes accepted" in by_cell[grade_id].failures[0][1]


# A gradient that does not call softmax, so a hanging softmax costs only softmax's cells.
OWN_GRAD = '''def softmax_loss_and_grad(W, b, X, y):
    Z = X @ W + b
    Z = Z - Z.max(axis=1, keepdims=True)
    log_P = Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))
    G = np.exp(log_P)
    G[np.arange(len(y)), y] -= 1.0
    G /= len(y)
    return float(-log_P[np.arange(len(y)), y].mean()), X.T @ G, G.sum(axis=0)
'''

HANGS = {
    "busy": "def softmax(Z):\n    while True:\n        pass\n",
    "ignores_interrupts": ('def softmax(Z):\n    import time\n    while True:\n        try:\n'
                           '            time.sleep(0.05)\n        except KeyboardInterrupt:\n'
                           '            pass\n'),
}


@pytest.mark.parametrize("hang", HANGS)
def test_a_function_that_hangs_is_timed_out_and_the_rest_still_scored(sandbox, hang):
    """Does a softmax that never returns (interruptible, or one that swallows the interrupt so
    the jail must be killed and the kernel restarted) lose only softmax's 3 points, each check
    saying it timed out, while the other functions still earn their 7?"""
    nb = notebook(answers={"softmax": HANGS[hang], "softmax_loss_and_grad": OWN_GRAD})
    report = score_notebook(nb, "01_softmax", sandbox,
                            Limits(request_timeout=5, interrupt_grace=3))
    expected = dict(FULL, test_softmax=0.0, test_softmax_hidden=0.0)
    assert scores(report) == expected, report.feedback()
    messages = [m for c in report.cells for _, m in c.failures]
    assert len(messages) == 3 and all("timed out" in m for m in messages)
    if hang == "ignores_interrupts":
        assert all("did not stop when interrupted" in m for m in messages)


# -- mutants: the verdict path against the notebook's visible test cells run in a kernel -------
VISIBLE = {"test_softmax", "test_cross_entropy", "test_grad"}


def in_kernel_losses(nb, tmp_path):
    """Test cells that fail when the instructor's notebook runs as-is in one (trusted) kernel:
    the visible cells, whose check(...) calls run the same checks in the kernel (the hidden
    cells are comments there)."""
    from nbclient import NotebookClient

    nb = nbformat.reads(nbformat.writes(nb), as_version=4)  # a copy
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    return {c.metadata["nbgrader"]["grade_id"] for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade_id") in FULL
            and any(o.output_type == "error" for o in c.outputs)}


def mutant(name):
    path = MUTANTS / f"{name}.py"
    meta = {}
    exec(compile(path.read_text(), str(path), "exec"), meta)  # noqa: S102 - the catalogue
    return meta["CELL"], path.read_text(), set(meta["MUST_LOSE"])


@pytest.mark.parametrize("name", ["softmax_in_place", "softmax_no_shift", "ce_sum",
                                  "grad_consistent_l2", "grad_dW_missing_1_over_N",
                                  "correct_softmax_float32", "correct_grad_loops"])
def test_mutants_lose_their_cells_and_the_visible_ones_as_in_the_kernel(sandbox, tmp_path,
                                                                        name):
    """Scored through the verdict path, does a catalogued variant lose every cell it must
    lose, and exactly the visible cells whose check(...) fails when the notebook runs in a
    kernel (one definition of each check serves both)?"""
    cell, source, must_lose = mutant(name)
    nb = notebook(answers={cell: source})
    report = score_notebook(nb, "01_softmax", sandbox)
    lost = {c.grade_id for c in report.cells if not c.passed}
    assert must_lose <= lost and (must_lose or not lost), report.feedback()
    assert lost & VISIBLE == in_kernel_losses(nb, tmp_path), report.feedback()
    assert report.score == sum(p for g, p in FULL.items() if g not in lost)


VISIBLE_CELL = '''from mnistlib.assignment_checks.softmax import check
try:
    check("softmax_known_answers", softmax)
except AssertionError as exc:
    print("VISIBLE FAILED:", exc)
'''


@pytest.mark.parametrize("softmax, verdict", [
    (None, "softmax_known_answers: passed"),
    ("def softmax(Z):\n    return np.exp(Z)\n", "VISIBLE FAILED: "),
])
def test_a_visible_check_run_in_the_kernel_says_what_the_grader_says(sandbox, softmax, verdict):
    """Can a visible test cell import the visible checks inside the jail, and does it give the
    student the same verdict and message the grader computes out of the kernel?"""
    nb = notebook(answers={"softmax": softmax} if softmax else None, extra=[VISIBLE_CELL])
    report = score_notebook(nb, "01_softmax", sandbox, keep_evidence=True)
    printed = report.evidence["printed"]
    assert verdict in printed
    graded = report.by_cell()["test_softmax"]
    if softmax:
        assert not graded.passed
        assert f"VISIBLE FAILED: {graded.failures[0][1]}" in printed
    else:
        assert graded.passed


# -- the real path: python -m grading autograde grades these notebooks as a class ---------------
GUARD_PROBE = "print('GUARD', '__grader_restore__' in globals(), '__grader_snapshot__' in dir())"
NOT_NORMALISED = "def softmax(Z):\n    return np.exp(Z)\n"


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """One class graded by autograde_class (2 workers): the solution, the release, a softmax
    without normalisation, a probe for the in-kernel guard, and one student per attack."""
    from grading.autograde_class import autograde_class
    import _grading_fixtures as fx

    import _mutants as mt

    fx.require_sandbox()
    course = fx.make_course(tmp_path_factory.mktemp("verdict-class"), ["01_softmax"])
    students = {"solution": (fx.answered("01_softmax"), FULL),
                "released": (fx.released("01_softmax"), NOTHING),
                # The gradient uses the student's softmax: its cells are lost too.
                "not_normalised": (fx.answered("01_softmax", softmax=NOT_NORMALISED),
                                   dict(FULL, test_softmax=0.0, test_softmax_hidden=0.0,
                                        test_grad=0.0, test_grad_hidden=0.0)),
                # Before the first hidden test: later cells' outputs are not kept.
                "guard_probe": (fx._add_cell(fx.answered("01_softmax"), GUARD_PROBE,
                                             after="setup"), FULL)}
    for attack, (options, proof, _, expected) in ATTACKS.items():
        options = dict(options, extra=list(options.get("extra", [])) + [proof])
        students[attack] = (notebook(base=fx.answered("01_softmax"), **options), expected)
    for student, (nb, _) in students.items():
        fx.write(nb, course / "submitted" / student / "01_softmax", "softmax")
    results, csv_path = autograde_class("01_softmax", course_dir=course, jobs=2,
                                        cell_timeout=60, wall_limit=300, log=lambda m: None)
    return {"course": course, "results": {r.student_id: r for r in results},
            "expected": {s: e for s, (_, e) in students.items()},
            "scores": mt.cell_scores(course, "01_softmax"), "csv": fx.read_csv(csv_path)}


def _page(course, student):
    return (course / "feedback" / student / "01_softmax" / "softmax.html").read_text("utf-8")


def test_the_class_run_scores_every_notebook_as_the_verdict_path_does(graded_class):
    """Graded by autograde_class, does every student (solution, release, attacks) get in
    nbgrader's gradebook exactly the points per test cell its code honestly earns?"""
    print("seconds per submission:", {s: round(r.seconds, 1)
                                      for s, r in graded_class["results"].items()})
    for student, expected in graded_class["expected"].items():
        row = graded_class["csv"][student]
        assert row["status"] == "graded", (student, row["reason"])
        got = {cell: score for cell, (score, _) in graded_class["scores"][student].items()
               if cell in FULL}
        assert got == expected, student
        assert float(row["score"]) == sum(expected.values()), student


def test_feedback_shows_each_failed_check_without_traceback_or_hidden_code(graded_class):
    """Does the feedback show a failed visible check's message and a failed hidden cell's
    message as that cell's output (one line, no traceback of grader code), the passed ones as
    passed, and no line of the hidden checks (the leak student's page included)?"""
    course = graded_class["course"]
    page = _page(course, "not_normalised")
    assert "AssertionError: equal scores must give equal probabilities 1/4" in page
    assert "Hidden tests failed: AssertionError: " in page
    assert "cross_entropy_known_answers: passed" in page and "Hidden tests passed." in page
    hidden = _hidden_text()
    for student in graded_class["expected"]:
        page = _page(course, student)
        assert "most recent call last" not in page and "verdict.py" not in page, student
        assert "score_notebook" not in page and "call_one" not in page, student
        assert not [line for line in hidden if line in page], student
    assert "LEAK:" in _page(course, "leak_In")  # the attack printed what it could


def test_no_guard_and_no_test_code_enters_the_kernel_on_the_real_path(graded_class):
    """In the autograded notebook, does a student's cell see no guard in the kernel (it is not
    sent on the verdict path), and do the cells the kernel ran keep their outputs?"""
    nb = nbformat.read(graded_class["course"] / "autograded" / "guard_probe" / "01_softmax"
                       / "softmax.ipynb", as_version=4)
    text = {c.source: "".join(o.get("text", "") for o in c.outputs) for c in nb.cells
            if c.cell_type == "code"}
    assert text[GUARD_PROBE] == "GUARD False False\n"
    assert "images per class" in next(t for s, t in text.items() if "load_mnist" in s)
