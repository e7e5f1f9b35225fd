"""The project's own bad submissions (tests/_grading_fixtures.py) of 01_softmax through the verdict path.

Each must score exactly what its code honestly earns when the kernel only computes and the
grader judges: the cheater (wrong answers, numpy's comparisons replaced) what the same wrong
answers earn without the cheat, the intruder (right answers, an attack on the course folder)
full marks with every attack refused, the mnistlib-only answers nothing, the spy full marks
without seeing any hidden line.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

import _grading_fixtures as fx
from grading.sandbox import Sandbox
from grading.verdict import score_notebook

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "solutions" / "01_softmax" / "softmax.ipynb"


@pytest.fixture(scope="module")
def sandbox():
    return Sandbox(mode="bwrap")


def score(nb, sandbox, **kw):
    return score_notebook(nb, "01_softmax", sandbox, **kw)


def test_the_cheater_earns_what_its_wrong_answers_earn_without_the_cheat(sandbox):
    """Does replacing numpy's, math's and builtins' comparisons add nothing: the cheater scores
    the same per cell as the plain wrong answers, which lose both hidden tests they break?"""
    honest = score(fx.plausible_wrong("01_softmax"), sandbox)
    cheat = score(fx.cheater(), sandbox)
    lost = {c.grade_id for c in honest.cells if not c.passed}
    assert {"test_softmax_hidden", "test_cross_entropy_hidden"} <= lost
    assert honest.score < 10
    assert [(c.grade_id, c.points) for c in cheat.cells] == \
        [(c.grade_id, c.points) for c in honest.cells]


def test_the_intruder_gets_full_marks_and_reaches_nothing(sandbox, tmp_path):
    """With right answers and a cell that tries the course's gradebook, solutions and other
    students, the network and root, does it score 10 with every attempt refused?"""
    course = tmp_path / "course"
    (course / "solutions" / "01_softmax").mkdir(parents=True)
    shutil.copyfile(SOLUTION, course / "solutions" / "01_softmax" / "softmax.ipynb")
    (course / "gradebook.db").write_bytes(b"SQLite format 3\0")
    (course / "submitted" / "victim" / "01_softmax").mkdir(parents=True)
    report = score(fx.intruder(course), sandbox, keep_evidence=True)
    assert report.score == 10, report.feedback()
    found = re.search(r"INTRUDER REPORT (\{.*\})", report.evidence["printed"])
    assert found, "the intruder's cell did not run"
    attempts = json.loads(found.group(1))
    assert attempts["gradebooks found"] == []
    assert len(attempts) >= 9
    assert not [k for k, v in attempts.items() if str(v).startswith("SUCCEEDED")], attempts


def test_answers_that_only_call_mnistlib_earn_nothing(sandbox):
    """Do functions that call mnistlib's own softmax, log_softmax and loss (one through an
    alias bound before the checks) score 0, each saying why?"""
    report = score(fx.mnistlib_only(), sandbox)
    assert report.score == 0
    assert all("mnistlib's own implementation" in m for c in report.cells for _, m in c.failures)


def test_the_spy_prints_no_hidden_test(sandbox):
    """Does a last cell that prints every executed cell (In) get full marks and show no line of
    the hidden tests?"""
    # The hidden checks' lines that no student can see (their module is the grader's only).
    shown = "\n".join([c.source for c in fx.released("01_softmax").cells]
                      + [(ROOT / "mnistlib" / "assignment_checks" / m).read_text()
                         for m in ("softmax.py", "_core.py")])
    hidden = [line.strip() for line in (ROOT / "grading" / "checks" / "softmax.py")
              .read_text().splitlines() if len(line.strip()) >= 16
              and line.strip() not in shown]
    assert len(hidden) > 40
    report = score(fx.spy(), sandbox, keep_evidence=True)
    assert report.score == 10, report.feedback()
    printed = report.evidence["printed"]
    assert "def softmax(Z):" in printed  # the spy did print In
    assert not [line for line in hidden if line in printed]
