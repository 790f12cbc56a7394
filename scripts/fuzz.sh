#!/usr/bin/env bash
# Coverage-guided fuzzing of every reader of untrusted input (tests/fuzz/, libFuzzer + ASan + UBSan).
#
#   scripts/fuzz.sh [--seconds N] [--only NAME[,NAME...]] [--replay] [--no-build] [--build-dir DIR]
#
# Builds the harnesses in the `debug` preset (clang-14, ASan + UBSan; the same tree the sanitized
# unit tests use, so CI compiles the engine once for both), then runs each harness for N seconds (default 20), one at a
# time, at the lowest CPU priority. Each starts from its committed corpus (tests/fuzz/corpus/NAME/),
# plus, when ../shared is there, a few real files copied at run time, and keeps what it learns in
# <build>/fuzz/corpus/NAME/ (never committed). --replay runs every corpus input once instead of
# fuzzing (what CI does when time is short). Crashing inputs land in <build>/fuzz/findings/; the
# summary table (executions, coverage) is printed and written to <build>/fuzz/summary.txt.
# Exits 0 when no harness found anything.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=20
only=""
replay=0
build=1
tree=build/debug
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --replay) replay=1; shift ;;
    --no-build) build=0; shift ;;
    --build-dir) tree="$2"; shift 2 ;;
    *) echo "usage: $0 [--seconds N] [--only NAME[,NAME...]] [--replay] [--no-build] [--build-dir DIR]" >&2; exit 2 ;;
  esac
done

bin=$tree/tests/fuzz
out=$tree/fuzz
if [ "$build" = 1 ]; then
  launcher=()
  if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache); fi
  cmake --preset debug "${launcher[@]}" >/dev/null
  cmake --build --preset debug -j "$(nproc)" --target fuzzers
fi

shared="${QS_SHARED_DIR:-$(pwd)/../shared}"
max_shared=8192
# Real files from ../shared as extra seeds (small ones only: libFuzzer mutates whole inputs).
shared_seeds() {
  case "$1" in
    gguf) ;;  # whole GGUFs in ../shared are 40 KB and up: the committed seeds are made small
    price_table) ;;
    dataset_arc) echo "data/arc/ARC-Easy-Dev.jsonl" ;;
    dataset_mmlu) echo "data/mmlu/dev/anatomy_dev.csv" ;;
    safetensors) echo "models/hf/smollm2-arch/model.safetensors" ;;  # its header, then data cut short
  esac
}

harnesses=()
for f in "$bin"/fuzz_*; do
  [ -x "$f" ] || continue
  name=$(basename "$f"); name=${name#fuzz_}
  if [ -n "$only" ] && [[ ",$only," != *",$name,"* ]]; then continue; fi
  harnesses+=("$name")
done
[ "${#harnesses[@]}" -gt 0 ] || { echo "fuzz.sh: no harness built in $bin" >&2; exit 2; }

mkdir -p "$out/findings"
summary="$out/summary.txt"
printf "%-26s %12s %8s %8s %8s  %s\n" harness executions cov ft corpus result | tee "$summary"
failed=0
total=0
for name in "${harnesses[@]}"; do
  work=$out/corpus/$name
  seeds=$out/seeds/$name
  mkdir -p "$work" "$seeds"
  [ -d "tests/fuzz/corpus/$name" ] && cp -n tests/fuzz/corpus/$name/* "$seeds"/ 2>/dev/null || true
  for rel in $(shared_seeds "$name"); do  # the head of the file: small inputs mutate fast
    if [ -f "$shared/$rel" ]; then head -c "$max_shared" "$shared/$rel" > "$seeds/$(basename "$rel").head"; fi
  done
  log=$out/$name.log
  args=(-timeout=25 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1
        -artifact_prefix="$out/findings/$name-")
  if [ "$replay" = 1 ]; then
    set +e
    nice -n 19 "$bin/fuzz_$name" "${args[@]}" -runs=0 "$work" "$seeds" >"$log" 2>&1
    rc=$?
    set -e
  else
    set +e
    nice -n 19 "$bin/fuzz_$name" "${args[@]}" -max_total_time="$seconds" "$work" "$seeds" >"$log" 2>&1
    rc=$?
    set -e
  fi
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}' | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(echo "$last" | grep -o 'cov: [0-9]*' | awk '{print $2}')
  ft=$(echo "$last" | grep -o 'ft: [0-9]*' | awk '{print $2}')
  corp=$(ls "$work" | wc -l)
  result=ok
  if [ "$rc" != 0 ]; then result="FINDING (see $log)"; failed=1; tail -n 40 "$log" >&2; fi
  total=$((total + ${execs:-0}))
  printf "%-26s %12s %8s %8s %8s  %s\n" "$name" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$corp" "$result" | tee -a "$summary"
done
echo "total executions: $total" | tee -a "$summary"
exit $failed
