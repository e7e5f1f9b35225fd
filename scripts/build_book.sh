#!/usr/bin/env bash
# README's build command: builds the book's HTML strictly (warnings are errors).
#
#   bash scripts/build_book.sh            # full MNIST (MNISTLIB_DATA, the cache, or a download)
#   MNISTLIB_BOOK_SUBSET=mini bash scripts/build_book.sh   # embedded 5000/1000/1000 subset, offline
#   bash scripts/build_book.sh --all      # extra arguments go to `jupyter-book build`
#
# Output: _build/html/index.html (full MNIST) or _build/mini/_build/html/index.html (mini subset).
# The two data choices keep separate execution caches, so switching never shows stale results.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=scripts/setup_env.sh
. scripts/setup_env.sh

subset=${MNISTLIB_BOOK_SUBSET:-full}
case "$subset" in
  full) out_args=(); build_dir=_build ;;
  mini) out_args=(--path-output _build/mini); build_dir=_build/mini/_build ;;
  *) echo "MNISTLIB_BOOK_SUBSET must be 'full' or 'mini', not '$subset'." >&2; exit 2 ;;
esac
# Full MNIST must be here (or downloadable now) before any chapter runs: offline, this stops
# the build in seconds with one message, instead of every chapter failing in turn.
if [ "$subset" = full ]; then
  python scripts/book_data_preflight.py
fi

# --- MathJax served from the built site (no CDN) ---------------------------------------
mathjax_src=node_modules/mathjax/es5
if [ ! -f "$mathjax_src/tex-mml-chtml.js" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm is needed once, to fetch MathJax (package.json). Installing Debian's npm..."
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq npm >/dev/null
  fi
  npm ci --no-audit --no-fund --loglevel=error
fi
# html_extra_path in _config.yml points at _build/offline_assets: its contents land at the
# root of the built site, so pages load mathjax/tex-mml-chtml.js from there.
assets=_build/offline_assets/mathjax
rm -rf "$assets"
mkdir -p "$assets/output/chtml/fonts" "$assets/input/tex"
cp "$mathjax_src/tex-mml-chtml.js" "$assets/"
cp -r "$mathjax_src/output/chtml/fonts/woff-v2" "$assets/output/chtml/fonts/"
cp -r "$mathjax_src/input/tex/extensions" "$assets/input/tex/"

# --- The build --------------------------------------------------------------------------
# An explicit --path-output (scripts/benchmark_book_build.py) moves the build, its execution
# cache and its stamp below: they must not touch those of the default folder.
args=("$@")
for i in "${!args[@]}"; do
  if [ "${args[$i]}" = "--path-output" ] && [ $((i + 1)) -lt ${#args[@]} ]; then
    build_dir="${args[$((i + 1))]}/_build"
  fi
done
# The execution cache only notices changes to a chapter's own code. When the code the
# chapters import (mnistlib) changes, drop the cache and re-read every page.
code_hash=$(cat $(find mnistlib -name '*.py' | LC_ALL=C sort) | sha256sum | cut -c1-16)
stamp="$build_dir/.imported_code_hash"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" != "$code_hash" ]; then
  echo "mnistlib changed since the last build: re-executing every chapter."
  rm -rf "$build_dir/.jupyter_cache"
  out_args+=(--all)
fi
export MNISTLIB_BOOK_SUBSET=$subset
# Figures must go inline into the executed notebooks, whatever backend the caller's shell sets.
export MPLBACKEND=module://matplotlib_inline.backend_inline
# Several chapters execute at once (Sphinx -j; jupyter-book's own command cannot ask for it).
python scripts/jupyter_book_build.py . -W -n --keep-going "${out_args[@]}" "$@"
mkdir -p "$build_dir" && echo "$code_hash" > "$stamp"
