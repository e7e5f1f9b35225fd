"""Course folders and submissions for the grading tests (and scripts/benchmark_autograde.py).

Submissions are built from the committed notebooks: the released version (``exercises/``), the
same with the instructor's solution code pasted into the answer cells ("answered"), a
plausible wrong answer per assignment, and a catalogue of bad or malicious submissions.
"""

from __future__ import annotations

import copy
import inspect
import shutil
from pathlib import Path

import nbformat

import _attack_cells as attack_cells

PROJECT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = {"01_softmax": "softmax", "02_sgd": "sgd", "03_early_stopping": "early_stopping",
               "04_weights": "weights", "05_mlp": "mlp"}


def make_course(folder, assignments=tuple(ASSIGNMENTS)):
    """A course folder: the project's nbgrader_config.py and instructor notebooks."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PROJECT / "nbgrader_config.py", folder / "nbgrader_config.py")
    for assignment in assignments:
        shutil.copytree(PROJECT / "solutions" / assignment, folder / "solutions" / assignment)
    return folder


def released(assignment):
    """The student version, as committed in exercises/."""
    return nbformat.read(PROJECT / "exercises" / assignment / f"{ASSIGNMENTS[assignment]}.ipynb", 4)


def _solution_sources(assignment):
    nb = nbformat.read(PROJECT / "solutions" / assignment / f"{ASSIGNMENTS[assignment]}.ipynb", 4)
    out = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            lines = [l for l in cell.source.splitlines()
                     if l.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")]
            out[meta["grade_id"]] = "\n".join(lines)
    return out


def answer_cell(nb, grade_id):
    """The cell with this grade id."""
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def answered(assignment, **replace):
    """The released notebook with the instructor's answers (``replace``: grade id -> code)."""
    nb = released(assignment)
    for grade_id, source in _solution_sources(assignment).items():
        answer_cell(nb, grade_id).source = replace.get(grade_id, source)
    return nb


PLAUSIBLE_WRONG = {
    # No max shift (overflows on huge scores), log of the softmax (infinite for huge scores).
    "01_softmax": {
        "softmax": "def softmax(Z):\n    E = np.exp(Z)\n    return E / E.sum(axis=1, keepdims=True)",
        "cross_entropy": ("def cross_entropy(Z, y):\n"
                          "    return float(-np.log(softmax(Z)[np.arange(len(y)), y]).mean())"),
    },
    # Forgets to shuffle: every epoch sees the same order, whatever the seed.
    "02_sgd": {
        "minibatch_indices": ("def minibatch_indices(N, batch_size, rng=None):\n"
                              "    order = np.arange(N)\n"
                              "    return [order[s:s + batch_size] for s in range(0, N, batch_size)]"),
    },
    # Any improvement extends the patience (improvement_threshold ignored).
    "03_early_stopping": {
        "early_stopping": None,  # filled in below from the solution
    },
    # matplotlib's default colormap and color limits.
    "04_weights": {
        "templates": None,
    },
    # Never shuffles: every epoch sees the batches in the order 0..N-1.
    "05_mlp": {
        "train_mlp": None,
    },
}


def plausible_wrong(assignment):
    """An answer that is right for the easy cases and wrong for some hidden ones."""
    sources = _solution_sources(assignment)
    replace = dict(PLAUSIBLE_WRONG[assignment])
    if assignment == "03_early_stopping":
        replace["early_stopping"] = sources["early_stopping"].replace(
            "if error < best_valid_error * improvement_threshold:", "if True:")
    if assignment == "04_weights":
        replace["templates"] = sources["templates"].replace(
            'ax.imshow(images[k], cmap="RdBu", vmin=-vmax, vmax=vmax)', "ax.imshow(images[k])")
    if assignment == "05_mlp":
        replace["train_mlp"] = sources["train_mlp"].replace(
            "order = rng.permutation(n)", "order = np.arange(n)")
    for key, value in replace.items():
        assert value != sources.get(key), f"the wrong answer for {key} equals the solution"
    return answered(assignment, **replace)


