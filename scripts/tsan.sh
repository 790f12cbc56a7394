#!/usr/bin/env bash
# ThreadSanitizer over the concurrent parts (the `tsan` preset: clang-14, LLVM OpenMP).
#
#   scripts/tsan.sh [TEST...]        TEST = a test binary under tests/, e.g. store/test_store
#
# Without arguments (what scripts/test.sh runs): the store (one connection from many threads, two
# processes on one file), the job runner (workers, cancellation, the memory budget, shared weights,
# the KLD cache), the GUI's run controller (a real run of the demo model with two workers) and the
# server (concurrent HTTP clients, the request queue and its batching workers).
#
# LLVM OpenMP's Archer tool (OMP_TOOL_LIBRARIES) tells TSan about OpenMP's barriers, so matmul's
# threads give no false reports; tests/tsan.supp lists what TSan cannot see through.
set -euo pipefail
cd "$(dirname "$0")/.."

tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(store/test_store jobs/test_jobs ui/test_run_controller serve/test_serve)

launcher=()
if [ -z "${CCACHE_DISABLE:-}" ] && command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
cmake --preset tsan "${launcher[@]}" >/dev/null
cmake --build --preset tsan -j "$(nproc)" --target "${tests[@]##*/}"
for t in "${tests[@]}"; do
  echo "== $t (ThreadSanitizer)"
  OMP_TOOL_LIBRARIES=/usr/lib/llvm-14/lib/libarcher.so \
    TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$(pwd)/tests/tsan.supp" \
    QT_QPA_PLATFORM=offscreen build/tsan/tests/$t --gtest_brief=1
done
