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

# A generation task's outputs side by side (the Outputs page): the demo model (trained on the
# King James Bible, resources/demo) continues 12 verses at F16 down to Q2_K; an item passes when
# its 7-token continuation contains "LORD". Small, but each precision's text is its own.
demo_model=resources/demo/quantscope-demo-kjv-f32.gguf
if [ -f "$demo_model" ]; then
  cli="$build/app/cli/quantscope-cli"
  i=0
  for p in "In the beginning God created the heaven and the" "And God said, Let there be" \
           "The LORD is my shepherd; I shall not" "And the LORD spake unto Moses, saying," "For God so loved the" \
           "Thou shalt love thy neighbour as" "And Jesus answered and said unto" "Blessed are the" \
           "And it came to pass, when the" "Honour thy father and thy" "The earth is the LORD's, and the" \
           "And they went up into the"; do
    i=$((i + 1))
    printf '{"id": "kjv-%d", "prompt": "%s", "target": "LORD", "scoring": "contains", "max_tokens": 7, "until": ["\\n"]}\n' "$i" "$p"
  done > "$work/kjv-continue.jsonl"
  "$cli" eval --model "$demo_model" --precisions F16,Q8_0,Q4_K_M,Q3_K_M,Q2_K --baseline F16 \
    --task kjv="$work/kjv-continue.jsonl" --format kjv=generate-jsonl --db "$work/outputs.db" -q >/dev/null
  mkdir -p "$out/outputs"
  xvfb-run -a -s "-screen 0 1400x900x24" "$build/app/gui/quantscope" \
    --data-dir - --store "$work/outputs.db" --open-runs 1 --screenshot "$work/outputs-shots" >/dev/null 2>&1
  cp "$work/outputs-shots/outputs.png" "$out/outputs/outputs.png"
  echo "screenshots: the Outputs page of a generation task written to $out/outputs" >&2
fi

# An endpoint as the run's model (issue 14): stories260K behind `quantscope-cli serve` on loopback,
# the Remote page's endpoint ticked as the source, the Run page running WikiText, ARC-Easy and GSM8K
# through it (the Run page, the Remote page, Results and the GSM8K outputs), then its report.
if [ -f "$stories" ]; then
  cli="$build/app/cli/quantscope-cli"
  "$cli" serve --model "$stories" --port 0 2>"$work/serve.err" >/dev/null &
  serve_pid=$!
  port=
  for _ in $(seq 100); do
    port=$(grep -o '127\.0\.0\.1:[0-9]*' "$work/serve.err" | head -1 | cut -d: -f2 || true)
    [ -n "$port" ] && break
    sleep 0.1
  done
  cat > "$work/endpoint.json" <<JSON
{
  "quantscope_workspace": 1,
  "datasets": [
    {"name": "wikitext-2-head", "path": "$work/wikitext-2-head.txt", "limit": 4, "checked": true},
    {"name": "arc-easy-dev", "path": "$shared/data/arc/ARC-Easy-Dev.jsonl", "limit": 12, "checked": true},
    {"name": "gsm8k", "path": "$shared/data/gsm8k/test.jsonl", "limit": 4, "checked": true}
  ],
  "run": {"n_ctx": 128, "workers": 1, "threads": 0, "kld": true, "bench": false},
  "remote": {"url": "http://127.0.0.1:$port/v1", "model": "stories260K", "key_env": "",
             "tokenizer": "$stories", "use_for_runs": true}
}
JSON
  xvfb-run -a -s "-screen 0 1400x900x24" "$build/app/gui/quantscope" --workspace "$work/endpoint.json" \
    --data-dir - --store "$work/endpoint.db" --screenshot "$work/endpoint-shots" --run >/dev/null 2>&1
  kill "$serve_pid"
  mkdir -p "$out/endpoint"
  for page in run remote results outputs; do cp "$work/endpoint-shots/$page.png" "$out/endpoint/$page.png"; done
  "$cli" report --db "$work/endpoint.db" --out docs/report/endpoint-report.pdf >/dev/null 2>&1 || true
  echo "screenshots: an endpoint run written to $out/endpoint (its report: docs/report/endpoint-report.pdf)" >&2
fi