def write(nb, folder, name):
    """Write a notebook (NotebookNode) or raw bytes as ``folder/name.ipynb``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.ipynb"
    if isinstance(nb, (bytes, bytearray)):
        path.write_bytes(nb)
    else:
        nbformat.write(nb, path)
    return path


def _bytes(nb):
    return nbformat.writes(nb).encode("utf-8")


def _with_cell(nb, grade_id, change):
    nb = copy.deepcopy(nb)
    change(nb, answer_cell(nb, grade_id))
    return nb


def _drop(grade_id):
    def change(nb, cell):
        nb.cells.remove(cell)
    return change


def _append_code(grade_id, code):
    def change(nb, cell):
        cell.source += "\n" + code
    return change


def _meta(key, value):
    def change(nb, cell):
        cell.metadata.nbgrader[key] = value
    return change


def _to_markdown(nb, cell):
    i = nb.cells.index(cell)
    md = nbformat.v4.new_markdown_cell(cell.source, metadata=cell.metadata)
    md["id"] = cell.get("id")
    nb.cells[i] = md


def _duplicate(nb, cell):
    twin = copy.deepcopy(cell)
    twin["id"] = cell["id"] + "-copy"
    nb.cells.insert(nb.cells.index(cell) + 1, twin)


def _add_cell(nb, code, after="setup"):
    cell = nbformat.v4.new_code_cell(code)
    nb.cells.insert(nb.cells.index(answer_cell(nb, after)) + 1, cell)
    return nb


def bad_submissions():
    """Assignment 1 submissions, one per kind of trouble: ``{kind: (bytes, expectation)}``.

    The expectation is a dict: ``status`` ("graded" / "failed"), and for graded ones the
    autograded ``score`` (out of 10) or a rule (``"below_full"``), plus text that must appear
    in the notes/reason (``note``).
    """
    a = "01_softmax"
    good = answered(a)
    wrong_softmax = answered(a, softmax="def softmax(Z):\n    return Z")
    full = 10.0
    kinds = {
        "test_edited_to_pass": (
            _with_cell(wrong_softmax, "test_softmax", lambda nb, c: setattr(c, "source", "pass")),
            {"status": "graded", "score": 3.0, "note": "'test_softmax' was edited"}),
        "test_deleted": (_with_cell(good, "test_softmax", _drop("test_softmax")),
                         {"status": "graded", "score": full, "note": "was deleted: put back"}),
        "solution_deleted": (_with_cell(good, "softmax", _drop("softmax")),
                             {"status": "graded", "score": 3.0, "note": "graded as unanswered"}),
        "points_tampered": (_with_cell(good, "test_softmax", _meta("points", 100)),
                            {"status": "graded", "score": full, "note": "points"}),
        "grade_id_tampered": (_with_cell(good, "test_cross_entropy", _meta("grade_id", "free_points")),
                              {"status": "graded", "score": full, "note": "grade id changed"}),
        "cell_type_tampered": (_with_cell(good, "test_grad", _to_markdown),
                               {"status": "graded", "score": full, "note": "cell type"}),
        "schema_version_tampered": (_with_cell(good, "test_softmax_hidden", _meta("schema_version", 4)),
                                    {"status": "graded", "score": full, "note": "schema_version"}),
        "test_duplicated": (_with_cell(good, "test_softmax", _duplicate),
                            {"status": "graded", "score": full, "note": "duplicate"}),
        "infinite_loop": (_with_cell(good, "softmax", _append_code("softmax", "while True:\n    pass")),
                          {"status": "graded", "score": full, "note": "timed out"}),
        "sys_exit": (_with_cell(good, "cross_entropy", _append_code(
            "cross_entropy", "import sys\nsys.exit('bye')")),
            {"status": "graded", "score": full}),
        "os_exit": (_with_cell(good, "softmax_loss_and_grad", _append_code(
            "softmax_loss_and_grad", "import os\nos._exit(3)")),
            {"status": "graded", "score": 6.0, "note": "kernel died"}),
        "huge_output": (_add_cell(copy.deepcopy(good), "print('spam ' * 10_000_000)"),
                        {"status": "graded", "score": full, "note": "output was cut"}),
        "truncated_json": (_bytes(good)[: len(_bytes(good)) // 2],
                           {"status": "failed", "note": "not valid JSON"}),
        "empty_file": (b"", {"status": "failed", "note": "empty"}),
        "not_utf8": (_bytes(good).replace("Write `softmax(Z)`".encode(), b"Write \xe9\xe8 `softmax(Z)`"),
                     {"status": "graded", "score": full, "note": "not UTF-8"}),
        "old_nbformat": (nbformat.writes(nbformat.convert(copy.deepcopy(good), 3)).encode(),
                         {"status": "graded", "score": full, "note": "format 3"}),
        "other_kernel": (None, {"status": "graded", "score": full, "note": "kernel 'ir'"}),
        "stderr_warning": (answered(a, softmax=_solution_sources(a)["softmax"].replace(
            "    Z = np.asarray(Z, dtype=np.float64)",
            "    import sys, warnings\n    print('a note on stderr', file=sys.stderr)\n"
            "    warnings.warn('softmax: converting to float64')\n"
            "    Z = np.asarray(Z, dtype=np.float64)")),
            {"status": "graded", "score": full}),
    }
    other = copy.deepcopy(good)
    other.metadata["kernelspec"] = {"name": "ir", "display_name": "R", "language": "R"}
    kinds["other_kernel"] = (other, kinds["other_kernel"][1])
    return {k: (v if isinstance(v, (bytes, bytearray)) else _bytes(v), e)
            for k, (v, e) in kinds.items()}


def _cell_of(function, *args):
    """The source of a function of ``_attack_cells`` and a call of it with ``args``."""
    return (inspect.getsource(function)
            + f"\n{function.__name__}({', '.join(repr(a) for a in args)})\n")


def intruder(course):
    """Assignment 1, right answers, plus an added cell that attacks the course folder."""
    return _add_cell(answered("01_softmax"), _cell_of(attack_cells.intrude, str(course)))


#: A cell that replaces numpy's (and math's, and builtins') comparisons.
CHEAT = _cell_of(attack_cells.replace_comparisons)


def cheater():
    """Plausible wrong answers for assignment 1, plus numpy's comparisons replaced."""
    nb = plausible_wrong("01_softmax")
    return _add_cell(nb, CHEAT, after="softmax")


