#!/usr/bin/env bash
# Installs every Debian 12 package that QuantScope's build, tests, benchmarks and demo need.
# Idempotent: safe to run again. Needs root (or sudo).
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config git python3
  # engine
  libfmt-dev libpcre2-dev nlohmann-json3-dev libcli11-dev libsqlite3-dev libssl-dev libbz2-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev hyperfine
  # the report tests read PDFs as people do (pdftotext -layout, pdfinfo)
  poppler-utils
  # sanitizer builds (scripts/test.sh, scripts/fuzz.sh): clang with libFuzzer and the sanitizer
  # runtimes; LLVM OpenMP, whose Archer tool makes its barriers visible to ThreadSanitizer
  clang-14 libclang-rt-14-dev libomp-14-dev
  # scripts/bench_l1b.py: shared/tools/make_l1b.py writes the 1.1B-parameter L1B model with numpy
  python3-numpy
  # GUI, charts and export
  qt6-base-dev qt6-charts-dev qt6-svg-dev libgl-dev libxkbcommon-dev
  # Qt Charts' CMake package needs Qt6OpenGL's config, which qt6-base-dev does not ship
  libqt6opengl6-dev
  # headless GUI tests and screenshots
  xvfb xauth
  # demo datasets: the King James Bible (public domain) and its reader, /usr/bin/bible
  # (the demo model's training recipe needs more: see tools/demo/README.md)
  bible-kjv bible-kjv-text
  # generation tasks: HumanEval.jsonl.gz (zlib); generated code runs under bubblewrap (no network,
  # read-only file system) in engine/sandbox, or where user namespaces are refused behind a seccomp
  # socket filter compiled by libseccomp; the programs themselves are run by python3 (above)
  zlib1g-dev bubblewrap libseccomp-dev
  # the Outputs page's word diff of generated texts (dtl: a header-only shortest-edit-script library)
  libdtl-dev
  # remote models: serve's HTTP server (cpp-httplib) and the endpoint client (libcurl with OpenSSL)
  libcpp-httplib-dev libcurl4-openssl-dev
  # the ARM64 NEON kernels' exactness test (scripts/test-aarch64.sh, CTest neon_exactness_qemu):
  # cross-compiled with Debian's aarch64 toolchain, run under qemu-aarch64
  g++-aarch64-linux-gnu qemu-user
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "install-deps: all ${#PACKAGES[@]} packages present" >&2
