#!/usr/bin/env bash
# Installs whatever Quill needs that is missing (Debian bookworm, as root or
# through sudo), then configures and builds Quill in build/ with clang-22,
# lld, ccache and ninja. Quiet and quick when everything is already there.
# With QUILL_SANITIZE=address,undefined it builds in build-sanitize/ with
# those sanitizers (compiler, runtime and compiled models) and no fuzzer.
set -euo pipefail
source "$(dirname "$0")/paths.sh"
sanitize=()
if [ -n "${QUILL_SANITIZE:-}" ]; then
  sanitize=(-DQUILL_SANITIZE="$QUILL_SANITIZE" -DQUILL_BUILD_FUZZERS=OFF)
fi

packages=(
  cmake ninja-build ccache
  clang-22 lld-22 libclang-rt-22-dev
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools
  libonnx-dev libprotobuf-dev protobuf-compiler libonnx-testdata
  python3-onnx python3-numpy python3-sklearn zlib1g-dev
  python3-pip python3-setuptools python3-venv
  libomp5
  python3-torch python3-torchvision
)

# Prints a step's log only when the step fails.
run_logged() {
  local what=$1 log
  shift
  log=$(mktemp)
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    echo "setup: $what failed (log above)" >&2
    exit 1
  fi
  rm -f "$log"
}

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null |
      grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]})); then
  sudo=()
  [ "$(id -u)" = 0 ] || sudo=(sudo)
  echo "setup: installing ${missing[*]}"
  run_logged "apt-get update" "${sudo[@]}" apt-get update -qq
  run_logged "apt-get install" env DEBIAN_FRONTEND=noninteractive \
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# ONNX Runtime from npm: the benchmarks' peer and the real-model corpus'
# reference. Without npm or the network the corpus test reports itself
# unsupported; nothing else needs it.
if [ ! -d "$root/bench/node_modules/onnxruntime-node" ]; then
  if command -v npm >/dev/null; then
    echo "setup: installing onnxruntime-node into bench/node_modules"
    (cd "$root/bench" && npm ci --ignore-scripts --no-audit --no-fund \
      >/dev/null 2>&1) ||
      echo "setup: npm could not install onnxruntime-node (offline?);" \
        "the real-model corpus test will be unsupported" >&2
  else
    echo "setup: no npm; the real-model corpus test will be unsupported" >&2
  fi
fi

if [ ! -f "$build/build.ninja" ]; then
  echo "setup: configuring $build"
  run_logged "cmake configure" cmake -S "$root" -B "$build" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DLLVM_USE_LINKER=lld \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit "${sanitize[@]}"
fi

echo "setup: building $build"
run_logged "build" ninja -C "$build" -j "$(nproc 2>/dev/null || echo 2)"
