"""Turn a benchmark run (the JSON ``benchmarks.run`` writes) into a text table or Markdown.

``python -m benchmarks.report benchmarks/results/<date>.json`` prints the Markdown
"Performance" section for the README.
"""

from __future__ import annotations

import argparse
import json
import sys

__all__ = ["format_text", "format_markdown", "main"]

TABLES = [("columns", "rows"), ("epoch_columns", "epoch_rows"), ("final_columns", "final")]


def _cell(row, key, fmt):
    value = row.get(key)
    if value is None or value == "":
        return ""
    try:
        return fmt.format(value)
    except (ValueError, TypeError):
        return str(value)


def _tables(section, readme=False):
    """(headers, list of cell lists) for every table of a section.

    With ``readme=True`` only the tables the section lists in ``readme_tables`` (default: all).
    """
    for col_key, row_key in TABLES:
        if readme and col_key not in section.get("readme_tables", [c for c, _ in TABLES]):
            continue
        columns = section.get(col_key)
        rows = section.get(row_key)
        if not columns or rows is None:
            continue
        rows = [rows] if isinstance(rows, dict) else rows
        headers = [header for _, header, _ in columns]
        cells = []
        for row in rows:
            if "skipped" in row:
                first = [_cell(row, key, fmt) for key, _, fmt in columns[:2]]
                cells.append(first + [row["skipped"]] + [""] * (len(columns) - 3))
            else:
                cells.append([_cell(row, key, fmt) for key, _, fmt in columns])
        yield headers, cells


def _mark(met):
    return {True: "met", False: "NOT met", None: "n/a"}[met]


def format_text(results):
    """Plain-text tables of every section, with targets and notes."""
    out = []
    for key in sorted(results["sections"]):
        section = results["sections"][key]
        out += ["", section["title"], "=" * len(section["title"])]
        for headers, cells in _tables(section):
            widths = [max([len(h)] + [len(c[i]) for c in cells if i < len(c)])
                      for i, h in enumerate(headers)]
            out.append("  ".join(h.ljust(w) for h, w in zip(headers, widths)))
            out.append("  ".join("-" * w for w in widths))
            for c in cells:
                out.append("  ".join(v.ljust(w) for v, w in zip(c, widths)).rstrip())
            out.append("")
        for t in section.get("targets", []):
            out.append(f"[{_mark(t['met'])}] {t['name']}: goal {t['goal']}, measured {t['value']}")
        for note in section.get("notes", []):
            out.append(f"note: {note}")
    return "\n".join(out)


def _md_escape(text):
    return str(text).replace("|", "\\|")


def machine_line(machine):
    blas = machine.get("numpy_blas") or ", ".join(
        f"{b.get('internal_api')} {b.get('version')}" for b in machine.get("blas", []))
    parts = [machine.get("description", "?"), f"CPU {machine.get('cpu_model', '?')}",
             f"Python {machine.get('python')}", f"numpy {machine.get('numpy')}"
             + (f" ({blas})" if blas else ""), f"scikit-learn {machine.get('scikit_learn')}",
             f"PyTorch {machine['torch']} (CPU)" if machine.get("torch") else "PyTorch not installed"]
    if machine.get("load_average_at_start") is not None:
        parts.append(f"load average {machine['load_average_at_start']:g} when the run started")
    return "; ".join(parts)


def format_markdown(results, heading="## Performance"):
    """A README-ready Markdown section: machine, then each section's tables and targets."""
    m = results["machine"]
    out = [heading, "",
           f"Measured by `python -m benchmarks` on {m.get('date')} ({results.get('total_s', 0) / 60:.0f} "
           f"minutes in all) on full MNIST, float32 pixels in [0, 1]: {machine_line(m)}. Times are "
           f"wall-clock medians of repeated runs (see `benchmarks/README.md`); the raw figures are in "
           f"`benchmarks/results/`.", ""]
    for key in sorted(results["sections"]):
        section = results["sections"][key]
        out += [f"**{section['title']}**", ""]
        for headers, cells in _tables(section, readme=True):
            out.append("| " + " | ".join(_md_escape(h) for h in headers) + " |")
            out.append("|" + "|".join(" --- " for _ in headers) + "|")
            for c in cells:
                out.append("| " + " | ".join(_md_escape(v) for v in c) + " |")
            out.append("")
        for t in section.get("targets", []):
            out.append(f"- {t['name']} (goal {t['goal']}): {t['value']}, **{_mark(t['met'])}**")
        for note in section.get("notes", []):
            out.append(f"- {note}")
        if section.get("targets") or section.get("notes"):
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.report", description=__doc__)
    parser.add_argument("json_file", help="a file written by python -m benchmarks")
    parser.add_argument("--text", action="store_true", help="plain-text tables instead of Markdown")
    parser.add_argument("--reread-costs", action="store_true",
                        help="section 6 from the current book_build.json / autograde.json "
                             "(written after the run) instead of what the run found")
    args = parser.parse_args(argv)
    with open(args.json_file, encoding="utf-8") as f:
        results = json.load(f)
    if args.reread_costs:
        from . import course_costs

        results["sections"]["6"] = course_costs.run()
    sys.stdout.write(format_text(results) + "\n" if args.text else format_markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
