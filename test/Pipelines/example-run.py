# RUN: quill-compile %S/../../examples/conv_block.onnxtxt -o %t.so
# RUN: quill-run %t.so --input image=%S/../../examples/conv_block.image.npy --output-dir %t.out | FileCheck %s
# RUN: %python %s %S/../../examples %t.out/logits.npy
# CHECK: output logits: float32 [1, 3]
#
# The bundled conv-block example compiled and run, its
# output checked against a numpy evaluation of the ONNX graph written from
# the model's own initializers.

import math
import os
import sys

import numpy as np
import onnx.numpy_helper
import onnx.parser

examples, result_path = sys.argv[1], sys.argv[2]
with open(os.path.join(examples, "conv_block.onnxtxt")) as f:
    model = onnx.parser.parse_model(f.read())
w = {t.name: onnx.numpy_helper.to_array(t) for t in model.graph.initializer}
x = np.load(os.path.join(examples, "conv_block.image.npy")).astype(np.float64)

conv = np.zeros((1, 2, 2, 2))
for m in range(2):
    for i in range(2):
        for j in range(2):
            conv[0, m, i, j] = (x[0, 0, i:i + 3, j:j + 3] * w["conv_w"][m, 0]).sum() + w["conv_b"][m]
g, b = w["bn_gamma"][None, :, None, None], w["bn_beta"][None, :, None, None]
mean, var = w["bn_mean"][None, :, None, None], w["bn_var"][None, :, None, None]
relu = np.maximum(g * (conv - mean) / np.sqrt(var + 1e-5) + b, 0)
flat = relu.reshape(1, 8)
scale = float(w["act_scale"])
dq = np.clip(np.round(flat / scale), 0, 255) * scale
fc = dq @ w["fc_w"] + w["fc_b"]
expected = np.array([[v * 0.5 * (1 + math.erf(v / math.sqrt(2))) for v in fc[0]]])

got = np.load(result_path)
print("got", got, "expected", expected)
assert got.shape == (1, 3) and np.allclose(got, expected, rtol=1e-4, atol=1e-5), (got, expected)
