"""Section 6's throughput figures: read from the grading benchmark's file, targets computed."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import course_costs  # noqa: E402


def _figures(speedup_two, jail_cost):
    one = 20.0
    return {"n_submissions": 40, "date": "2026-12-02",
            "runs": {"1 worker": {"class_run_s": 120.0, "submissions_per_min": one, "speedup": 1.0},
                     "2 workers (--jobs 2)": {"class_run_s": 120.0 / speedup_two,
                                              "submissions_per_min": one * speedup_two,
                                              "speedup": speedup_two}},
            "jail_new": {"jailed_s": 2.0 + jail_cost, "unjailed_s": 2.0, "jail_cost_s": jail_cost},
            "jail_old": {"jailed_s": 2.3, "unjailed_s": 2.0, "jail_cost_s": 0.3},
            "jail_submissions": 8, "load_average_before": [3.1, 2.0, 1.0],
            "load_average_after": [3.5, 2.5, 1.2]}


def test_throughput_rows_and_met_targets(tmp_path):
    """Are the runs, both jails' costs and the load average shown, and the targets met?"""
    (tmp_path / "autograde_throughput.json").write_text(json.dumps(_figures(1.8, 0.05)))
    section = course_costs.run(results_dir=tmp_path)
    whats = [r["what"] for r in section["rows"]]
    assert "autograde a class of 40, 2 workers (--jobs 2)" in whats
    assert "previous jail: cost per submission" in whats
    assert [t["met"] for t in section["targets"]] == [True, True]
    assert any("load average" in n and "3.1" in n for n in section["notes"])


def test_missed_targets_are_reported_as_missed(tmp_path):
    """A 1.5x speed-up and a 0.4 s jail: are both targets marked as not met?"""
    (tmp_path / "autograde_throughput.json").write_text(json.dumps(_figures(1.5, 0.4)))
    assert [t["met"] for t in course_costs.run(results_dir=tmp_path)["targets"]] == [False, False]


def test_without_the_file_a_note_says_what_to_run(tmp_path):
    """No throughput file: no target claimed, and a note naming the command?"""
    section = course_costs.run(results_dir=tmp_path)
    assert section["targets"] == []
    assert any("benchmark_autograde.py --throughput" in n for n in section["notes"])


def test_busy_cores_and_the_two_worker_bound_are_reported(tmp_path):
    """With the cores each run kept busy and the 1-worker run's serial part, do the rows show
    the cores and a note the bound 2 workers can reach?"""
    figures = _figures(1.6, 0.05)
    figures["runs"]["1 worker"].update(busy_cores=0.87, fixed_s=9.5)
    figures["runs"]["2 workers (--jobs 2)"]["busy_cores"] = 1.62
    figures["two_worker_ceiling"] = 1.85
    (tmp_path / "autograde_throughput.json").write_text(json.dumps(figures))
    section = course_costs.run(results_dir=tmp_path)
    hows = {r["what"]: r.get("how", "") for r in section["rows"]}
    assert "1.62 cores busy" in hows["autograde a class of 40, 2 workers (--jobs 2)"]
    assert any("9.5 s" in n and "x1.85" in n for n in section["notes"])
