#!/usr/bin/env bash
# README's test command: installs what the tests need, then runs the whole suite
# (unit tests, the strict book build and its browser check, the solution notebooks, autograding).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
. scripts/setup_env.sh
if ! command -v chromium >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser test..."
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
fi
if ! command -v bwrap >/dev/null 2>&1; then
  # The grader jails student kernels with bubblewrap (the pip wheel is the fallback).
  echo "Installing Debian's bubblewrap for the grading tests..."
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq bubblewrap >/dev/null
fi
python -m pytest "$@"
