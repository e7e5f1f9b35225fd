"""Mutant catalogues: wrong and correct variants of an assignment's answers, graded as a class.

A catalogue is a folder ``tests/mutants/<assignment>/`` of ``.py`` files. Each file starts with
an optional docstring, then::

    CELL = "<grade id of the answer cell it replaces>"
    MUST_LOSE = ("<grade id of a test cell that must lose points>", ...)

followed by the code that replaces that answer cell. A *mutant* (plausible wrong code) names at
least one test cell; a *correct variant* (right code written differently) has ``MUST_LOSE = ()``
and must keep full marks on every test cell.

:func:`grade_catalogue` builds one course with one student per file (the released notebook with
the instructor's answers, and the file's code in its cell), grades the class with
:func:`grading.autograde_class.autograde_class` and reads every test cell's score from nbgrader's
gradebook. :func:`judge` turns those scores into a :class:`Verdict`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

import _grading_fixtures as fx

MUTANTS = Path(__file__).resolve().parent / "mutants"
#: Fewest mutants per graded function (answer cell), fewest correct variants per assignment.
MIN_MUTANTS_PER_CELL = 8
MIN_CORRECT = 3


@dataclass(frozen=True)
class Variant:
    """One catalogue file: ``name`` (file stem, also the student id), the answer ``cell`` it
    replaces, the test cells it ``must_lose`` points on (empty: a correct variant), its ``code``."""

    name: str
    cell: str
    must_lose: tuple
    code: str

    @property
    def correct(self):
        return not self.must_lose


def load_variant(path):
    """Parse one catalogue file into a :class:`Variant` (ValueError says what is malformed)."""
    path = Path(path)
    source = path.read_text(encoding="utf-8")
    body = ast.parse(source, filename=str(path)).body
    header, values = 0, {}
    for node in body:
        if (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str) and not values):
            header = node.end_lineno  # the docstring
            continue
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id in ("CELL", "MUST_LOSE")):
            values[node.targets[0].id] = ast.literal_eval(node.value)
            header = node.end_lineno
            continue
        break
    if set(values) != {"CELL", "MUST_LOSE"}:
        raise ValueError(f"{path.name}: start with CELL = '<answer cell>' and "
                         f"MUST_LOSE = (<test cells>,) before any code")
    cell, must_lose = values["CELL"], values["MUST_LOSE"]
    if not isinstance(cell, str) or not isinstance(must_lose, tuple) or not all(
            isinstance(m, str) for m in must_lose):
        raise ValueError(f"{path.name}: CELL must be a string and MUST_LOSE a tuple of strings")
    code = "\n".join(source.splitlines()[header:]).strip("\n")
    if not code.strip():
        raise ValueError(f"{path.name}: no code after MUST_LOSE")
    return Variant(path.stem, cell, must_lose, code)


def catalogue(folder):
    """Every variant in a catalogue folder, sorted by name."""
    return [load_variant(p) for p in sorted(Path(folder).glob("*.py")) if p.stem != "__init__"]


def assignments_with_catalogue(root=MUTANTS):
    """Assignments (folder names) that have a catalogue under ``root``."""
    return sorted(p.name for p in Path(root).iterdir() if p.is_dir() and p.name in fx.ASSIGNMENTS)


def cells_of(assignment):
    """(answer code cells, test cells) of the instructor notebook, as sets of grade ids."""
    nb = nbformat.read(fx.PROJECT / "solutions" / assignment
                       / f"{fx.ASSIGNMENTS[assignment]}.ipynb", 4)
    answers, tests = set(), set()
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code":
            continue
        if meta.get("solution"):
            answers.add(meta["grade_id"])
        elif meta.get("grade"):
            tests.add(meta["grade_id"])
    return answers, tests


def catalogue_problems(variants, answers, tests, min_mutants=MIN_MUTANTS_PER_CELL,
                       min_correct=MIN_CORRECT):
    """What is wrong with the catalogue itself (empty list: nothing)."""
    problems = []
    for v in variants:
        if v.cell not in answers:
            problems.append(f"{v.name}: CELL {v.cell!r} is not an answer code cell "
                            f"(answer cells: {', '.join(sorted(answers))})")
        unknown = [m for m in v.must_lose if m not in tests]
        if unknown:
            problems.append(f"{v.name}: MUST_LOSE names {', '.join(map(repr, unknown))}, not a "
                            f"test cell (test cells: {', '.join(sorted(tests))})")
    for cell in sorted({v.cell for v in variants}):
        count = sum(1 for v in variants if v.cell == cell and not v.correct)
        if count < min_mutants:
            problems.append(f"{cell}: {count} mutants, at least {min_mutants} needed")
    correct = sum(1 for v in variants if v.correct)
    if correct < min_correct:
        problems.append(f"{correct} correct variants, at least {min_correct} needed")
    return problems


def cell_scores(course, assignment, course_id="mnist-softmax"):
    """``{student: {test cell: (score, max)}}`` from the course's gradebook."""
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(f"sqlite:///{Path(course) / 'gradebook.db'}", course_id) as gb:
        for sub in gb.assignment_submissions(assignment):
            out[sub.student.id] = {g.name: (g.score, g.max_score) for nb in sub.notebooks
                                   for g in nb.grades if g.cell.cell_type == "code"}
    return out


