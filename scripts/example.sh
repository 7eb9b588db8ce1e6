#!/usr/bin/env bash
# Sets up and builds Quill, then shows its main job on a real model: the
# digits CNN of examples/digits (trained on scikit-learn's handwritten digits
# by train_digits_cnn.py) compiled in fp32, quantized to int8 with
# calibration on held-apart images, compiled integer-only, and exported as a
# QDQ ONNX model; for each, test accuracy, latency and library size, then
# the per-layer quantization report.
set -euo pipefail
source "$(dirname "$0")/paths.sh"
bash "$root/scripts/setup.sh"
echo "== examples/digits/quantize_digits.py (outputs in $build/examples/digits)"
QUILL_HOME=$build PYTHONPATH=$root/python /usr/bin/python3 \
  "$root/examples/digits/quantize_digits.py" \
  "$root/examples/digits/digits_cnn.onnx" "$build/examples/digits"
