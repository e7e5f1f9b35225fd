"""Autograde time per submission, for each assignment (a benchmark, not a test).

    sudo .venv/bin/python scripts/benchmark_autograde.py            # 6 submissions per assignment
    sudo .venv/bin/python scripts/benchmark_autograde.py --submissions 10 --json out.json

For each assignment it builds a scratch course with N copies of the answered notebook (every
cell runs to the end: the slowest case), grades the class with the real pipeline
(``grading.autograde_class``: sandbox, repair, nbgrader, feedback) and reports the median
seconds per submission, the fixed cost of a class run (gradebook update, sandbox self-test),
and the time a class of 200 would take. Writes ``benchmarks/results/autograde.json``, which
the benchmarks report (section 6) reads.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grading import fixtures as fx  # noqa: E402
from grading.autograde_class import autograde_class  # noqa: E402


def measure(assignment, n_submissions, workdir):
    course = fx.make_course(Path(workdir) / assignment, [assignment])
    for i in range(n_submissions):
        fx.write(fx.answered(assignment), course / "submitted" / f"student{i:03d}" / assignment,
                 fx.ASSIGNMENTS[assignment])
    started = time.perf_counter()
    results, _ = autograde_class(assignment, course_dir=course, log=lambda message: None)
    total = time.perf_counter() - started
    per = [r.seconds for r in results]
    if any(r.status != "graded" for r in results):
        raise SystemExit(f"{assignment}: a benchmark submission was not graded: "
                         + "; ".join(r.reason for r in results if r.status != "graded"))
    median = statistics.median(per)
    return {"assignment": assignment, "n_submissions": n_submissions,
            "median_s": round(median, 2), "min_s": round(min(per), 2),
            "max_s": round(max(per), 2), "class_run_s": round(total, 1),
            "fixed_cost_s": round(total - sum(per), 1),
            "class_of_200_min": round((total - sum(per) + 200 * median) / 60, 1)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=6, help="submissions per assignment")
    parser.add_argument("--assignment", action="append", choices=list(fx.ASSIGNMENTS))
    parser.add_argument("--json", default=str(ROOT / "benchmarks" / "results" / "autograde.json"))
    args = parser.parse_args(argv)
    reason = fx.sandbox_unavailable()
    if reason:
        raise SystemExit(reason)
    workdir = tempfile.mkdtemp(prefix="autograde-bench-")
    rows = []
    try:
        for assignment in args.assignment or list(fx.ASSIGNMENTS):
            row = measure(assignment, args.submissions, workdir)
            rows.append(row)
            print(f"{assignment:18s} median {row['median_s']:5.2f} s per submission "
                  f"(min {row['min_s']:.2f}, max {row['max_s']:.2f}; fixed cost per class run "
                  f"{row['fixed_cost_s']:.1f} s; a class of 200: {row['class_of_200_min']:.1f} min)")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    slowest = max(rows, key=lambda r: r["median_s"])
    result = {
        "seconds_per_submission": slowest["median_s"],
        "n_submissions": args.submissions,
        "total_s": round(sum(r["class_run_s"] for r in rows), 1),
        "date": datetime.date.today().isoformat(),
        "command": "scripts/benchmark_autograde.py --submissions %d" % args.submissions,
        "notes": ("median per submission of the slowest assignment; answered notebooks (all "
                  f"cells run); {os.cpu_count()} cores, {platform.machine()}, Python "
                  f"{platform.python_version()}"),
        "per_assignment": rows,
    }
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    with open(args.json, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)
    print(f"written: {args.json}")


if __name__ == "__main__":
    main()
