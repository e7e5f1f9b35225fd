"""The benchmark command: ``python -m benchmarks [--quick] [--json OUT.json] [--sections 1,3]``.

Runs the sections of ``benchmarks/README.md`` on full MNIST (or, with ``--quick``, on the
embedded mini subset with tiny sizes), prints a table per section and writes every figure
as JSON (a full run writes ``benchmarks/results/<date>.json`` unless ``--json`` says where).
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import time
from pathlib import Path

from . import best_linear, course_costs, l1_sparsity, mlp, roofline, softmax_speed
from ._common import full_settings, load_data, machine, quick_settings
from .report import format_text

__all__ = ["main", "run_benchmarks"]

SECTIONS = ("1", "2", "3", "4", "5", "6")
RESULTS = Path(__file__).resolve().parent / "results"

DATA_DESCRIPTIONS = {
    "full": "full MNIST (the four original files), float32 pixels / 255",
    "mini": "the embedded mini subset (5,000 / 1,000 / 1,000 rows), float32 pixels / 255",
}


def run_benchmarks(settings, sections=SECTIONS, log=print):
    """Run the chosen sections; return the results as a JSON-ready dict.

    Section 2 runs before section 1 when both are chosen: section 1 compares
    scikit-learn with section 2's best recipe ("to a comparable accuracy").
    """
    start = time.perf_counter()
    # Section 6 only reads files: no data needed when it runs alone.
    data = load_data(settings.subset) if set(sections) - {"6"} else None
    results = {"machine": machine(), "settings": settings.as_dict(),
               "data": DATA_DESCRIPTIONS[settings.subset], "subset": settings.subset,
               "sections": {}, "section_s": {}}
    order = sorted(sections, key=lambda k: (k != "2", k))
    for key in order:
        log(f"running section {key} ...", file=sys.stderr)
        t0 = time.perf_counter()
        if key == "1":
            section = softmax_speed.run(data, settings, best=results["sections"].get("2"))
        elif key == "2":
            section = best_linear.run(data, settings)
        elif key == "3":
            section = roofline.run(data, settings)
        elif key == "4":
            section = mlp.run(data, settings)
        elif key == "5":
            section = l1_sparsity.run(data, settings)
        elif key == "6":
            section = course_costs.run(data, settings)
        else:
            raise ValueError(f"unknown section {key!r}; choose among {', '.join(SECTIONS)}")
        results["sections"][key] = section
        results["section_s"][key] = time.perf_counter() - t0
        log(f"section {key} took {results['section_s'][key]:.1f} s", file=sys.stderr)
    results["total_s"] = time.perf_counter() - start
    return results


def _sections(text):
    keys = [k.strip() for k in text.split(",") if k.strip()]
    bad = [k for k in keys if k not in SECTIONS]
    if bad or not keys:
        raise argparse.ArgumentTypeError(
            f"sections are a comma-separated list of {', '.join(SECTIONS)}; got {text!r}")
    return keys


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="mnistlib against scikit-learn and PyTorch, and the course's own costs "
                    "(4 to 7 minutes on full MNIST; see benchmarks/README.md).")
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes on the embedded mini subset (seconds; checks that "
                             "every section runs, the figures mean nothing)")
    parser.add_argument("--json", metavar="OUT.json",
                        help="where to write the results (default for a full run of every "
                             "section: benchmarks/results/<date>.json; a quick or partial run "
                             "writes none)")
    parser.add_argument("--sections", type=_sections, default=list(SECTIONS),
                        help="comma-separated sections to run, e.g. 1,3 (default: all)")
    parser.add_argument("--repeats", type=int, help="repetitions of the cheap measurements")
    args = parser.parse_args(argv)

    settings = quick_settings() if args.quick else full_settings()
    if args.repeats is not None:
        if args.repeats < 1:
            parser.error("--repeats must be at least 1")
        settings.repeats = args.repeats
    results = run_benchmarks(settings, args.sections)
    print(format_text(results))
    out = args.json
    if out is None and not args.quick and sorted(args.sections) == sorted(SECTIONS):
        out = RESULTS / f"{datetime.date.today().isoformat()}.json"
    if out is not None:
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        with open(out, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=1)
            f.write("\n")
        print(f"\nresults written to {out}", file=sys.stderr)
    return 0
