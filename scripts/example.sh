#!/usr/bin/env bash
# Sets up and builds Quill, then runs its main job on the bundled example:
# quill-opt quantizes a linear layer's constant weights at compile time.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"
build=${QUILL_BUILD_DIR:-$root/build}
example=$root/examples/quantized_linear.mlir
echo "quill-opt --canonicalize examples/quantized_linear.mlir"
"$build/bin/quill-opt" --canonicalize "$example"
