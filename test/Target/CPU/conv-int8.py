# RUN: rm -rf %t && mkdir -p %t
# RUN: %python %s %t | FileCheck %s
# CHECK: 3 convolutions through the requantizing kernel
# CHECK: 3 outputs checked, 0 failed
#
# Quantized Conv on integers, requantized in the int8 GEMM's epilogue: the
# product of the im2col rows and the constant weights, its zero-point
# correction, int32 bias, the per-channel requantization and the move back
# to channels-first are one kernel call (quill_igemm_s8_packed_requantize
# writing through a transposed, collapsed view of the output). The stored
# results must equal a numpy reference that convolves (q_x - z_x) * q_w in
# int64, adds the bias quantized at s_x * s_w and requantizes with
# python/quill/reference.py. Shapes leave partial register tiles (rows not a
# multiple of 14, channels not of 16 or 32): uint8 output with stride 1 and
# padding; int8 output with stride 2, 40 channels; the same over two images
# (whose output rows are one strided dimension per image only: one kernel
# call per image).

import os
import subprocess
import sys

import numpy as np

from quill import reference as ref
from quill.runtime import Model

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "Inputs"))
from integer_tests import (convolve, quantized_conv, stored_matches, tensor,  # noqa: E402
                           write_function)

work = sys.argv[1]
rng = np.random.default_rng(20261122)
U8, I8 = (0, 255), (-128, 127)

CASES = [
    # name, input shape, weight [M, C, K, K], strides, pads, x params, y params
    dict(name="same", x_shape=(1, 3, 9, 7), w_shape=(20, 3, 3, 3), strides=(1, 1),
         pads=(1, 1, 1, 1), x=(0.05, 120, U8), y=(0.09, 7, U8)),
    dict(name="strided", x_shape=(1, 5, 12, 11), w_shape=(40, 5, 3, 3), strides=(2, 2),
         pads=(0, 1, 1, 0), x=(0.04, -3, I8), y=(0.12, 2, I8)),
    dict(name="batched", x_shape=(2, 5, 12, 11), w_shape=(40, 5, 3, 3), strides=(2, 2),
         pads=(0, 1, 1, 0), x=(0.04, -3, I8), y=(0.12, 2, I8)),
]


lines, results, signature = [], [], []
for case in CASES:
    name, channels = case["name"], case["w_shape"][0]
    case["w_q"] = rng.integers(-127, 128, case["w_shape"])
    case["w_scales"] = [float(v) for v in rng.uniform(0.01, 0.03, channels)]
    w_type = "!quant.uniform<i8:f32:0, {%s}>" % ",".join("%r:0" % s for s in case["w_scales"])
    case["bias"] = rng.uniform(-1, 1, channels).astype(np.float32)
    signature.append('%%%s: %s {quill.name = "%s"}' % (name, tensor(case["x_shape"], "f32"), name))
    conv_lines, result = quantized_conv(name, case["x_shape"], case["x"], case["w_q"], w_type,
                                        case["bias"], case["strides"], case["pads"], case["y"])
    lines += conv_lines
    results.append(result)

source = os.path.join(work, "conv.mlir")
write_function(source, "conv", signature, lines, results)
# Counted in the LLVM dialect, before LLVM may unroll the loop over images.
kernel_ir = subprocess.run(["quill-compile", source, "--emit=kernel", "-o", "-"], check=True,
                           capture_output=True, text=True).stdout
lowered = subprocess.run(["quill-opt", "--quill-cpu-llvm"], input=kernel_ir, check=True,
                         capture_output=True, text=True).stdout
fused = lowered.count("llvm.call @quill_igemm_s8_packed_requantize(")
print("%d convolutions through the requantizing kernel" % fused)
library = os.path.join(work, "conv.so")
subprocess.run(["quill-compile", source, "-o", library], check=True)

inputs = {case["name"]: (rng.standard_normal(case["x_shape"]) * 3).astype(np.float32) for case in CASES}
outputs = list(Model(library).run(inputs).values())


def reference(case):
    sx, zx, x_range = case["x"]
    qx = ref.quantize(inputs[case["name"]], sx, zx, *x_range).astype(np.int64) - zx
    acc = convolve(qx, case["w_q"], case["strides"], case["pads"])
    scales = np.array(case["w_scales"])
    return ref.finish_quantized_product(acc, sx, scales, case["bias"], case["y"])


failed = 0
for case, output in zip(CASES, outputs):
    failed += not stored_matches(case["name"], output, reference(case), case["y"][2] == U8)
print("%d outputs checked, %d failed" % (len(CASES), failed))
sys.exit(1 if failed else 0)
