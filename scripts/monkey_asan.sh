#!/usr/bin/env bash
# The GUI monkey test (tests/ui/test_monkey.cpp) on the AddressSanitizer + UBSan build (the `debug`
# preset, clang-14): seeded random clicks, keys, wheel turns, tab switches and file drops on the
# workbench during a real M1 run, then the run must end and the database be sound. ASan stops the
# test at the first use of freed or foreign memory; UBSan at undefined behaviour.
#
#   bash scripts/monkey_asan.sh [--seeds N] [--events N]      (defaults: 5 seeds × 400 events)
#
# Builds test_ui_monkey in build/debug (the tree the sanitized unit tests and fuzzers use). Needs
# ../shared (M1 and ARC-Easy). Minutes: the engine and the GUI are compiled with sanitizers.
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=5
events=400
while [ $# -gt 0 ]; do
  case "$1" in
    --seeds) seeds="$2"; shift 2 ;;
    --events) events="$2"; shift 2 ;;
    *) echo "usage: $0 [--seeds N] [--events N]" >&2; exit 2 ;;
  esac
done
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache); fi
cmake --preset debug "${launcher[@]}" >/dev/null
cmake --build --preset debug -j "$(nproc)" --target test_ui_monkey
export QT_QPA_PLATFORM=offscreen OMP_WAIT_POLICY=PASSIVE
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
for seed in $(seq 1 "$seeds"); do
  echo "== monkey seed $seed, $events events (ASan + UBSan)"
  QS_MONKEY_SEED=$seed QS_MONKEY_EVENTS=$events build/debug/tests/ui/test_ui_monkey --gtest_brief=1
done
echo "monkey: $seeds seeds × $events events passed under ASan + UBSan"
