#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, runs every test.
#
# 1. The readers of untrusted input (GGUF files, tokenizer input, dataset files, text files) are
#    built with AddressSanitizer + UBSan (clang, the `debug` preset) and their tests run there: a
#    hostile file must give a message, and the sanitizers prove it does so without touching memory
#    it should not. The same build holds the libFuzzer harnesses (tests/fuzz): each replays its
#    corpus, then fuzzes for QS_FUZZ_SECONDS (default 3) seconds.
# 2. The concurrent parts (the store, the job runner, the GUI run controller) run under
#    ThreadSanitizer (the `tsan` preset).
# 3. The Release build runs the whole CTest suite (its summary is the last thing printed).
# Tests that need ../shared (real models, llama.cpp reference figures) skip with a clear message
# when it is absent. Set QS_SHARED_DIR to point elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

bash scripts/install-deps.sh

SANITIZED=(core/test_core gguf/test_gguf tokenizer/test_tokenizer datasets/test_datasets)
cmake --preset debug
cmake --build --preset debug -j "$jobs" --target "${SANITIZED[@]##*/}" fuzzers
for t in "${SANITIZED[@]}"; do
  echo "== $t (ASan + UBSan)"
  build/debug/tests/$t --gtest_brief=1
done
echo "== fuzz harnesses (libFuzzer + ASan + UBSan): corpus, then ${QS_FUZZ_SECONDS:-3} s each"
bash scripts/fuzz.sh --no-build --seconds "${QS_FUZZ_SECONDS:-3}"

# LLVM OpenMP's Archer tool tells TSan about OpenMP's barriers (no false reports from them);
# tests/tsan.supp lists what TSan cannot see through (uninstrumented Qt's event queue).
TSANNED=(store/test_store jobs/test_jobs ui/test_run_controller)
cmake --preset tsan
cmake --build --preset tsan -j "$jobs" --target "${TSANNED[@]##*/}"
for t in "${TSANNED[@]}"; do
  echo "== $t (ThreadSanitizer)"
  OMP_TOOL_LIBRARIES=/usr/lib/llvm-14/lib/libarcher.so \
    TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$(pwd)/tests/tsan.supp" \
    QT_QPA_PLATFORM=offscreen build/tsan/tests/$t --gtest_brief=1
done

cmake --preset release
cmake --build --preset release -j "$jobs"
ctest --preset release
