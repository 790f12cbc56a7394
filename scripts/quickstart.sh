#!/usr/bin/env bash
# The README's first command: installs every dependency, builds Release, and runs the built-in demo
# end to end (the project's own small model at 7 precisions: perplexity, KL divergence, task
# accuracy and calibration, speed, cost), with nothing to download.
#
#   bash scripts/quickstart.sh [--headless] [--out DIR]
#
# With a display, the desktop workbench opens on the demo workspace and starts its run; otherwise
# (no DISPLAY/WAYLAND_DISPLAY, or --headless) `quantscope-cli demo` runs it and writes the report
# (HTML + PDF), the results CSV/JSON/database and the charts (PNG + SVG) into DIR (default
# out/demo), whose path it prints. It builds only the program it runs (not the tests: those are
# built by scripts/test.sh) and prints how long each phase took.
set -euo pipefail
cd "$(dirname "$0")/.."

headless=0
out=out/demo
while [ $# -gt 0 ]; do
  case "$1" in
    --headless) headless=1 ;;
    --out) out=${2:?--out needs a folder}; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "quickstart: unknown option '$1' (options: --headless, --out DIR)" >&2; exit 2 ;;
  esac
  shift
done

# Each phase prints how long it took, so a slow first run shows where the time goes.
phase_start=$(date +%s)
phase_done() {
  local now
  now=$(date +%s)
  echo "quickstart: $1 took $((now - phase_start)) s" >&2
  phase_start=$now
}

bash scripts/install-deps.sh
phase_done "installing dependencies"

CLI=build/release/app/cli/quantscope-cli
GUI=build/release/app/gui/quantscope
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then headless=1; fi

cmake --preset release
phase_done "configuring"
# Only what this script runs: the workbench with a display, the command line without one. The test
# suite (most of a full build) is built by scripts/test.sh.
target=quantscope-cli
if [ "$headless" = 0 ]; then
  if grep -q '^QS_BUILD_GUI:BOOL=ON' build/release/CMakeCache.txt; then
    target=quantscope
  else
    echo "quickstart: no workbench in this build (QS_BUILD_GUI=OFF): running the demo headless" >&2
    headless=1
  fi
fi
cmake --build --preset release -j "$(nproc)" --target "$target"
phase_done "building $target"

# Idle OpenMP threads sleep instead of spinning: on a busy machine (other programs on the same
# cores) spinning makes 2 threads several times slower than 1 (docs/performance.md).
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
status=0
if [ "$headless" = 0 ]; then
  "$GUI" --demo || status=$?
  phase_done "the workbench (until it was closed)"
else
  "$CLI" demo --headless --out "$out" || status=$?
  phase_done "the demo"
fi
exit "$status"
