"""One class run of assignment 1 with real nbgrader: every student brings a different problem.

Each bad submission must be graded or flagged on its own, with a reason, without stopping the
run or touching another student's result; the sandbox, the verdicts taken out of the kernel,
the mnistlib check and the feedback's leak check are exercised by submissions that attack them.
"""

import json
from pathlib import Path

import pytest

import _grading_fixtures as fx
from grading.autograde_class import autograde_class
from grading.verdict import WITHHELD

ASSIGNMENT = "01_softmax"
ROOT = Path(__file__).resolve().parents[1]
FULL = 10.0  # the autograded points of assignment 1 (plus 2 for the written answer)



@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """Grade 24 students, one bad kind each, in one run (cell timeout 8 s)."""
    fx.require_sandbox()
    course = fx.make_course(tmp_path_factory.mktemp("course"), [ASSIGNMENT])
    submitted = course / "submitted"
    expected = {}
    for kind, (data, expectation) in fx.bad_submissions().items():
        fx.write(data, submitted / kind / ASSIGNMENT, "softmax")
        expected[kind] = expectation
    special = {"victim": fx.answered(ASSIGNMENT), "intruder": fx.intruder(course),
               "cheater": fx.cheater(), "wrong": fx.plausible_wrong(ASSIGNMENT),
               "mnistlib_only": fx.mnistlib_only(), "spy": fx.spy()}
    for student, nb in special.items():
        fx.write(nb, submitted / student / ASSIGNMENT, "softmax")
    victim_bytes = (submitted / "victim" / ASSIGNMENT / "softmax.ipynb").read_bytes()
    solution_bytes = (course / "solutions" / ASSIGNMENT / "softmax.ipynb").read_bytes()
    messages = []
    results, csv_path = autograde_class(ASSIGNMENT, course_dir=course, cell_timeout=8,
                                        wall_limit=120, log=messages.append)
    return {"course": course, "expected": expected, "results": {r.student_id: r for r in results},
            "csv": fx.read_csv(csv_path), "log": "\n".join(messages),
            "victim_bytes": victim_bytes, "solution_bytes": solution_bytes}


def test_every_student_gets_a_row_and_the_run_completes(graded_class):
    """Does one run produce a status for all 24 students, whatever each one submitted?"""
    assert len(graded_class["csv"]) == len(graded_class["expected"]) + 6
    assert "24 submission(s)" in graded_class["log"]
    assert "jail self-test passed: the probe ran as uid 65534, saw 2 process(es)" in \
        graded_class["log"]
    assert all(row["status"] in ("graded", "failed") for row in graded_class["csv"].values())


@pytest.mark.parametrize("kind", list(fx.bad_submissions()))
def test_bad_submission_is_graded_or_flagged_with_its_reason(graded_class, kind):
    """Is each kind of bad submission graded (with the right score) or failed, with a reason?"""
    expectation = graded_class["expected"][kind]
    row = graded_class["csv"][kind]
    assert row["status"] == expectation["status"], row
    if "note" in expectation:
        assert expectation["note"] in row["reason"], row["reason"]
    if expectation["status"] == "failed":
        assert row["score"] == "" and row["reason"], "a failed submission shows no score"
    else:
        score, top = fx.autograded_score(graded_class["course"], ASSIGNMENT, kind)
        assert top == FULL, "tampered points must not change the maximum"
        assert score == expectation["score"], (kind, score, row)
        assert float(row["max_score"]) == FULL + 2


def test_a_good_submission_in_a_bad_class_keeps_full_marks(graded_class):
    """Is the victim (right answers) untouched by the 23 others, including the intruder?"""
    assert fx.autograded_score(graded_class["course"], ASSIGNMENT, "victim") == (FULL, FULL)
    assert graded_class["csv"]["victim"]["reason"] == ""
    victim = graded_class["course"] / "submitted" / "victim" / ASSIGNMENT / "softmax.ipynb"
    assert victim.read_bytes() == graded_class["victim_bytes"]


def test_student_code_cannot_reach_the_gradebook_solutions_or_other_students(graded_class):
    """Does the intruder's code, run as it was graded, fail to read or write anything it must not?"""
    course = graded_class["course"]
    notebook = json.loads((course / "autograded" / "intruder" / ASSIGNMENT / "softmax.ipynb")
                          .read_text())
    texts = ["".join(o.get("text", "")) for c in notebook["cells"] for o in c.get("outputs", [])]
    report = json.loads(next(t for t in texts if "INTRUDER REPORT" in t)
                        .split("INTRUDER REPORT", 1)[1])
    assert report["uid"] != 0
    for attempt in ("read gradebook", "list solutions", "read hidden tests", "write solutions",
                    "write other student", "list submitted", "network", "setuid root"):
        assert not report[attempt].startswith("SUCCEEDED"), (attempt, report[attempt])
    assert report["gradebooks found"] == []
    assert (course / "solutions" / ASSIGNMENT / "softmax.ipynb").read_bytes() == \
        graded_class["solution_bytes"]
    assert fx.autograded_score(course, ASSIGNMENT, "intruder") == (FULL, FULL)


def test_replacing_numpy_comparisons_earns_nothing(graded_class):
    """Does a wrong answer score the same with numpy's comparisons patched, and get flagged?"""
    course = graded_class["course"]
    wrong, _ = fx.autograded_score(course, ASSIGNMENT, "wrong")
    cheater, _ = fx.autograded_score(course, ASSIGNMENT, "cheater")
    assert 0 < wrong < FULL
    assert cheater == wrong
    # Graded out of the kernel (grading.verdict): nothing to restore, the scan still flags it.
    review = graded_class["csv"]["cheater"]["review"]
    assert "writes into a module's or class's dictionary" in review
    assert "restored before the tests" not in review


def test_calling_mnistlib_instead_of_own_code_earns_nothing(graded_class):
    """Does a notebook whose graded functions only call mnistlib's score 0?"""
    assert fx.autograded_score(graded_class["course"], ASSIGNMENT, "mnistlib_only") == (0.0, FULL)


def test_feedback_has_no_hidden_tests_even_when_the_student_prints_them(graded_class):
    """Is every feedback page free of hidden test code, tracebacks and printed history included?"""
    course = graded_class["course"]
    pages = sorted((course / "feedback").glob(f"*/{ASSIGNMENT}/softmax.html"))
    assert len(pages) == 22  # every graded student
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "BEGIN HIDDEN TESTS" not in html and "mnistlib_off" not in html, page
        assert "_hidden_tests" not in html, page
    spy = (course / "feedback" / "spy" / ASSIGNMENT / "softmax.html").read_text(encoding="utf-8")
    # The spy printed In after the hidden tests: that output is not kept (what In holds, no
    # test cell, is checked in test_verdict_fixtures.py).
    notebook = json.loads((course / "autograded" / "spy" / ASSIGNMENT / "softmax.ipynb")
                          .read_text(encoding="utf-8"))
    printed = "".join("".join(o.get("text", "")) for o in notebook["cells"][-1]["outputs"])
    assert printed.startswith(WITHHELD) and "def softmax(Z):" not in printed
    hidden = [line.strip() for line in (ROOT / "grading" / "checks" / "softmax.py")
              .read_text().splitlines() if len(line.strip()) >= 30 and "expect(" in line]
    assert hidden and not [line for line in hidden if line in spy]
    released = (course / "feedback" / "wrong" / ASSIGNMENT / "softmax.html").read_text("utf-8")
    assert "Hidden tests failed: AssertionError" in released
    assert "Hidden tests passed." in released
