"""Benchmarks: a smoke run with tiny sizes on the embedded mini subset, so the code cannot rot.

The figures of such a run mean nothing; these tests check that every section runs, that the
JSON and the reports are complete and well formed, and the rules the sections promise
(choice on the validation set only, a PyTorch row that says why it is missing).
"""

import dataclasses
import json
import math
import os
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `benchmarks` is a folder of the repository, not installed
    sys.path.insert(0, str(ROOT))

from benchmarks import best_linear, course_costs, softmax_speed  # noqa: E402
from benchmarks._common import load_data, quick_settings  # noqa: E402
from benchmarks.report import format_markdown, format_text  # noqa: E402
from benchmarks.run import SECTIONS, main  # noqa: E402


#: What scripts/benchmark_autograde.py --throughput writes; the jail's cost is a difference of
#: two medians and was measured negative (-0.16 s) on a busy machine.
FAKE_THROUGHPUT = {
    "n_submissions": 40, "date": "2026-12-02",
    "runs": {"1 worker": {"class_run_s": 120.0, "submissions_per_min": 20.0, "speedup": 1.0},
             "2 workers (--jobs 2)": {"class_run_s": 66.7, "submissions_per_min": 36.0,
                                      "speedup": 1.8}},
    "jail_new": {"jailed_s": 1.84, "unjailed_s": 2.0, "jail_cost_s": -0.16},
    "jail_old": None, "jail_submissions": 8, "load_average_before": [3.1, 2.0, 1.0],
    "load_average_after": [3.5, 2.5, 1.2]}


