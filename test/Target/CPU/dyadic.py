# RUN: rm -rf %t && mkdir -p %t
# RUN: %python %s %t | FileCheck %s
# CHECK: 13 outputs checked, 0 failed
#
# quill-compile --integer-only on a quantized graph: elementwise functions as
# tables, residual adds (broadcast, with and without ReLU), multiplies, a
# global and windowed average pools, a Clip (a requantize's clamp) and a
# concat of inputs with different scales on integers must
# agree bit for bit with the numpy
# reference of the same integer steps (python/quill/reference.py), on random
# values and on values that saturate the input and output ranges. The
# results are returned as stored bytes, and the inputs' quantization is
# checked with them (every result starts from it).

import math
import os
import subprocess
import sys

import numpy as np

from quill import reference as ref
from quill.runtime import Model

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "Inputs"))
from integer_tests import qtype, stored_matches, tensor  # noqa: E402

work = sys.argv[1]
SHAPE = (2, 4, 5, 5)
U8, I8 = (0, 255), (-128, 127)
X = (0.05, 128, U8)        # input x: scale, zero point, range
Y = (0.03, -5, I8)         # input y
B = (0.02, 10, U8)         # input b, [1, 4, 1, 1], broadcast in one add

FUNCTIONS = {
    "sigmoid": ("quill.sigmoid %s", lambda x: 1 / (1 + np.exp(-x)),
                (1 / 255.0, 0, U8)),
    "gelu": ("quill.gelu %s",
             lambda x: 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2))),
             (0.04, -20, I8)),
    "hard_swish": ("quill.hard_swish %s",
                   lambda x: x * np.clip(x / 6 + 0.5, 0, 1), (0.05, 10, U8)),
    "tanh": ("math.tanh %s", np.tanh, (1 / 127.0, 0, I8)),
    # alpha is an f32 attribute: the float32 nearest 0.1.
    "leaky_relu": ("quill.leaky_relu %s {alpha = 0.1 : f32}",
                   lambda x: np.where(x >= 0, x, float(np.float32(0.1)) * x),
                   (0.03, 30, U8)),
}
ADD = (0.06, 100, U8)
ADD_RELU = (0.04, 0, U8)
MUL = (0.02, 3, I8)
GAP = (0.01, 0, I8)
CLIP = (0.02, -30, I8)
CLIP_BOUNDS = (-1.3, 2.6)
CONCAT = (0.07, 2, I8)
CONCAT_SHAPE = (2, 8, 5, 5)
# Average pools: (kernel, strides, pads) with padding counted, and none.
POOLS = {"avg_pool_padded": ((3, 3), (2, 2), (1, 1, 1, 1), (0.012, 5, I8), (2, 4, 3, 3)),
         "avg_pool": ((2, 2), (1, 1), (0, 0, 0, 0), (0.02, 130, U8), (2, 4, 4, 4))}


F = tensor(SHAPE, "f32")
FB = tensor((1, 4, 1, 1), "f32")
lines = []


def quantize(name, value, params, shape=SHAPE):
    """Appends quantize -> dequantize of `value`; returns the float name."""
    q = tensor(shape, qtype(params))
    f = tensor(shape, "f32")
    lines.append("  %%%s_q = quill.quantize %s : %s to %s" % (name, value, f, q))
    lines.append("  %%%s = quill.dequantize %%%s_q : %s to %s" % (name, name, q, f))
    return "%" + name


def result(name, value, params, shape=SHAPE):
    """Appends the quantize of a result, returned as its stored bytes: the
    float model's dequantize would add float rounding of its own."""
    q = tensor(shape, qtype(params))
    lines.append("  %%%s_q = quill.quantize %s : %s to %s" %
                 (name, value, tensor(shape, "f32"), q))
    lines.append("  %%%s = quill.storage_cast %%%s_q : %s to %s" %
                 (name, name, q, tensor(shape, "i8")))
    return "%" + name, tensor(shape, "i8")


x = quantize("xf", "%x", X)
y = quantize("yf", "%y", Y)
b = quantize("bf", "%b", B, (1, 4, 1, 1))
results = []
for name, (op, _, params) in FUNCTIONS.items():
    lines.append("  %%%s_raw = %s : %s" % (name, op % x, F))
    results.append(result(name, "%" + name + "_raw", params))
lines.append("  %%sum_raw = quill.add %s, %s : (%s, %s) -> %s" % (x, y, F, F, F))
results.append(result("sum", "%sum_raw", ADD))
lines.append("  %%bsum = quill.add %s, %s : (%s, %s) -> %s" % (y, b, F, FB, F))
lines.append("  %%bsum_relu = quill.relu %%bsum : %s" % F)
results.append(result("bsum_q", "%bsum_relu", ADD_RELU))
lines.append("  %%prod_raw = quill.mul %s, %s : (%s, %s) -> %s" % (x, y, F, F, F))
results.append(result("prod", "%prod_raw", MUL))
lines.append("  %%gap_raw = quill.global_average_pool %s : %s to %s" %
             (y, F, tensor((2, 4, 1, 1), "f32")))
