#!/usr/bin/env bash
# Per-precision perplexity of the demo model on the built-in held-out corpus, for
# resources/demo/README.md: quantizes with `quantscope-cli quantize` and measures with
# `quantscope-cli perplexity` (llama-perplexity's chunking, n_ctx 512).
#   tools/demo/precision_figures.sh CLI MODEL CORPUS OUTDIR [CHUNKS]
set -euo pipefail
CLI=$1 MODEL=$2 CORPUS=$3 OUT=$4 CHUNKS=${5:--1}
mkdir -p "$OUT"
ppl() { "$CLI" perplexity -m "$1" -f "$CORPUS" --chunks "$CHUNKS" -t 2 2>&1 | grep "Final estimate" | sed 's/Final estimate: //'; }
printf '%-14s %10s  %s\n' precision "size(B)" "PPL"
printf '%-14s %10s  %s\n' F32 "$(stat -c %s "$MODEL")" "$(ppl "$MODEL")"
for spec in "Q8_0 --pure" "Q6_K --pure" "Q5_K_M" "Q4_K_M" "Q4_0 --pure" "Q3_K_M" "Q2_K --pure"; do
  set -- $spec
  f="$OUT/demo-$1${2:+-pure}.gguf"
  "$CLI" quantize -m "$MODEL" --type "$1" ${2:-} -o "$f" -t 2 >/dev/null 2>&1
  printf '%-14s %10s  %s\n' "$1${2:+ (pure)}" "$(stat -c %s "$f")" "$(ppl "$f")"
done
