#!/usr/bin/env bash
# Screenshots of every page of the workbench (and every chart), taken under Xvfb after a small
# real run: the M1 synthetic model from ../shared at F16, Q8_0 and Q4_K_M on the head of
# WikiText-2 (perplexity + KL divergence), 12 ARC-Easy items and the speed bench.
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
cmake --build "$build" --target quantscope -j "${JOBS:-2}"

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
