"""Autograde time per submission, for each assignment (a benchmark, not a test).

    python scripts/benchmark_autograde.py            # 6 submissions per assignment
    python scripts/benchmark_autograde.py --submissions 10 --json out.json
    python scripts/benchmark_autograde.py --throughput 40 [--repeats 3] [--old-grading DIR]

``--throughput N`` grades one class of N answered submissions of 01_softmax with 1 worker, 2
workers (``--jobs 2``) and a 2-worker Dask ``LocalCluster``, each ``--repeats`` times in turn,
and reports the median run's submissions per minute, the cores the run kept busy (from
``/proc/stat``) and the most 2 workers can give by Amdahl's law (the 1-worker run's serial part:
the self-test, gradebook and CSV around the tasks);
it also grades a few submissions with and without the jail (``--sandbox none``) to give the
jail's cost per submission, and, with ``--old-grading DIR`` (the ``grading`` package of an
earlier commit, e.g. from ``git archive``), the cost of that version's jail the same way. It
records the load average, since other work on the machine slows every figure.

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
sys.path.insert(0, str(ROOT / "tests"))  # the classes are built by the grading tests' fixtures

import _grading_fixtures as fx  # noqa: E402
from grading.autograde_class import autograde_class  # noqa: E402


def _class(folder, assignment, n):
    course = fx.make_course(folder, [assignment])
    for i in range(n):
        fx.write(fx.answered(assignment), course / "submitted" / f"student{i:03d}" / assignment,
                 fx.ASSIGNMENTS[assignment])
    return course


def _cpu_jiffies():
    """(busy, total) CPU time of the whole machine from /proc/stat, in clock ticks."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def _timed(course, assignment, **kwargs):
    busy_before, all_before = _cpu_jiffies()
    started = time.perf_counter()
    results, _ = autograde_class(assignment, course_dir=course, log=lambda message: None,
                                 **kwargs)
    total = time.perf_counter() - started
    busy_after, all_after = _cpu_jiffies()
    # Cores kept busy on average: the machine's busy share times its core count. On a quiet
    # machine this is the run's own parallelism, the ceiling a second worker can add to.
    busy_cores = (os.cpu_count() * (busy_after - busy_before)
                  / max(all_after - all_before, 1))
    bad = [r for r in results if r.status != "graded"]
    if bad:
        raise SystemExit(f"a benchmark submission was not graded: {bad[0].reason}")
    return total, results, busy_cores


def _old_jail_cost(old_grading, folder, n):
    """Median seconds per submission of an earlier grading package, jailed and not."""
    import subprocess

    code = (
        "import json, statistics, sys\n"
        "from grading.autograde_class import autograde_class\n"
        "out = {}\n"
        "for mode in ('user', 'none'):\n"
        "    r, _ = autograde_class('01_softmax', course_dir=sys.argv[1] + '/' + mode, "
        "sandbox=mode, log=lambda m: None)\n"
        "    out[mode] = statistics.median(x.seconds for x in r)\n"
        "print(json.dumps(out))\n")
    for mode in ("user", "none"):
        _class(Path(folder) / mode, "01_softmax", n)
    env = dict(os.environ, PYTHONPATH=f"{old_grading}:{ROOT}")
    done = subprocess.run([sys.executable, "-c", code, str(folder)], env=env,
                          capture_output=True, text=True, cwd=old_grading)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1:]}
    medians = json.loads(done.stdout.strip().splitlines()[-1])
    return {"jailed_s": round(medians["user"], 3), "unjailed_s": round(medians["none"], 3),
            "jail_cost_s": round(medians["user"] - medians["none"], 3)}


MODES = (("1 worker", {"jobs": 1}), ("2 workers (--jobs 2)", {"jobs": 2}),
         ("Dask LocalCluster, 2 workers", None))


def _class_run(n, folder, kwargs):
    """(seconds, results, busy cores) of one class run of n submissions in one mode."""
    from distributed import LocalCluster

    course = _class(folder, "01_softmax", n)
    if kwargs is not None:
        return _timed(course, "01_softmax", **kwargs)
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=None)
    try:
        return _timed(course, "01_softmax", scheduler=cluster.scheduler_address)
    finally:
        cluster.close()