def mnistlib_only():
    """Assignment 1 answered by calling mnistlib's own implementations (one through an alias
    bound before the tests run, one through a helper of mnistlib's)."""
    return answered(
        "01_softmax",
        softmax=("from mnistlib.losses import softmax as _their_softmax\n\n"
                 "def softmax(Z):\n    return _their_softmax(Z)"),
        cross_entropy=("def cross_entropy(Z, y):\n"
                       "    return float(-mnistlib.log_softmax(Z)[np.arange(len(y)), y].mean())"),
        softmax_loss_and_grad=("def softmax_loss_and_grad(W, b, X, y):\n"
                               "    return mnistlib.softmax_loss_and_grad(W, b, X, y)"))


def spy():
    """Right answers, plus a last cell that prints every executed cell (hidden tests too)."""
    nb = answered("01_softmax")
    nb.cells.append(nbformat.v4.new_code_cell("print('\\n'.join(In))"))
    return nb


def read_csv(path):
    """Rows of a grades CSV, by student id."""
    import csv

    with open(path, newline="", encoding="utf-8") as f:
        return {row["student_id"]: row for row in csv.DictReader(f)}


def autograded_score(course, assignment, student, course_id="mnist-softmax"):
    """(score of the test cells, their maximum) from the course's gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{Path(course) / 'gradebook.db'}", course_id) as gb:
        sub = gb.find_submission(assignment, student)
        scored = [(g.auto_score, g.max_score) for nb in sub.notebooks for g in nb.grades
                  if g.cell.cell_type == "code"]
    return sum(s or 0.0 for s, _ in scored), sum(m for _, m in scored)


def sandbox_unavailable():
    """Why the jail cannot run here (None when it can): no bwrap, or no user namespaces."""
    from grading.sandbox import Sandbox, SandboxError, run_probe

    try:
        run_probe(Sandbox(), {})
    except SandboxError as exc:
        return str(exc)
    return None


def require_sandbox():
    """In a test: fail in CI (``CI=true``) when the sandbox cannot run, skip with the reason elsewhere."""
    import os

    import pytest

    reason = sandbox_unavailable()
    if reason:
        if os.environ.get("CI", "").strip().lower() in ("1", "true", "yes"):
            pytest.fail(reason)
        pytest.skip(reason)
