# RUN: rm -rf %t && mkdir -p %t
# RUN: %python %s %t | FileCheck %s
# CHECK: 2 outputs checked, 0 failed
#
# Quantized ConvTranspose on integers: quantize(conv_transpose(dequantize(x),
# dequantize(w), bias)) becomes a quill.quantized_conv over the input dilated
# by the strides (zero points between inputs) with flipped kernels, an int32
# bias and a per-channel requantization. The stored results must equal a
# numpy reference that computes the transposed convolution by scattering
# (q_x - z_x) * (q_w - z_w) products in int64, adds the bias quantized at
# s_x * s_w, and requantizes with python/quill/reference.py. Two cases: stride
# 2, pads, output padding, uint8 weights per output channel; stride 3,
# dilation 2, two groups, int8 weights per tensor.

import os
import subprocess
import sys

import numpy as np

from quill import reference as ref
from quill.runtime import Model

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "Inputs"))
from integer_tests import (bias_constant, quantized_input, quantized_weight,  # noqa: E402
                           stored_matches, stored_output, tensor, write_function)

work = sys.argv[1]
rng = np.random.default_rng(20261122)
U8, I8 = (0, 255), (-128, 127)

CASES = [
    # name, input shape, weight [C, M/G, K, K], group, strides, pads, dilations,
    # output padding, x params, weight storage, output params
    dict(name="stride2", x_shape=(2, 3, 5, 4), w_shape=(3, 4, 3, 3), group=1,
         strides=(2, 2), pads=(1, 0, 1, 1), dilations=(1, 1), output_padding=(1, 0),
         x=(0.05, 120, U8), w_storage="u8", w_zero=128, y=(0.08, 10, U8), per_channel=True),
    dict(name="grouped", x_shape=(1, 4, 3, 3), w_shape=(4, 3, 2, 2), group=2,
         strides=(3, 3), pads=(0, 1, 2, 0), dilations=(2, 2), output_padding=(0, 0),
         x=(0.04, -3, I8), w_storage="i8", w_zero=0, y=(0.1, 0, I8), per_channel=False),
]


def output_shape(case):
    n, _, h, w = case["x_shape"]
    m = case["w_shape"][1] * case["group"]
    sizes = []
    for axis, size in enumerate((h, w)):
        k = case["w_shape"][axis + 2]
        sizes.append(case["strides"][axis] * (size - 1) + case["output_padding"][axis] +
                     case["dilations"][axis] * (k - 1) + 1 - case["pads"][axis] -
                     case["pads"][axis + 2])
    return (n, m, *sizes)


lines, results, signature = [], [], []
for case in CASES:
    name = case["name"]
    channels = case["w_shape"][1] * case["group"]
    low, high = (0, 255) if case["w_storage"] == "u8" else (-127, 127)
    case["w_q"] = rng.integers(low, high + 1, case["w_shape"])
    if case["per_channel"]:
        case["w_scales"] = [float(v) for v in rng.uniform(0.01, 0.03, case["w_shape"][1])]
        w_type = "!quant.uniform<%s:f32:1, {%s}>" % (
            case["w_storage"], ",".join("%r:%d" % (s, case["w_zero"]) for s in case["w_scales"]))
    else:
        case["w_scales"] = [0.02]
        w_type = "!quant.uniform<%s:f32, 0.02:%d>" % (case["w_storage"], case["w_zero"])
    case["bias"] = rng.uniform(-1, 1, channels).astype(np.float32)
    x_f, y_shape = tensor(case["x_shape"], "f32"), output_shape(case)
    signature.append('%%%s: %s {quill.name = "%s"}' % (name, x_f, name))
    lines += quantized_input(name, case["x_shape"], case["x"])
    lines += quantized_weight(name, case["w_q"], w_type)
    lines += [
        bias_constant(name, case["bias"]),
        "  %%%s_y = quill.conv_transpose %%%s_f, %%%s_wf, %%%s_b {strides = array<i64: %d, %d>, "
        "pads = array<i64: %d, %d, %d, %d>, dilations = array<i64: %d, %d>, output_padding = array<i64: %d, %d>, "
        "group = %d : i64} : (%s, %s, tensor<%dxf32>) -> %s" % (
            name, name, name, name, *case["strides"], *case["pads"], *case["dilations"],
            *case["output_padding"], case["group"], x_f, tensor(case["w_shape"], "f32"), channels,
            tensor(y_shape, "f32")),
    ]
    output_lines, result = stored_output(name, "%" + name + "_y", y_shape, case["y"])
    lines += output_lines
    results.append(result)

source = os.path.join(work, "conv_transpose.mlir")
write_function(source, "conv_transpose", signature, lines, results)
graph = subprocess.run(["quill-compile", source, "--emit=graph"], check=True, capture_output=True, text=True).stdout
assert graph.count("quill.quantized_conv") == 2 and "quill.conv_transpose" not in graph, graph
library = os.path.join(work, "conv_transpose.so")
subprocess.run(["quill-compile", source, "-o", library], check=True)

inputs = {case["name"]: (rng.standard_normal(case["x_shape"]) * 3).astype(np.float32) for case in CASES}
outputs = list(Model(library).run(inputs).values())


def reference(case):
    sx, zx, x_range = case["x"]
    qx = ref.quantize(inputs[case["name"]], sx, zx, *x_range).astype(np.int64) - zx
    w = case["w_q"].astype(np.int64) - case["w_zero"]
    n, channels, h, wd = case["x_shape"]
    group, group_filters = case["group"], case["w_shape"][1]
    group_channels = channels // group
    y_shape = output_shape(case)
    acc = np.zeros(y_shape, np.int64)
    (sh, sw), (dh, dw) = case["strides"], case["dilations"]
    kh, kw = case["w_shape"][2:]
    for c in range(channels):
        g = c // group_channels
        for m in range(group_filters):
            for i in range(h):
                for j in range(wd):
                    for ky in range(kh):
                        for kx in range(kw):
                            oy = i * sh - case["pads"][0] + ky * dh
                            ox = j * sw - case["pads"][1] + kx * dw
                            if 0 <= oy < y_shape[2] and 0 <= ox < y_shape[3]:
                                acc[:, g * group_filters + m, oy, ox] += qx[:, c, i, j] * w[c, m, ky, kx]
    scales = np.array([case["w_scales"][(o % group_filters) if case["per_channel"] else 0]
                       for o in range(group * group_filters)])
    return ref.finish_quantized_product(acc, sx, scales, case["bias"], case["y"])


failed = 0
for case, output in zip(CASES, outputs):
    failed += not stored_matches(case["name"], output, reference(case), case["y"][2] == U8)
print("%d outputs checked, %d failed" % (len(CASES), failed))
sys.exit(1 if failed else 0)
