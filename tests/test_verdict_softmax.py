"""01_softmax scored through the verdict path: the jailed kernel computes, the grader judges.

Every notebook here runs in a real bubblewrap jail (grading.sandbox). The attacks are those of
issue 10 that gave wrong code full marks when the tests ran in the student's kernel; here each
must score exactly what the code honestly earns, and no hidden test text may reach the kernel
or the feedback.
"""

from __future__ import annotations

import base64
import copy
import re
import zlib
from pathlib import Path

import nbformat
import pytest

from grading.feedback import hidden_lines
from grading.sandbox import Sandbox
from grading.verdict import Limits, kernel_cells, score_notebook
from mnistlib.assignment_checks.compute import REQUEST

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

DISPLAYHOOK = "    import sys; sys.displayhook('ok')\n"

# Every assert compiled by IPython becomes a pass (IPython compiles ASTs, codeop source text).
CODEOP = '''import ast, codeop
class _NoAsserts(ast.NodeTransformer):
    def visit_Assert(self, node):
        return ast.copy_location(ast.Pass(), node)
_compile = codeop.Compile.__call__
def _no_asserts(self, source, *args, **kwargs):
    if isinstance(source, str):
        source = source.replace("assert ", "pass  # ")
    else:
        source = ast.fix_missing_locations(_NoAsserts().visit(source))
    return _compile(self, source, *args, **kwargs)
codeop.Compile.__call__ = _no_asserts
'''

# Fake the guard's restore, then make numpy's comparisons always true.
RESTORE_AND_ALLCLOSE = '''import types
__grader_restore__ = lambda nonce: {"nonce": nonce, "fixed": [], "threads": []}
types.ModuleType.__setattr__(np, "allclose", lambda *a, **k: True)
types.ModuleType.__setattr__(np, "array_equal", lambda *a, **k: True)
types.ModuleType.__setattr__(np, "isfinite", lambda a: np.ones(np.shape(a), dtype=bool))
'''

# Every execute_reply leaves the kernel with status "ok".
SESSION_SEND = '''import jupyter_client.session as _session
_send = _session.Session.send
def _always_ok(self, stream, msg_or_type, content=None, *args, **kwargs):
    if isinstance(content, dict) and "status" in content:
        content = dict(content, status="ok")
    if isinstance(msg_or_type, dict) and isinstance(msg_or_type.get("content"), dict):
        msg_or_type["content"]["status"] = "ok"
    return _send(self, stream, msg_or_type, content, *args, **kwargs)
_session.Session.send = _always_ok
'''

# Results that answer True to every numpy function, allclose included.
SUBCLASS = {
    "softmax": '''class Yes(np.ndarray):
    def __array_function__(self, func, types, args, kwargs):
        return True


def softmax(Z):
    return np.zeros_like(Z).view(Yes)
''',
    "cross_entropy": "def cross_entropy(Z, y):\n    return np.zeros(()).view(Yes)\n",
    "softmax_loss_and_grad": ("def softmax_loss_and_grad(W, b, X, y):\n"
                              "    return (np.zeros(()).view(Yes), np.zeros_like(W).view(Yes),"
                              " np.zeros_like(b).view(Yes))\n"),
}

# The last cell carries everything the kernel ran out in its output, and hunts for the checks.
LEAK = f'''import base64, zlib
print("LEAK:" + base64.b64encode(zlib.compress("\\n".join(In).encode())).decode())
try:
    import grading.checks.softmax
    print("HIDDEN-IMPORTED")
except Exception as exc:
    print("no grading:", type(exc).__name__)
try:
    print("HIDDEN-READ", open({str(HIDDEN_CHECKS)!r}).read())
except Exception as exc:
    print("no file:", type(exc).__name__)
'''


@pytest.fixture(scope="module")
def sandbox():
    return Sandbox(mode="bwrap")


def notebook(answers=None, before=None, prefix_body="", extra=()):
    """The instructor's notebook (hidden tests included) with answer cells replaced.

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
    """
    nb = nbformat.read(SOLUTION, as_version=4)
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


