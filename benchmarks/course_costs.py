"""Section 6: the course's own costs, book build time and autograde time per submission.

These are measured by the book build and by the grading pipeline, which write their figures
to ``benchmarks/results/book_build.json`` and ``benchmarks/results/autograde.json``; this
section reads them (it does not rebuild the book or regrade). The expected keys are::

    book_build.json:  {"clean_s": 95.0, "cached_s": 12.0, "date": "...", "command": "...",
                       "notes": "..."}
    autograde.json:   {"seconds_per_submission": 2.1, "n_submissions": 10, "total_s": 21.0,
                       "date": "...", "command": "...", "notes": "...",
                       "per_assignment": [{"assignment": "01_softmax", "median_s": 2.1,
                                           "n_submissions": 10, "class_run_s": 25.0}, ...]}

Missing files or keys are reported as "not measured" with the file to write.
"""

from __future__ import annotations

import json
from pathlib import Path

TITLE = "6. The course's own costs"
COLUMNS = [("what", "what", "{}"), ("time_s", "time [s]", "{:.1f}"), ("measured", "measured", "{}"),
           ("how", "how", "{}")]

RESULTS = Path(__file__).resolve().parent / "results"

ITEMS = [
    ("book_build.json", "clean_s", "book build, clean (no execution cache)"),
    ("book_build.json", "cached_s", "book build, cached (nothing changed)"),
    ("autograde.json", "seconds_per_submission", "autograde, per submission"),
]


def _read(path):
    """The JSON object in ``path``, or (None, why not)."""
    if not path.is_file():
        return None, f"not measured: {path.name} not found"
    try:
        with open(path, encoding="utf-8") as f:
            content = json.load(f)
    except (OSError, ValueError) as exc:
        return None, f"not measured: {path.name} is not readable JSON ({exc})"
    if not isinstance(content, dict):
        return None, f"not measured: {path.name} must hold a JSON object"
    return content, None


def _per_assignment(content):
    """One row per assignment when autograde.json lists them (``per_assignment``)."""
    rows = []
    for item in content.get("per_assignment") or []:
        if isinstance(item, dict) and isinstance(item.get("median_s"), (int, float)):
            rows.append({"what": f"  {item.get('assignment', '?')}: per submission (median)",
                         "time_s": float(item["median_s"]), "measured": content.get("date", "?"),
                         "how": f"{item.get('n_submissions', '?')} submissions, class run "
                                f"{item.get('class_run_s', '?')} s"})
    return rows


def run(data=None, settings=None, results_dir=None):
    """Read the figures measured elsewhere; ``results_dir`` defaults to ``benchmarks/results``."""
    folder = Path(results_dir) if results_dir is not None else RESULTS
    rows, sources = [], {}
    for filename, key, what in ITEMS:
        if filename not in sources:
            sources[filename] = _read(folder / filename)
        content, why_not = sources[filename]
        value = content.get(key) if content is not None else None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            row = {"what": what, "time_s": float(value), "measured": content.get("date", "?"),
                   "how": content.get("command", "")}
            extra = {k: v for k, v in content.items() if k not in (key, "date", "command")}
            if extra:
                row["details"] = extra
        else:
            reason = why_not or f"not measured: {filename} has no number under {key!r}"
            row = {"what": what, "skipped": reason + " (written by the build / grading "
                                                      "benchmarks into benchmarks/results/)"}
        rows.append(row)
        if filename == "autograde.json" and content is not None and "time_s" in row:
            rows += _per_assignment(content)
    targets, notes = _throughput(folder, rows)
    return {"title": TITLE, "columns": COLUMNS, "rows": rows, "targets": targets, "notes": notes}


#: Targets of the class grader on a 2-core machine.
SPEEDUP_TARGET = 1.7  # 2 workers against 1
JAIL_COST_TARGET_S = 0.2  # seconds the jail adds per submission


def _throughput(folder, rows):
    """Rows, targets and notes from ``autograde_throughput.json`` (written by
    ``scripts/benchmark_autograde.py --throughput N``): submissions per minute by number of
    workers, and the jail's cost per submission."""
    content, why_not = _read(folder / "autograde_throughput.json")
    if content is None:
        return [], [f"autograde throughput {why_not} (written by "
                    "scripts/benchmark_autograde.py --throughput 40)"]
    n = content.get("n_submissions", "?")
    for label, run in (content.get("runs") or {}).items():
        rows.append({"what": f"autograde a class of {n}, {label}",
                     "time_s": float(run["class_run_s"]), "measured": content.get("date", "?"),
                     "how": f"{run['submissions_per_min']} submissions per minute, "
                            f"x{run['speedup']} of 1 worker"
                            + (f", {run['busy_cores']} cores busy" if "busy_cores" in run
                               else "")})
    for key, label in (("jail_new", "bubblewrap jail"), ("jail_old", "previous jail")):
        cost = content.get(key)
        if isinstance(cost, dict) and "jail_cost_s" in cost:
            # A difference of two medians: noise can make it negative.
            rows.append({"what": f"{label}: cost per submission", "time_s": cost["jail_cost_s"],
                         "difference": True,
                         "measured": content.get("date", "?"),
                         "how": f"median {cost['jailed_s']} s jailed, {cost['unjailed_s']} s "
                                f"without (--sandbox none), "
                                f"{content.get('jail_submissions', '?')} submissions"})
    targets = []
    two = next((r for label, r in (content.get("runs") or {}).items()
                if label.startswith("2 workers")), None)
    if two is not None:
        targets.append({"name": "2 workers against 1 (throughput)", "goal": f">= x{SPEEDUP_TARGET}",
                        "value": f"x{two['speedup']}", "met": two["speedup"] >= SPEEDUP_TARGET})
    new = content.get("jail_new") or {}
    if "jail_cost_s" in new:
        targets.append({"name": "time the jail adds per submission",
                        "goal": f"<= {JAIL_COST_TARGET_S} s", "value": f"{new['jail_cost_s']} s",
                        "met": new["jail_cost_s"] <= JAIL_COST_TARGET_S})
    notes = []
    if content.get("two_worker_ceiling"):
        fixed = (content.get("runs") or {}).get("1 worker", {}).get("fixed_s", "?")
        notes.append(f"the 1-worker run spends {fixed} s outside the submissions' tasks (self-"
                     "test, gradebook, CSV), which a second worker cannot share: 2 workers can "
                     f"give at most x{content['two_worker_ceiling']} (Amdahl's law)")
    if content.get("load_average_before"):
        notes.append("load average (1, 5, 15 min) before the run "
                     f"{content['load_average_before']}, after {content.get('load_average_after')}"
                     ": other work on the machine slows every figure")
    return targets, notes
