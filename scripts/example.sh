#!/usr/bin/env bash
# Sets up and builds Quill, then runs its main job on the bundled example: a
# small ONNX model (conv + batch norm + relu, a flatten computed from Shape,
# a QDQ pair, gemm, a decomposed GELU) compiled to a native shared library,
# run on the bundled input, printing its output and its latency.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"
build=${QUILL_BUILD_DIR:-$root/build}
cd "$root"
mkdir -p "$build/examples"
echo "== quill-compile examples/conv_block.onnxtxt -O3 -o $build/examples/conv_block.so"
TIMEFORMAT="compiled in %R s"
time "$build/bin/quill-compile" examples/conv_block.onnxtxt -O3 -o "$build/examples/conv_block.so"
echo "== quill-run conv_block.so --input image=examples/conv_block.image.npy --bench 1000"
"$build/bin/quill-run" "$build/examples/conv_block.so" \
  --input image=examples/conv_block.image.npy --bench 1000