# attack -> (notebook, a cell proving the attack is live in the kernel, what that cell prints)
ATTACKS = {
    "displayhook": (dict(answers=WRONG, prefix_body=DISPLAYHOOK),
                    "softmax(np.zeros((1, 2)))", "'ok'"),
    "codeop_asserts": (dict(answers=WRONG, before=CODEOP),
                       "assert 1 == 2\nprint('ASSERTS-GONE')", "ASSERTS-GONE"),
    "restore_and_allclose": (dict(answers=WRONG, before=RESTORE_AND_ALLCLOSE),
                             "print('ALLCLOSE', np.allclose(1, 2))", "ALLCLOSE True"),
    "session_send": (dict(answers=WRONG, before=SESSION_SEND),
                     "print('SEND', _session.Session.send.__name__)", "SEND _always_ok"),
    "ndarray_subclass": (dict(answers=SUBCLASS),
                         "print('SUB', np.allclose(softmax(np.zeros((1, 2))), 0.5))",
                         "SUB True"),
    "leak_In": (dict(answers=WRONG, extra=[LEAK]), "print('LEAKED', len(In))", "LEAKED"),
}


@pytest.mark.parametrize("attack", ATTACKS)
def test_an_attack_on_the_tests_earns_nothing_for_wrong_functions(sandbox, attack):
    """With wrong functions, does each attack of issue 10 (a display hook, asserts compiled
    away, a faked restore and allclose, execute replies rewritten to ok, an allclose-faking
    ndarray subclass, In leaked through the output), shown to be live in the kernel, score
    exactly 0 of 10?"""
    options, proof, printed = ATTACKS[attack]
    options = dict(options, extra=list(options.get("extra", [])) + [proof])
    report = score_notebook(notebook(**options), "01_softmax", sandbox, keep_evidence=True)
    assert printed in report.evidence["printed"], "the attack is not live in the kernel"
    assert scores(report) == dict.fromkeys(FULL, 0.0), report.feedback()
    assert all(c.failures for c in report.cells)


def test_the_attacks_do_not_cost_correct_functions_their_points(sandbox):
    """With all the attacks in one notebook around correct functions (and a last cell that
    overwrites the data the old tests read), does it still score 10: the verdict depends on
    what the functions compute, nothing else?"""
    nb = notebook(before=CODEOP + RESTORE_AND_ALLCLOSE + SESSION_SEND,
                  prefix_body=DISPLAYHOOK, extra=["X = np.zeros_like(X); y = y * 0", LEAK])
    report = score_notebook(nb, "01_softmax", sandbox)
    assert scores(report) == FULL, report.feedback()


def _hidden_text():
    """Lines of hidden test code: the notebook's hidden blocks and the hidden checks' module."""
    release = nbformat.read(RELEASE, as_version=4)
    visible = [c.source for c in release.cells]
    visible.append((ROOT / "mnistlib" / "assignment_checks" / "softmax.py").read_text())
    visible.append((ROOT / "mnistlib" / "assignment_checks" / "_core.py").read_text())
    lines = []
    for cell in nbformat.read(SOLUTION, as_version=4).cells:
        lines += hidden_lines(cell.source, visible)
    shown = "\n".join(visible) + LEAK
    lines += [line.strip() for line in HIDDEN_CHECKS.read_text().splitlines()
              if len(line.strip()) >= 16 and line.strip() not in shown]
    return lines


def test_no_hidden_test_text_reaches_the_kernel_or_the_feedback(sandbox):
    """After a last cell that prints base64(zlib(In)) and tries to import and read the hidden
    checks, does no line of the hidden tests (notebook blocks or checks module) appear in
    anything the kernel was sent, printed or could read in its folder, nor in the feedback?"""
    hidden = _hidden_text()
    solution_text = "\n".join(c.source for c in nbformat.read(SOLUTION, as_version=4).cells)
    solution_text += HIDDEN_CHECKS.read_text()
    assert len(hidden) > 60 and all(line in solution_text for line in hidden)  # not vacuous
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


# -- mutants: the verdict path against the notebook's own test cells run in a kernel ------------
def in_kernel_losses(nb, tmp_path):
    """Test cells that fail when the instructor's notebook runs as-is in one (trusted) kernel."""
    from nbclient import NotebookClient

    nb = copy.deepcopy(nb)
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


@pytest.mark.parametrize("name", ["softmax_in_place", "ce_sum", "grad_consistent_l2",
                                  "correct_softmax_float32", "correct_grad_loops"])
def test_mutants_lose_the_same_cells_as_with_the_in_kernel_tests(sandbox, tmp_path, name):
    """Scored through the verdict path, does a catalogued variant lose exactly the cells the
    notebook's own tests fail in a kernel, including every cell it must lose?"""
    cell, source, must_lose = mutant(name)
    nb = notebook(answers={cell: source})
    report = score_notebook(nb, "01_softmax", sandbox)
    lost = {c.grade_id for c in report.cells if not c.passed}
    assert must_lose <= lost and (must_lose or not lost), report.feedback()
    assert lost == in_kernel_losses(nb, tmp_path), report.feedback()
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
