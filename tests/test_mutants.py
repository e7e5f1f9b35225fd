"""Are the assignments' tests sharp? Every catalogued mutant must lose points, every correct
variant must keep full marks, through the real grading path (one class run per assignment).

The catalogues live in ``tests/mutants/<assignment>/`` (format: :mod:`tests._mutants`).
"""

from __future__ import annotations

import textwrap

import pytest

import _grading_fixtures as fx

import _mutants as mt

CATALOGUED = mt.assignments_with_catalogue()


def test_every_assignment_with_a_catalogue_is_known():
    """Is every catalogue folder named after an assignment of the course?"""
    folders = sorted(p.name for p in mt.MUTANTS.iterdir() if p.is_dir()
                     and p.name != "__pycache__")
    assert folders == CATALOGUED and CATALOGUED, (
        f"catalogue folders {folders}: name each after an assignment of {sorted(fx.ASSIGNMENTS)}")


@pytest.mark.parametrize("assignment", CATALOGUED)
def test_catalogue_is_well_formed(assignment):
    """Does each file replace an answer cell, name existing test cells, and are there enough
    mutants per graded function and enough correct variants?"""
    variants = mt.catalogue(mt.MUTANTS / assignment)
    answers, tests = mt.cells_of(assignment)
    problems = mt.catalogue_problems(variants, answers, tests)
    assert not problems, f"{assignment} catalogue:\n" + "\n".join(problems)


@pytest.mark.parametrize("assignment", CATALOGUED)
def test_mutation_score_is_100_percent(assignment, tmp_path):
    """Graded as one class, does every mutant lose points on every cell in its MUST_LOSE, and
    does every correct variant keep full marks?"""
    fx.require_sandbox()
    variants = mt.catalogue(mt.MUTANTS / assignment)
    results, scores = mt.grade_catalogue(assignment, variants, tmp_path / "course")
    verdict = mt.judge(assignment, variants, scores,
                       {s: r.reason for s, r in results.items()})
    print(verdict.summary())
    assert len(scores) == len(variants), "every variant is a graded student"
    assert verdict.sharp, verdict.summary() + "\n" + "\n".join(
        verdict.survivors + verdict.correct_short)


# The harness itself, against a tiny catalogue where the answer is known.

def _write(folder, name, cell, must_lose, code):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.py").write_text(
        f'"""{name}"""\n\nCELL = {cell!r}\nMUST_LOSE = {tuple(must_lose)!r}\n\n'
        + textwrap.dedent(code), encoding="utf-8")


SOLUTION_SOFTMAX = fx._solution_sources("01_softmax")["softmax"]


def test_harness_reports_a_mutant_that_keeps_its_points(tmp_path):
    """Is a "mutant" equal to the solution reported as surviving, by name and cell, and a real
    mutant as killed, while a wrong "correct variant" is reported as losing points?"""
    fx.require_sandbox()
    folder = tmp_path / "catalogue"
    _write(folder, "same_as_solution", "softmax", ["test_softmax_hidden"], SOLUTION_SOFTMAX)
    _write(folder, "identity", "softmax", ["test_softmax", "test_softmax_hidden"],
           "def softmax(Z):\n    return Z\n")
    _write(folder, "wrong_but_called_correct", "softmax", [],
           "def softmax(Z):\n    return Z\n")
    variants = mt.catalogue(folder)
    results, scores = mt.grade_catalogue("01_softmax", variants, tmp_path / "course")
    verdict = mt.judge("01_softmax", variants, scores)
    assert verdict.killed == ["identity"]
    assert len(verdict.survivors) == 1 and verdict.survivors[0].startswith(
        "same_as_solution (softmax) survived: full marks on test_softmax_hidden")
    assert len(verdict.correct_short) == 1
    message = verdict.correct_short[0]
    assert message.startswith("wrong_but_called_correct (correct, softmax) lost points on ")
    assert "test_softmax 0/1" in message and "test_softmax_hidden 0/2" in message
    assert not verdict.sharp
    assert verdict.summary() == ("01_softmax: 1/2 mutants killed, "
                                 "0/1 correct variants at full marks")


def test_judge_needs_every_must_lose_cell_to_lose_points():
    """Is a mutant that loses points on one of its MUST_LOSE cells but not the other a survivor,
    and one that was not graded at all reported with the reason?"""
    variants = [mt.Variant("half", "f", ("t1", "t2"), "pass"),
                mt.Variant("crashed", "f", ("t1",), "pass"),
                mt.Variant("ok", "f", (), "pass")]
    scores = {"half": {"t1": (0.0, 1.0), "t2": (2.0, 2.0)},
              "ok": {"t1": (1.0, 1.0), "t2": (2.0, 2.0)}}
    verdict = mt.judge("a", variants, scores, {"crashed": "kernel died"})
    assert verdict.killed == []
    assert verdict.survivors == ["half (f) survived: full marks on t2 2/2",
                                 "crashed (f) was not graded (kernel died)"]
    assert verdict.correct_full == ["ok"] and verdict.sharp is False


def test_catalogue_checks_catch_bad_entries(tmp_path):
    """Does the catalogue check reject an unknown answer cell, an unknown test cell, too few
    mutants for a function and too few correct variants, and a file without its header?"""
    answers, tests = mt.cells_of("01_softmax")
    variants = [mt.Variant("m1", "softmax", ("test_softmax",), "pass"),
                mt.Variant("m2", "not_a_cell", ("test_softmax",), "pass"),
                mt.Variant("m3", "softmax", ("test_nothing",), "pass"),
                mt.Variant("c1", "softmax", (), "pass")]
    problems = mt.catalogue_problems(variants, answers, tests)
    text = "\n".join(problems)
    assert "m2: CELL 'not_a_cell' is not an answer code cell" in text
    assert "m3: MUST_LOSE names 'test_nothing', not a test cell" in text
    assert "softmax: 2 mutants, at least 8 needed" in text
    assert "not_a_cell: 1 mutants, at least 8 needed" in text
    assert "1 correct variants, at least 3 needed" in text
    assert not any(p.startswith(("m1", "c1")) for p in problems)
    (tmp_path / "bad.py").write_text("import numpy\nCELL = 'softmax'\nMUST_LOSE = ()\n")
    with pytest.raises(ValueError, match="start with CELL"):
        mt.load_variant(tmp_path / "bad.py")


def test_variant_code_is_what_follows_the_header(tmp_path):
    """Is a file's code everything after MUST_LOSE, without the docstring and header?"""
    _write(tmp_path, "v", "softmax", ["test_softmax"], "import numpy as np\n\n\ndef f():\n"
           "    return 1\n")
    v = mt.load_variant(tmp_path / "v.py")
    assert (v.name, v.cell, v.must_lose, v.correct) == ("v", "softmax", ("test_softmax",), False)
    assert v.code == "import numpy as np\n\n\ndef f():\n    return 1"
