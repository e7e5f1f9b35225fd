"""Each assignment graded with real nbgrader: full marks, zero without a crash, partial marks."""


import pytest

import _grading_fixtures as fx
from grading.autograde_class import autograde_class



@pytest.fixture(scope="module", params=list(fx.ASSIGNMENTS))
def graded(request, tmp_path_factory):
    """One class run per assignment: the solution, the released notebook, a plausible wrong one."""
    fx.require_sandbox()
    assignment = request.param
    name = fx.ASSIGNMENTS[assignment]
    course = fx.make_course(tmp_path_factory.mktemp(assignment), [assignment])
    for student, nb in {"solution": fx.answered(assignment),
                        "released": fx.released(assignment),
                        "wrong": fx.plausible_wrong(assignment)}.items():
        fx.write(nb, course / "submitted" / student / assignment, name)
    results, csv_path = autograde_class(assignment, course_dir=course, cell_timeout=60,
                                        wall_limit=300, log=lambda message: None)
    return assignment, course, {r.student_id: r for r in results}, fx.read_csv(csv_path)


def test_solution_gets_full_marks(graded):
    """Does the instructor's solution, pasted into the released notebook, earn every test point?"""
    assignment, course, results, rows = graded
    score, top = fx.autograded_score(course, assignment, "solution")
    assert top > 0 and score == top, (assignment, score, top, results["solution"].reason)
    assert rows["solution"]["status"] == "graded" and rows["solution"]["reason"] == ""
    assert rows["solution"]["review"] == ""
    assert rows["solution"]["needs_manual_grade"] == "yes", "the written answer is graded by hand"


def test_released_notebook_scores_zero_without_a_crash(graded):
    """Is the untouched released notebook graded, with 0 points, and not failed?"""
    assignment, course, results, rows = graded
    assert rows["released"]["status"] == "graded"
    assert float(rows["released"]["score"]) == 0.0
    assert fx.autograded_score(course, assignment, "released")[0] == 0.0


def test_plausible_wrong_answer_gets_partial_marks(graded):
    """Does a mostly right answer earn some but not all of the test points?"""
    assignment, course, results, rows = graded
    score, top = fx.autograded_score(course, assignment, "wrong")
    assert 0 < score < top, (assignment, score, top)
    feedback = course / "feedback" / "wrong" / assignment / f"{fx.ASSIGNMENTS[assignment]}.html"
    assert "Hidden tests failed" in feedback.read_text(encoding="utf-8")


@pytest.mark.parametrize("mode", ["jobs", "dask"])
def test_every_grading_mode_gives_full_marks_and_zero(mode, tmp_path):
    """Graded with --jobs 2 or on a 2-worker Dask cluster, does every assignment's solution
    still earn every test point and its released notebook zero?"""
    fx.require_sandbox()
    cluster = None
    if mode == "dask":
        from distributed import LocalCluster

        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               dashboard_address=None)
    where = {"scheduler": cluster.scheduler_address} if cluster else {"jobs": 2}
    course = fx.make_course(tmp_path, list(fx.ASSIGNMENTS))
    try:
        for assignment, name in fx.ASSIGNMENTS.items():
            for student, nb in {"solution": fx.answered(assignment),
                                "released": fx.released(assignment)}.items():
                fx.write(nb, course / "submitted" / student / assignment, name)
            _, csv_path = autograde_class(assignment, course_dir=course, cell_timeout=60,
                                          wall_limit=300, log=lambda message: None, **where)
            rows = fx.read_csv(csv_path)
            score, top = fx.autograded_score(course, assignment, "solution")
            assert rows["solution"]["status"] == "graded" and top > 0 and score == top, \
                (mode, assignment, score, top, rows["solution"]["reason"])
            assert rows["released"]["status"] == "graded", (mode, assignment)
            assert fx.autograded_score(course, assignment, "released")[0] == 0.0, \
                (mode, assignment)
    finally:
        if cluster is not None:
            cluster.close()