def grade_catalogue(assignment, variants, folder, jobs=2):
    """Grade one class (a student per variant) in ``folder``; return (results, cell scores)."""
    from grading.autograde_class import autograde_class

    course = fx.make_course(folder, [assignment])
    for v in variants:
        nb = fx.answered(assignment, **{v.cell: v.code})
        fx.write(nb, course / "submitted" / v.name / assignment, fx.ASSIGNMENTS[assignment])
    results, _ = autograde_class(assignment, course_dir=course, jobs=jobs, feedback=False,
                                 log=lambda message: None)
    return {r.student_id: r for r in results}, cell_scores(course, assignment)


@dataclass
class Verdict:
    """What grading the catalogue showed."""

    assignment: str
    killed: list = field(default_factory=list)  # mutants that lost points on all MUST_LOSE
    survivors: list = field(default_factory=list)  # messages: mutant, cells it kept points on
    correct_full: list = field(default_factory=list)  # correct variants at full marks
    correct_short: list = field(default_factory=list)  # messages: variant, cells it lost
    mutants: int = 0
    correct: int = 0

    @property
    def sharp(self):
        return not self.survivors and not self.correct_short

    def summary(self):
        return (f"{self.assignment}: {len(self.killed)}/{self.mutants} mutants killed, "
                f"{len(self.correct_full)}/{self.correct} correct variants at full marks")


def judge(assignment, variants, scores, reasons=None):
    """Compare each variant's cell scores with what its MUST_LOSE demands.

    ``scores``: ``{student: {test cell: (score, max)}}``; ``reasons``: optional
    ``{student: text}`` added to the messages (why a submission was not graded, say).
    """
    reasons = reasons or {}
    verdict = Verdict(assignment)
    for v in variants:
        cells = scores.get(v.name)
        why = f" ({reasons[v.name]})" if reasons.get(v.name) else ""
        if v.correct:
            verdict.correct += 1
            lost = ([f"{c} {s or 0:g}/{m:g}" for c, (s, m) in sorted(cells.items())
                     if (s or 0) < m] if cells else ["not graded"])
            if lost:
                verdict.correct_short.append(f"{v.name} (correct, {v.cell}) lost points on "
                                             f"{', '.join(lost)}{why}")
            else:
                verdict.correct_full.append(v.name)
            continue
        verdict.mutants += 1
        if not cells:
            verdict.survivors.append(f"{v.name} ({v.cell}) was not graded{why}")
            continue
        kept = [f"{c} {cells[c][0] or 0:g}/{cells[c][1]:g}" if c in cells else f"{c} missing"
                for c in v.must_lose if c not in cells or (cells[c][0] or 0) >= cells[c][1]]
        if kept:
            verdict.survivors.append(f"{v.name} ({v.cell}) survived: full marks on "
                                     f"{', '.join(kept)}")
        else:
            verdict.killed.append(v.name)
    return verdict
