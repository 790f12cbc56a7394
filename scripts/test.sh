#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds Release, runs every CTest test.
# Tests that need ../shared (real models, llama.cpp reference figures) skip with a clear message
# when it is absent. Set QS_SHARED_DIR to point elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake --preset release
cmake --build --preset release -j "$(nproc)"
ctest --preset release