def throughput(n, workdir, old_grading=None, jail_n=8, repeats=3):
    """Submissions per minute for 1 worker, 2 workers and a 2-worker Dask LocalCluster.

    Each mode runs ``repeats`` times, the modes taking turns so that a change of load touches
    all of them; the median run of each mode is reported.
    """
    load_before = os.getloadavg()
    samples = {label: [] for label, _ in MODES}
    for repeat in range(repeats):
        for label, kwargs in MODES:
            folder = Path(workdir) / f"{label.split()[0].lower()}-{repeat}"
            total, results, busy = _class_run(n, folder, kwargs)
            # What no worker can share: the self-test, gradebook and CSV around the tasks.
            fixed = total - sum(r.seconds for r in results) if kwargs == {"jobs": 1} else None
            samples[label].append((total, busy, fixed))
            print(f"{label:30s} {n} submissions in {total:6.1f} s: "
                  f"{60 * n / total:.1f} per minute, {busy:.2f} cores busy")
    runs = {}
    for label, rows in samples.items():
        total, busy, fixed = sorted(rows)[len(rows) // 2]
        runs[label] = {"class_run_s": round(total, 1),
                       "submissions_per_min": round(60 * n / total, 1),
                       "busy_cores": round(busy, 2),
                       "all_class_run_s": [round(r[0], 1) for r in rows]}
        if fixed is not None:
            runs[label]["fixed_s"] = round(fixed, 1)
    one = runs["1 worker"]["submissions_per_min"]
    for row in runs.values():
        row["speedup"] = round(row["submissions_per_min"] / one, 2)
    # Amdahl's bound for 2 workers: the fixed part runs once, the tasks split over two.
    fixed, total = runs["1 worker"]["fixed_s"], runs["1 worker"]["class_run_s"]
    ceiling = round(total / (fixed + (total - fixed) / 2), 2)
    jail = {}
    for mode in ("bwrap", "none"):
        course = _class(Path(workdir) / f"jail-{mode}", "01_softmax", jail_n)
        _, results, _ = _timed(course, "01_softmax", sandbox=mode, jobs=1)
        jail[mode] = statistics.median(r.seconds for r in results)
    new_cost = {"jailed_s": round(jail["bwrap"], 3), "unjailed_s": round(jail["none"], 3),
                "jail_cost_s": round(jail["bwrap"] - jail["none"], 3)}
    old_cost = (_old_jail_cost(old_grading, Path(workdir) / "old", jail_n)
                if old_grading else None)
    print(f"jail cost per submission: bubblewrap {new_cost['jail_cost_s']:+.3f} s"
          + (f", previous jail {old_cost.get('jail_cost_s')}" if old_cost else ""))
    print(f"serial part of the 1-worker run {fixed:.1f} s of {total:.1f} s: 2 workers can give at "
          f"most {ceiling:.2f}x")
    return {"n_submissions": n, "runs": runs, "two_worker_ceiling": ceiling,
            "jail_new": new_cost, "jail_old": old_cost,
            "jail_submissions": jail_n, "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()]}


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
    parser.add_argument("--throughput", type=int, metavar="N",
                        help="measure submissions per minute on a class of N (at least 40)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="class runs per mode for --throughput (the median is reported)")
    parser.add_argument("--old-grading", help="folder holding an earlier grading package, to "
                        "measure its jail's cost the same way")
    args = parser.parse_args(argv)
    if args.throughput is not None:
        if args.throughput < 40:
            parser.error("--throughput needs a class of at least 40 submissions")
        workdir = tempfile.mkdtemp(prefix="autograde-bench-")
        try:
            figures = throughput(args.throughput, workdir, args.old_grading,
                                 repeats=args.repeats)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        figures.update(date=datetime.date.today().isoformat(),
                       command=(f"scripts/benchmark_autograde.py --throughput {args.throughput} "
                                f"--repeats {args.repeats}"),
                       notes=f"01_softmax, answered notebooks; {os.cpu_count()} cores, "
                             f"{platform.machine()}, Python {platform.python_version()}")
        path = Path(args.json).with_name("autograde_throughput.json")
        path.write_text(json.dumps(figures, indent=1))
        print(f"written: {path}")
        return
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