results.append(result("gap", "%gap_raw", GAP, (2, 4, 1, 1)))
lines.append("  %%clip_lo = arith.constant dense<%r> : tensor<f32>" % CLIP_BOUNDS[0])
lines.append("  %%clip_hi = arith.constant dense<%r> : tensor<f32>" % CLIP_BOUNDS[1])
lines.append("  %%clip_raw = quill.clip %s min %%clip_lo max %%clip_hi : "
             "(%s, tensor<f32>, tensor<f32>) -> %s" % (x, F, F))
results.append(result("clip", "%clip_raw", CLIP))
lines.append("  %%concat_raw = quill.concat %s, %s {axis = 1 : i64} : (%s, %s) -> %s" %
             (x, y, F, F, tensor(CONCAT_SHAPE, "f32")))
results.append(result("concat", "%concat_raw", CONCAT, CONCAT_SHAPE))
for name, (kernel, strides, pads, params, shape) in POOLS.items():
    lines.append("  %%%s_raw = quill.average_pool %s {kernel_shape = array<i64: %d, %d>, "
                 "strides = array<i64: %d, %d>, pads = array<i64: %d, %d, %d, %d>, "
                 "dilations = array<i64: 1, 1>, count_include_pad} : %s to %s" %
                 (name, y, *kernel, *strides, *pads, F, tensor(shape, "f32")))
    results.append(result(name, "%" + name + "_raw", params, shape))

source = os.path.join(work, "dyadic.mlir")
with open(source, "w") as f:
    f.write('func.func @dyadic(%%x: %s {quill.name = "x"}, %%y: %s {quill.name = "y"}, '
            '%%b: %s {quill.name = "b"}) -> (%s) {\n' %
            (F, F, FB, ", ".join(t for _, t in results)))
    f.write("\n".join(lines) + "\n")
    f.write("  return %s : %s\n}\n" % (", ".join(v for v, _ in results),
                                      ", ".join(t for _, t in results)))
library = os.path.join(work, "dyadic.so")
subprocess.run(["quill-compile", "--integer-only", source, "-o", library],
               check=True)

rng = np.random.default_rng(20261122)
inputs = {
    # Beyond the input ranges on both sides: saturation, and every stored
    # value of x's range is hit.
    "x": (rng.standard_normal(SHAPE) * 4).astype(np.float32),
    "y": (rng.standard_normal(SHAPE) * 3).astype(np.float32),
    "b": np.array([-3, -0.1, 0.4, 9], np.float32).reshape(1, 4, 1, 1),
}
inputs["x"].flat[:4] = [-100, 100, 0, 6.375]
outputs = list(Model(library).run(inputs).values())


def stored(name, params):
    return ref.quantize(inputs[name], params[0], params[1], *params[2])


def pair(params):
    return params[0], params[1]


qx, qy, qb = stored("x", X), stored("y", Y), stored("b", B)
expected = []
for name, (_, f, params) in FUNCTIONS.items():
    table = ref.elementwise_table(f, pair(X), X[2], pair(params), params[2])
    expected.append((ref.table_lookup(qx, table, X[2][0]), params))
expected.append((ref.add_integer(qx, pair(X), qy, pair(Y), pair(ADD), ADD[2]), ADD))
expected.append((ref.add_integer(qy, pair(Y), qb, pair(B), pair(ADD_RELU),
                                 ADD_RELU[2], relu=True), ADD_RELU))
expected.append((ref.mul_integer(qx, pair(X), qy, pair(Y), pair(MUL), MUL[2]), MUL))
expected.append((ref.global_average_pool_integer(qy, pair(Y), pair(GAP), GAP[2]), GAP))
clip_min, clip_max = (int(ref.quantize(np.float32(b), CLIP[0], CLIP[1], *CLIP[2]))
                      for b in CLIP_BOUNDS)
expected.append((ref.requantize(qx, *ref.dyadic(X[0] / CLIP[0]), X[1], CLIP[1],
                                clip_min, clip_max), CLIP))
expected.append((np.concatenate(
    [ref.requantize(q, *ref.dyadic(p[0] / CONCAT[0]), p[1], CONCAT[1], *CONCAT[2])
     for q, p in ((qx, X), (qy, Y))], axis=1), CONCAT))
for kernel, strides, pads, params, _ in POOLS.values():
    expected.append((ref.average_pool_integer(qy, pair(Y), kernel, strides, pads,
                                              pair(params), params[2]), params))

failed = 0
names = list(FUNCTIONS) + ["add", "add_broadcast_relu", "mul", "global_average_pool",
                          "clip", "concat"] + list(POOLS)
for name, output, (q, params) in zip(names, outputs, expected):
    failed += not stored_matches(name, output, q, params[2] == U8)
print("%d outputs checked, %d failed" % (len(names), failed))
sys.exit(1 if failed else 0)
