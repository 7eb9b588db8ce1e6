#!/usr/bin/env bash
# Sets up and builds Quill, then runs its main job on the bundled examples:
# quill-compile imports a small ONNX model (conv + batch norm + relu, a
# flatten computed from Shape, a QDQ pair, gemm, a decomposed GELU) and
# prints the prepared graph; quill-opt quantizes a linear layer's constant
# weights at compile time.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"
build=${QUILL_BUILD_DIR:-$root/build}
cd "$root"
echo "== quill-compile examples/conv_block.onnxtxt --emit=graph"
"$build/bin/quill-compile" examples/conv_block.onnxtxt --emit=graph
echo "== quill-opt --canonicalize examples/quantized_linear.mlir"
"$build/bin/quill-opt" --canonicalize examples/quantized_linear.mlir
