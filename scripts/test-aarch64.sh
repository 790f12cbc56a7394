#!/usr/bin/env bash
# Cross-builds the ARM64 kernels (engine/kernels: scalar + NEON + NEON DotProd) with Debian's
# aarch64 toolchain and runs their exactness check (tests/kernels/neon_exactness.cpp) under
# qemu-aarch64, twice: on a CPU with DotProd (qemu's "max") and on one without (Cortex-A57), so
# both versions of the integer kernels are compared with the scalar reference.
#
# Correctness only: qemu says nothing about speed on real ARM hardware.
# Needs g++-aarch64-linux-gnu, qemu-user and libfmt-dev (headers, used header-only here); without
# the toolchain or qemu it says so and exits 0 (77 with --strict-skip, for CTest's SKIP_RETURN_CODE).
# Usage: scripts/test-aarch64.sh [--strict-skip] [BUILD_DIR]   (default build/aarch64)
set -euo pipefail
cd "$(dirname "$0")/.."

skip_code=0
if [[ "${1:-}" == "--strict-skip" ]]; then skip_code=77; shift; fi
out="${1:-build/aarch64}"
CXX="${AARCH64_CXX:-aarch64-linux-gnu-g++}"
QEMU="${QEMU_AARCH64:-qemu-aarch64}"
SYSROOT="${AARCH64_SYSROOT:-/usr/aarch64-linux-gnu}"
for tool in "$CXX" "$QEMU"; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "test-aarch64: $tool not found (apt-get install g++-aarch64-linux-gnu qemu-user): skipped"
    exit "$skip_code"
  fi
done
if [[ ! -f /usr/include/fmt/format.h ]]; then
  echo "test-aarch64: fmt headers not found (apt-get install libfmt-dev): skipped"
  exit "$skip_code"
fi

mkdir -p "$out/include"
ln -sfn /usr/include/fmt "$out/include/fmt"  # architecture-independent headers, used header-only

flags=(-std=c++20 -O2 -ffp-contract=off -fopenmp -Wall -Wextra -Wno-unused-parameter
       -Iengine -Itests/kernels -I"$out/include" -DFMT_HEADER_ONLY)
sources=(engine/core/cpu_features.cpp engine/tensor/ggml_type.cpp
         engine/kernels/kernels_dispatch.cpp engine/kernels/matmul.cpp
         engine/kernels/base_scalar.cpp engine/kernels/kquants_scalar.cpp engine/kernels/extra_scalar.cpp
         engine/kernels/iq_scalar.cpp engine/kernels/base_neon.cpp engine/kernels/kquants_neon.cpp
         engine/kernels/neon_dotprod.cpp)
newest_header=$(find engine -name '*.h' -newer "$out/.stamp" 2>/dev/null | head -1 || true)
[[ -f "$out/.stamp" ]] || newest_header=all
objs=()
for src in "${sources[@]}"; do
  obj="$out/$(basename "${src%.cpp}").o"
  extra=()
  [[ "$src" == *neon_dotprod.cpp ]] && extra=(-march=armv8.2-a+dotprod)
  # Rebuilt when missing, older than its source, or when any engine header changed since the last run.
  if [[ ! -f "$obj" || "$src" -nt "$obj" || -n "$newest_header" ]]; then
    "$CXX" "${flags[@]}" "${extra[@]}" -c "$src" -o "$obj"
  fi
  objs+=("$obj")
done
touch "$out/.stamp"
"$CXX" "${flags[@]}" tests/kernels/neon_exactness.cpp "${objs[@]}" -o "$out/neon_exactness"

# "max" has DotProd (neon_dotprod.cpp's kernels are registered), Cortex-A57 (ARMv8.0) has not (the
# plain NEON ones run): each run must say which it was, or it did not test what it claims to.
status=0
for cpu in max cortex-a57; do
  want=yes; [[ "$cpu" == cortex-a57 ]] && want=no
  echo "== qemu-aarch64 -cpu $cpu"
  log=$(OMP_NUM_THREADS=2 "$QEMU" -cpu "$cpu" -L "$SYSROOT" "$out/neon_exactness" 2>&1) || status=1
  echo "$log"
  if ! grep -q "neon level (dotprod $want)" <<<"$log"; then
    echo "test-aarch64: expected the NEON level with dotprod $want on -cpu $cpu"
    status=1
  fi
done
exit $status
