#!/usr/bin/env bash
# The README's first command: installs every dependency, builds Release, and runs the main job.
#
# The main job today is the engine's perplexity run, on the stories260K model and WikiText-2
# from ../shared when present. The embedded demo model that makes this work on a bare machine
# (and opens the GUI on a demo workspace) is the subject of issue 6.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake --preset release
cmake --build --preset release -j "$(nproc)"

CLI=build/release/app/cli/quantscope-cli
SHARED=${QS_SHARED_DIR:-../shared}
MODEL=$SHARED/models/stories260K.gguf
TEXT=$SHARED/data/wikitext-2-raw/wiki.test.raw
if [ -f "$MODEL" ] && [ -f "$TEXT" ]; then
  "$CLI" info --model "$MODEL"
  echo
  "$CLI" perplexity --model "$MODEL" --text "$TEXT" --ctx 512 --chunks 10 --threads "$(nproc)"
else
  echo "quickstart: built $CLI. No model found at $MODEL: pass your own GGUF, e.g."
  echo "  $CLI perplexity --model your-model.gguf --text your-text.txt"
fi
