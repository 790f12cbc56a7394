#!/usr/bin/env bash
# Screenshots of every page of the workbench (and every chart), taken under Xvfb after a small
# real run: the M1 synthetic model from ../shared at F16, Q8_0 and Q4_K_M on the head of
# WikiText-2 (perplexity + KL divergence), 12 ARC-Easy items and the speed bench. Then a two-model
# comparison into OUT_DIR/compare: stories260K (a real trained model) at F32/Q8_0/Q4_0 (ffn_down in F16: its rows of 172 fit no block) beside M1 at
# F32/Q8_0/Q4_K_M, each against its own F32, run with quantscope-cli eval and opened side by side.
#
#   bash scripts/screenshots.sh [OUT_DIR]     (default docs/screenshots)
#
# Builds `quantscope` in build/release (BUILD_DIR overrides). Needs xvfb-run (install-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/screenshots}
build=${BUILD_DIR:-build/release}
shared=${QS_SHARED_DIR:-$(cd .. && pwd)/shared}
model="$shared/models/synthetic/llama-d256-spm512.gguf"
if [ ! -f "$model" ]; then
  echo "screenshots: needs $model (set QS_SHARED_DIR)" >&2
  exit 1
fi

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target quantscope quantscope-cli -j "${JOBS:-2}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
head -c 60000 "$shared/data/wikitext-2-raw/wiki.test.raw" > "$work/wikitext-2-head.txt"
cat > "$work/workspace.json" <<JSON
{
  "quantscope_workspace": 1,
  "model_path": "$model",
  "precisions": ["F16", "Q8_0", "Q4_K_M"],
  "datasets": [
    {"name": "wikitext-2-head", "path": "$work/wikitext-2-head.txt", "limit": 4, "checked": true},
    {"name": "arc-easy-dev", "path": "$shared/data/arc/ARC-Easy-Dev.jsonl", "limit": 12, "checked": true}
  ],
  "baseline": "F16",
  "run": {"n_ctx": 256, "workers": 1, "threads": 0, "kld": true, "bench": true},
  "roi": {"monthly_tokens_millions": 50, "hardware": "aws-c7a.large", "price_per_hour": 0.10264,
          "one_time_cost": 500, "retention_threshold": 95}
}
JSON
mkdir -p "$out"
xvfb-run -a -s "-screen 0 1400x900x24" "$build/app/gui/quantscope" \
  --workspace "$work/workspace.json" --data-dir "$shared/data" --store "$work/results.db" \
  --screenshot "$out" --run
echo "screenshots: written to $out" >&2

# Two models in one comparison: both runs in one database, opened side by side.
stories="$shared/models/stories260K.gguf"
if [ -f "$stories" ]; then
  cli="$build/app/cli/quantscope-cli"
  common=(--ppl "$work/wikitext-2-head.txt" --ctx 128 --chunks 8 --kld --task "arc-easy-dev=$shared/data/arc/ARC-Easy-Dev.jsonl"
          --limit 60 --bench --bench-prompt 128 --bench-gen 32 --bench-reps 2 --db "$work/compare.db" -q)
  "$cli" eval --model "$stories" --precisions F32,Q8_0+ffn_down=f16,Q4_0+ffn_down=f16 --baseline F32 "${common[@]}" >/dev/null
  "$cli" eval --model "$model" --precisions F32,Q8_0,Q4_K_M --baseline F32 "${common[@]}" >/dev/null
  mkdir -p "$out/compare"
  xvfb-run -a -s "-screen 0 1400x900x24" "$build/app/gui/quantscope" \
    --data-dir "$shared/data" --store "$work/compare.db" --open-runs 1,2 --screenshot "$out/compare"
  echo "screenshots: two-model comparison written to $out/compare" >&2
fi
