#!/usr/bin/env bash
# Create (or reuse) the project's virtual environment in .venv and install the pinned toolchain.
# Sourced by build_book.sh and run_tests.sh so that both work on a fresh machine.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ ! -x "$root/.venv/bin/python" ]; then
  python3 -m venv "$root/.venv"
fi
# shellcheck disable=SC1091
. "$root/.venv/bin/activate"
# find_spec, not import: importing mnistlib (scikit-learn) costs a second on every build.
if ! python -c "import importlib.util as u; assert u.find_spec('mnistlib')" 2>/dev/null || [ "$root/requirements.txt" -nt "$root/.venv/.installed" ]; then
  python -m pip install -q --upgrade pip
  python -m pip install -q -r "$root/requirements.txt" -e "$root"
  touch "$root/.venv/.installed"
fi
