"""Time the book build: clean (fresh output folder, no execution cache) and cached (again).

Writes benchmarks/results/book_build.json, read by the benchmarks' section 6.
Usage: python scripts/benchmark_book_build.py   (full MNIST: set MNISTLIB_DATA or have a cache)
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed_build(output):
    start = time.perf_counter()
    proc = subprocess.run(["bash", "scripts/build_book.sh", "--path-output", str(output)],
                          cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"the book build failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return seconds


def main():
    with tempfile.TemporaryDirectory() as out:
        clean = timed_build(out)
        cached = timed_build(out)
    load = os.getloadavg()[0]
    result = {"clean_s": round(clean, 1), "cached_s": round(cached, 1),
              "date": date.today().isoformat(),
              "command": "bash scripts/build_book.sh (fresh output folder, then again)",
              "notes": f"full MNIST, 2-core machine, load average {load:.1f} at the end"}
    path = ROOT / "benchmarks" / "results" / "book_build.json"
    path.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
