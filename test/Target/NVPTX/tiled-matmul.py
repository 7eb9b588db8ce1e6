# RUN: rm -rf %t && mkdir -p %t
# RUN: %python %s %t | FileCheck %s
# CHECK: 7 products as shared-memory tiled kernels, 4 on the int8 tensor cores, 1 of them with 128 x 128 tiles
# CHECK: 7 outputs checked, 0 failed
#
# Products with whole 64 x 64 output tiles become shared-memory tiled GPU
# kernels (quill-matmul-to-gpu-loops: a gpu.launch whose 16 x 16 threads
# stage slices of A and B in shared memory between barriers). The GPU
# emulator runs those kernels with a host thread per GPU thread and the
# barriers as OpenMP barriers (quill-emulate-gpu-launch; the int8
# tensor-core mma.sync as the warp's fragments exchanged between barriers,
# computed from the PTX ISA's fragment layout), so a missing barrier, a wrong
# tile or fragment index or a wrong edge guard shows in the outputs.
# Shapes leave partial tiles at every edge (rows, columns, K), a batch runs
# on the grid's z, and quantized products (mma.sync, with the requantization
# fused in the kernel; and with K not a multiple of 4, byte by byte) must
# equal python/quill/reference.py bit for bit, as must two quantized
# convolutions (im2col rows times the weights read transposed, [F, K]; the
# larger one with enough blocks for 128 x 128 tensor-core tiles).
# Floats are compared with numpy's float64 product.

import os
import re
import subprocess
import sys

import numpy as np

from quill import reference as ref
from quill.runtime import Model

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "Inputs"))
from integer_tests import (bias_constant, convolve, quantized_conv,  # noqa: E402
                           quantized_input, quantized_weight, stored_matches,
                           stored_output, tensor, write_function)

work = sys.argv[1]
rng = np.random.default_rng(20261122)
U8, I8 = (0, 255), (-128, 127)

FLOAT_CASES = [
    # name, A shape, B shape
    ("edges", (100, 40), (40, 70)),
    ("batched", (3, 64, 48), (3, 48, 128)),
]
INT8_CASES = [
    # name, rows, depth, columns, x params, y params
    # B's rows (N) of 78 bytes are not whole 32-bit words: B byte by byte.
    ("mma", 130, 96, 78, (0.03, 128, U8), (0.05, 3, I8)),
    # N = 64: B in blocks of 4 x 4 bytes, four 32-bit loads transposed.
    ("mma_partial_slice", 64, 52, 64, (0.04, -5, I8), (0.06, 120, U8)),
    ("bytes", 70, 50, 66, (0.02, 100, U8), (0.04, -2, I8)),
]

CONV_CASES = [
    # Quantized 3 x 3 convolutions, padded. 144 pixels x 72 filters, K = 144;
    # 16384 pixels x 256 filters, K = 36: enough 128 x 128 tiles (256) for
    # the large tensor-core tile's warp pieces (64 x 32).
    dict(name="conv", x_shape=(1, 16, 12, 12), w_shape=(72, 16, 3, 3), x=(0.05, 120, U8),
         y=(0.09, 7, U8)),
    dict(name="conv_large_tiles", x_shape=(1, 4, 128, 128), w_shape=(256, 4, 3, 3),
         x=(0.05, 120, U8), y=(0.06, 3, U8)),
]

signature, lines, results = [], [], []
for name, a_shape, b_shape in FLOAT_CASES:
    out_shape = a_shape[:-1] + b_shape[-1:]
    for operand, shape in (("a", a_shape), ("b", b_shape)):
        signature.append('%%%s_%s: %s {quill.name = "%s_%s"}' %
                         (name, operand, tensor(shape, "f32"), name, operand))
    lines.append("  %%%s = quill.matmul %%%s_a, %%%s_b : (%s, %s) -> %s" % (
        name, name, name, tensor(a_shape, "f32"), tensor(b_shape, "f32"),
        tensor(out_shape, "f32")))
    results.append(("%" + name, tensor(out_shape, "f32")))

weights = {}
for name, rows, depth, columns, x_params, y_params in INT8_CASES:
    x_f, y_f = tensor((rows, depth), "f32"), tensor((rows, columns), "f32")
    w = rng.integers(-127, 128, (depth, columns))
    scales = rng.uniform(0.002, 0.006, columns)
    bias = rng.uniform(-0.5, 0.5, columns).astype(np.float32)
    weights[name] = (w, scales, bias)
    w_type = "!quant.uniform<i8:f32:1, {%s}>" % ",".join("%r" % s for s in scales)
    signature.append('%%%s_x: %s {quill.name = "%s_x"}' % (name, x_f, name))
    lines += quantized_input(name + "_x", (rows, depth), x_params)
    lines += quantized_weight(name, w, w_type)
    lines += [
        bias_constant(name, bias),
        "  %%%s_y = quill.gemm %%%s_x_f, %%%s_wf, %%%s_b : (%s, %s, tensor<%dxf32>) -> %s" % (
            name, name, name, name, x_f, tensor((depth, columns), "f32"), columns, y_f),
    ]
    output_lines, result = stored_output(name, "%" + name + "_y", (rows, columns), y_params)
    lines += output_lines
    results.append(result)

