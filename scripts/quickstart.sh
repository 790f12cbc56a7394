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
# out/demo), whose path it prints.
set -euo pipefail
cd "$(dirname "$0")/.."

headless=0
out=out/demo
while [ $# -gt 0 ]; do
  case "$1" in
    --headless) headless=1 ;;
    --out) out=${2:?--out needs a folder}; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "quickstart: unknown option '$1' (options: --headless, --out DIR)" >&2; exit 2 ;;
  esac
  shift
done

bash scripts/install-deps.sh
cmake --preset release
cmake --build --preset release -j "$(nproc)"

CLI=build/release/app/cli/quantscope-cli
GUI=build/release/app/gui/quantscope
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then headless=1; fi

if [ "$headless" = 0 ]; then
  if [ -x "$GUI" ]; then exec "$GUI" --demo; fi
  echo "quickstart: no workbench in this build (QS_BUILD_GUI=OFF): running the demo headless" >&2
fi
# Idle OpenMP threads sleep instead of spinning: on a busy machine (other programs on the same
# cores) spinning makes 2 threads several times slower than 1 (docs/performance.md).
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
exec "$CLI" demo --headless --out "$out"
