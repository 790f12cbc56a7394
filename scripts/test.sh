#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, runs every test.
#
# 1. The readers of untrusted input (GGUF files, tokenizer input, dataset files, text files) are
#    built with AddressSanitizer + UBSan (clang, the `debug` preset) and their tests run there: a
#    hostile file must give a message, and the sanitizers prove it does so without touching memory
#    it should not. The quantizers' SIMD scale searches run there too (their wide stores found a
#    stack overflow no release test could see).
# 2. libFuzzer: every harness (tests/fuzz) built in the ASan tree of step 1 and run for 2 s
#    (QS_CI_FUZZ_SECONDS); longer runs: `scripts/fuzz.sh --seconds 600`.
# 3. The concurrent parts (the store, the job runner, the GUI run controller, the server) run under
#    ThreadSanitizer (scripts/tsan.sh, the `tsan` preset).
# 4. The Release build runs the whole CTest suite (its summary is the last thing printed); it
#    replays every fuzz corpus (tests/fuzz/corpus, CTest label `fuzz`).
# Tests that need ../shared (real models, llama.cpp reference figures) skip with a clear message
# when it is absent. Set QS_SHARED_DIR to point elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
# CTest runs two tests at once and each runs OpenMP on every core: with spinning waits the threads of
# one test burn the other's time slices at every barrier (stories260K's HellaSwag check took 278 s
# instead of 84 s). Waiting threads sleep instead; results do not depend on it.
export OMP_WAIT_POLICY=PASSIVE

# Each phase's wall time (CI's budget: keep the whole run under 30 minutes on 2 cores).
phase_start=$SECONDS
phase_took() { echo "test.sh: $1 took $((SECONDS - phase_start)) s"; phase_start=$SECONDS; }

bash scripts/install-deps.sh
phase_took "installing packages"

SANITIZED=(core/test_core gguf/test_gguf tokenizer/test_tokenizer datasets/test_datasets quant/test_qkx_search)
cmake --preset debug
cmake --build --preset debug -j "$jobs" --target "${SANITIZED[@]##*/}"
for t in "${SANITIZED[@]}"; do
  echo "== $t (ASan + UBSan)"
  build/debug/tests/$t --gtest_brief=1
done
phase_took "ASan + UBSan build and tests"
# libFuzzer, a short run of every harness in the same tree (the engine is already compiled with
# ASan + UBSan above; the harnesses add their own objects and links). A finding fails the suite.
cmake --build --preset debug -j "$jobs" --target fuzzers
echo "== libFuzzer: every harness for ${QS_CI_FUZZ_SECONDS:-2} s"
bash scripts/fuzz.sh --no-build --seconds "${QS_CI_FUZZ_SECONDS:-2}"
phase_took "libFuzzer build and runs"

bash scripts/tsan.sh
phase_took "ThreadSanitizer build and tests"

cmake --preset release
cmake --build --preset release -j "$jobs"
phase_took "release build"
ctest --preset release
