#!/usr/bin/env bash
# Regenerate the student notebooks exercises/<assignment>/ from the instructor notebooks
# solutions/<assignment>/ with nbgrader (solutions replaced by stubs, hidden tests removed,
# outputs cleared). It also records each assignment's cells and points in gradebook.db, the
# instructor-only gradebook beside nbgrader_config.py.
#
#   bash scripts/release_assignments.sh              # all assignments
#   bash scripts/release_assignments.sh 02_sgd       # one or more by name
#
# Commit the updated exercises/: a test fails when they are out of date.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
. scripts/setup_env.sh  # the venv's bin/ must be on PATH: nbgrader runs alembic from there
if [ "$#" -gt 0 ]; then
  assignments=("$@")
else
  assignments=()
  for dir in solutions/*/; do
    assignments+=("$(basename "$dir")")
  done
fi
for assignment in "${assignments[@]}"; do
  if [ ! -d "solutions/$assignment" ]; then
    echo "No folder solutions/$assignment: the assignments are $(ls solutions | tr '\n' ' ')" >&2
    exit 2
  fi
  nbgrader generate_assignment "$assignment" --force --log-level=WARN
  echo "exercises/$assignment/ regenerated from solutions/$assignment/"
done