def _course_files(folder, throughput=FAKE_THROUGHPUT):
    """Section 6's input files in ``folder``: the committed build and grading figures (when
    present) and a throughput file, so the tests do not depend on which files exist."""
    for name in ("book_build.json", "autograde.json"):
        if (course_costs.RESULTS / name).is_file():
            (folder / name).write_text((course_costs.RESULTS / name).read_text(encoding="utf-8"))
    (folder / "autograde_throughput.json").write_text(json.dumps(throughput))
    return folder


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """One quick run of every section, through the command line entry point."""
    out = tmp_path_factory.mktemp("bench") / "quick.json"
    folder = _course_files(tmp_path_factory.mktemp("results"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(course_costs, "RESULTS", folder)
        assert main(["--quick", "--json", str(out)]) == 0
    with open(out, encoding="utf-8") as f:
        return json.load(f), out.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def mini():
    return load_data("mini")


def _numbers(row):
    return {k: v for k, v in row.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


def _figure_problems(key, row):
    """What is wrong with the figures of one measured row (empty when nothing is).

    Every figure is finite; times and throughputs are positive, except in rows marked as a
    difference of two timings (the jail's cost per submission, section 3's time besides the
    products), which noise can make negative.
    """
    numbers = _numbers(row)
    if not numbers:
        return [f"section {key}: row without figures: {row}"]
    problems = [f"section {key}: {k} = {v} is not finite" for k, v in numbers.items()
                if not math.isfinite(v)]
    is_difference = row.get("difference") is True
    if "time_s" in numbers and not is_difference and not numbers["time_s"] > 0:
        problems.append(f"section {key}: time {numbers['time_s']} s is not positive: {row}")
    for name in ("test_accuracy", "valid_accuracy", "sparsity", "test_error"):
        if name in row and not 0.0 <= row[name] <= 1.0:
            problems.append(f"section {key}: {name} = {row[name]} outside [0, 1]")
    return problems


def test_quick_run_writes_every_section_with_finite_figures(quick_run):
    """Does a quick run write all six sections, every row measured or saying why not?"""
    results, _ = quick_run
    assert sorted(results["sections"]) == sorted(SECTIONS)
    assert results["subset"] == "mini"
    for key, section in results["sections"].items():
        assert section["title"].startswith(f"{key}. ")
        for row in section["rows"]:
            if "skipped" in row:
                assert row["skipped"].strip(), f"section {key}: a skipped row must say why"
                continue
            assert not _figure_problems(key, row)


def test_quick_run_learns_something(quick_run):
    """Are the mini-subset accuracies far above chance (10 %), so the recipes really train?"""
    results, _ = quick_run
    s1 = results["sections"]["1"]
    assert s1["rows"][0]["system"] == "mnistlib" and s1["rows"][0]["test_accuracy"] > 0.6
    assert results["sections"]["2"]["final"]["test_accuracy"] > 0.6
    assert results["sections"]["4"]["rows"][0]["test_error"] < 0.4
    assert all(r["test_accuracy"] > 0.5 for r in results["sections"]["5"]["rows"])


def test_targets_do_not_apply_to_the_mini_subset(quick_run):
    """Are the issue's targets marked 'n/a' (met = None) on the mini subset, never passed or failed?

    Section 6 is the exception: it reads figures measured by the grading benchmark, which do
    not depend on the subset this run uses.
    """
    results, _ = quick_run
    targets = [t for k, s in results["sections"].items() if k != "6" for t in s["targets"]]
    assert targets
    assert all(t["met"] is None for t in targets)
    assert [t["met"] for t in results["sections"]["6"]["targets"]] == [True, True]


def test_a_negative_jail_cost_is_a_valid_figure(tmp_path):
    """Does section 6 report a negative jail cost (noise) as a figure, its throughputs positive?"""
    section = course_costs.run(results_dir=_course_files(tmp_path))
    rows = [r for r in section["rows"] if "skipped" not in r]
    cost = [r for r in rows if r["what"] == "bubblewrap jail: cost per submission"]
    assert [r["time_s"] for r in cost] == [-0.16]
    assert all(not _figure_problems("6", r) for r in rows)
    assert {"2 workers against 1 (throughput)": True, "time the jail adds per submission": True} \
        == {t["name"]: t["met"] for t in section["targets"]}


@pytest.mark.parametrize("wrong", [
    {"what": "autograde a class of 40, 1 worker", "time_s": 0.0},
    {"what": "autograde a class of 40, 1 worker", "time_s": -1.0},
    {"what": "bubblewrap jail: cost per submission", "time_s": -0.16},
    {"what": "bubblewrap jail: cost per submission", "time_s": float("nan"), "difference": True},
    {"what": "bubblewrap jail: cost per submission", "time_s": float("-inf"), "difference": True},
    {"what": "a recipe", "time_s": 1.0, "test_accuracy": 1.5},
    {"what": "a row without figures"},
])
def test_the_figure_check_rejects_impossible_figures(wrong):
    """Does the smoke test's figure check catch a zero or negative time (unless the row is a
    difference), a non-finite cost and an accuracy above 1 (so it is not a check that always
    passes)?"""
    assert _figure_problems("6", wrong)


def test_section_3_says_where_an_epoch_goes_beyond_the_floor(quick_run):
    """Does section 3 give, per epoch batch size, the sgd_step calls alone and their time
    besides the products, that time per step and the cost of one small numpy call?"""
    results, _ = quick_run
    rows = results["sections"]["3"]["rows"]
    for batch_size in results["settings"]["epoch_batch_sizes"]:
        alone = [r for r in rows if r["what"].startswith(f"batch {batch_size}: the sgd_step")]
        besides = [r for r in rows if r["what"].startswith(f"batch {batch_size}: of which")]
        assert len(alone) == len(besides) == 1
        assert alone[0]["time_s"] > 0 and besides[0]["difference"] is True
        assert besides[0]["call_s"] > 0
        assert besides[0]["per_step_s"] * besides[0]["n_steps"] == \
            pytest.approx(besides[0]["time_s"])


def test_section_2_chooses_exactly_one_configuration(quick_run):
    """Does section 2 mark one configuration as chosen and retrain that one?"""
    section = json.loads(json.dumps(quick_run[0]["sections"]["2"]))
    chosen = [r for r in section["rows"] if r["chosen"]]
    assert len(chosen) == 1
    assert chosen[0]["config"] == section["final"]["config"]
    best = max(r["valid_accuracy"] for r in section["rows"])
    assert chosen[0]["valid_accuracy"] == best


def test_section_2_choice_ignores_the_test_set(mini):
    """Is section 2's choice the same when the test sets are replaced by noise (validation only)?"""
    settings = quick_settings()
    settings.s2_l2, settings.s2_lr, settings.s2_epochs = (0.0, 3e-3), (0.05, 0.5), (1, 2)
    first = best_linear.run(mini, settings)
    rng = np.random.default_rng(0)

    def noisy(split):
        return dataclasses.replace(split, X_test=rng.random(split.X_test.shape, dtype=np.float32),
                                   y_test=rng.integers(0, 10, split.y_test.shape[0]))

    second = best_linear.run(dataclasses.replace(mini, classic=noisy(mini.classic),
                                                 standard=noisy(mini.standard)), settings)
    assert second["final"]["test_accuracy"] < 0.3  # the noise really replaced the test set
    assert second["chosen"] == first["chosen"]
    assert [r["valid_accuracy"] for r in second["rows"]] == [r["valid_accuracy"] for r in first["rows"]]


def test_missing_pytorch_rows_say_how_to_add_them(mini, monkeypatch):
    """Without PyTorch, do its rows and targets say it is not installed and how to install it?"""
    monkeypatch.setattr(softmax_speed, "torch_or_reason",
                        lambda: (None, "PyTorch is not installed: pip install -r x"))
    section = softmax_speed.run(mini, quick_settings())
    torch_rows = [r for r in section["rows"] + section["epoch_rows"] if "PyTorch" in r["system"]]
    assert len(torch_rows) == 2 * len(softmax_speed.TORCH_VARIANTS)
    assert all("not installed" in r["skipped"] for r in torch_rows)
    assert any("not installed" in str(t["value"]) for t in section["targets"])
    assert "not installed" in format_text({"sections": {"1": section}})


def test_course_costs_read_the_files_of_the_build_and_grading(tmp_path):
    """Does section 6 report the book build and autograde figures written as JSON files?"""
    (tmp_path / "book_build.json").write_text(json.dumps(
        {"clean_s": 95.5, "cached_s": 11.0, "date": "2026-01-02", "command": "bash build.sh"}))
    per_assignment = [{"assignment": "01_softmax", "median_s": 1.5, "n_submissions": 8},
                      {"assignment": "02_sgd", "median_s": 2.25, "n_submissions": 8}]
    (tmp_path / "autograde.json").write_text(json.dumps(
        {"seconds_per_submission": 2.25, "n_submissions": 8, "date": "2026-01-03",
         "per_assignment": per_assignment}))
    rows = course_costs.run(results_dir=tmp_path)["rows"]
    assert [r["time_s"] for r in rows] == [95.5, 11.0, 2.25, 1.5, 2.25]
    assert rows[2]["details"]["n_submissions"] == 8
    assert "01_softmax" in rows[3]["what"] and "02_sgd" in rows[4]["what"]


def test_course_costs_say_which_file_is_missing(tmp_path):
    """With no files (or a file without the figure), does each row name the file to write?"""
    (tmp_path / "book_build.json").write_text(json.dumps({"clean_s": 95.5}))
    rows = course_costs.run(results_dir=tmp_path)["rows"]
    assert rows[0]["time_s"] == 95.5
    assert "cached_s" in rows[1]["skipped"] and "book_build.json" in rows[1]["skipped"]
    assert "autograde.json not found" in rows[2]["skipped"]


def test_reports_show_every_section(quick_run):
    """Do the text table and the README Markdown show every section's title and targets?"""
    results, _ = quick_run
    text, md = format_text(results), format_markdown(results)
    assert md.startswith("## Performance")
    for section in results["sections"].values():
        assert section["title"] in text and section["title"] in md
    targets = [t for s in results["sections"].values() for t in s["targets"]]
    assert md.count("**n/a**") == sum(t["met"] is None for t in targets)
    assert md.count("**met**") == sum(t["met"] is True for t in targets)
    # Every Markdown table row has as many cells as its header.
    for block in md.split("\n\n"):
        lines = [ln for ln in block.splitlines() if ln.startswith("|")]
        if lines:
            assert len({ln.replace("\\|", "").count("|") for ln in lines}) == 1, block


def test_results_hold_no_local_paths(quick_run):
    """Does the JSON describe the machine and data without file paths of this machine?"""
    results, raw = quick_run
    paths = {str(Path.home()), str(ROOT), os.environ.get("MNISTLIB_DATA", "")}
    for path in (p for p in paths if len(p) > 1):
        assert path not in raw
    assert results["machine"]["numpy"] == np.__version__
    assert all("filepath" not in b for b in results["machine"]["blas"])


def test_partial_run_needs_no_data_and_keeps_the_committed_results(tmp_path, monkeypatch):
    """Does `--sections 6` run without MNIST and leave benchmarks/results/<date>.json alone?"""
    import benchmarks.run as run_module

    def no_data(subset):
        raise AssertionError("section 6 alone must not load MNIST")

    monkeypatch.setattr(run_module, "load_data", no_data)
    monkeypatch.setattr(run_module, "RESULTS", tmp_path)
    assert main(["--sections", "6"]) == 0
    assert list(tmp_path.iterdir()) == []