for conv in CONV_CASES:
    name, filters = conv["name"], conv["w_shape"][0]
    conv["w"] = rng.integers(-127, 128, conv["w_shape"])
    conv["scales"] = rng.uniform(0.01, 0.03, filters)
    conv["bias"] = rng.uniform(-1, 1, filters).astype(np.float32)
    w_type = "!quant.uniform<i8:f32:0, {%s}>" % ",".join("%r:0" % v for v in conv["scales"])
    signature.append('%%%s: %s {quill.name = "%s"}' % (name, tensor(conv["x_shape"], "f32"), name))
    conv_lines, result = quantized_conv(name, conv["x_shape"], conv["x"], conv["w"], w_type,
                                        conv["bias"], (1, 1), (1, 1, 1, 1), conv["y"])
    lines += conv_lines
    results.append(result)

source = os.path.join(work, "products.mlir")
write_function(source, "products", signature, lines, results)

# The kernels as PTX: each tiled kernel has shared memory and barriers.
ptx = subprocess.run(["quill-compile", source, "--target=nvptx", "--gpu-arch=sm_80",
                      "--emit=ptx", "-o", "-"], check=True, capture_output=True, text=True).stdout
kernels = re.split(r"\.entry ", ptx)[1:]
tiled = [k for k in kernels if "bar.sync" in k and ".shared" in k]
# 128 x 128 tensor-core tiles: 128 rows of 16 + 4 words per operand.
large = [k for k in tiled if re.search(r"\.shared \.align 4 \.b8 \w+\[10240\]", k)]
print("%d products as shared-memory tiled kernels, %d on the int8 tensor cores, %d of them "
      "with 128 x 128 tiles" % (len(tiled), sum("mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32" in k
                                                for k in tiled), len(large)))

library = os.path.join(work, "products.gpu-emulator.so")
subprocess.run(["quill-compile", source, "--target=gpu-emulator", "-o", library], check=True)
inputs = {}
for name, a_shape, b_shape in FLOAT_CASES:
    inputs[name + "_a"] = rng.standard_normal(a_shape).astype(np.float32)
    inputs[name + "_b"] = rng.standard_normal(b_shape).astype(np.float32)
for name, rows, depth, _, _, _ in INT8_CASES:
    inputs[name + "_x"] = (rng.standard_normal((rows, depth)) * 2).astype(np.float32)
for conv in CONV_CASES:
    inputs[conv["name"]] = (rng.standard_normal(conv["x_shape"]) * 3).astype(np.float32)
outputs = list(Model(library).run(inputs).values())

failed = 0
for (name, _, _), output in zip(FLOAT_CASES, outputs):
    expected = np.matmul(inputs[name + "_a"].astype(np.float64), inputs[name + "_b"].astype(np.float64))
    if not np.allclose(output, expected, rtol=1e-4, atol=1e-4):
        index = np.unravel_index(np.argmax(np.abs(output - expected)), expected.shape)
        print("%s: differs; worst at %s: compiled %r, reference %r" %
              (name, index, output[index], expected[index]))
        failed += 1
for (name, _, _, _, x_params, y_params), output in zip(INT8_CASES, outputs[len(FLOAT_CASES):]):
    w, scales, bias = weights[name]
    sx, zx, x_range = x_params
    qx = ref.quantize(inputs[name + "_x"], sx, zx, *x_range).astype(np.int64) - zx
    expected = ref.finish_quantized_product(qx @ w, sx, scales, bias, y_params)
    failed += not stored_matches(name, output, expected, y_params[2] == U8)
for conv, output in zip(CONV_CASES, outputs[len(FLOAT_CASES) + len(INT8_CASES):]):
    sx, zx, x_range = conv["x"]
    qx = ref.quantize(inputs[conv["name"]], sx, zx, *x_range).astype(np.int64) - zx
    acc = convolve(qx, conv["w"], (1, 1), (1, 1, 1, 1))
    expected = ref.finish_quantized_product(acc, sx, conv["scales"], conv["bias"], conv["y"])
    failed += not stored_matches(conv["name"], output, expected, True)
print("%d outputs checked, %d failed" % (len(FLOAT_CASES) + len(INT8_CASES) + len(CONV_CASES),
                                        failed))
sys.exit(1 if failed else 0)
