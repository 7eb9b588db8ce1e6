# RUN: rm -rf %t && mkdir -p %t
# RUN: %python %s %t | FileCheck %s
# CHECK: whole model: 1 output of 512 values, 0 differ
# CHECK: GPU emulator: 1 output of 512 values, 0 differ
#
# A whole quantized model compiled with quill-compile --integer-only agrees
# bit for bit with python/quill/reference.py's integer steps composed in
# numpy: MatMul + bias + ReLU (per-column weights), MatMul + bias, a
# residual add, LayerNorm and Softmax, on random inputs with saturated rows.
# The reference derives every multiplier from the scales itself
# (reference.dyadic); it reads nothing from the compiled graph. The same
# model through the GPU pipeline (--target=gpu-emulator: its kernels' loop
# nests, dp4a products included, run on the CPU) agrees bit for bit too.

import os
import subprocess
import sys

import numpy as np

from quill import reference as ref
from quill.runtime import Model

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "Inputs"))
from integer_tests import qtype, tensor  # noqa: E402

work = sys.argv[1]
rng = np.random.default_rng(20261122)
ROWS, WIDTH = 16, 32
U8, I8 = (0, 255), (-128, 127)
X = (0.03, 128, U8)
H1 = (0.04, 0, U8)       # after the ReLU
H2 = (0.05, -4, I8)
S = (0.06, 2, I8)        # residual sum
N = (0.03, 0, I8)        # LayerNorm output
P = (1 / 255.0, 0, U8)   # probabilities
EPSILON = 1e-5

w1 = rng.integers(-127, 128, (WIDTH, WIDTH))
w2 = rng.integers(-127, 128, (WIDTH, WIDTH))
w1_scales = rng.uniform(0.002, 0.006, WIDTH)
w2_scales = rng.uniform(0.002, 0.006, WIDTH)
b1 = rng.uniform(-0.5, 0.5, WIDTH).astype(np.float32)
b2 = rng.uniform(-0.5, 0.5, WIDTH).astype(np.float32)
gamma = (1 + 0.3 * rng.standard_normal(WIDTH)).astype(np.float32)
beta = (0.2 * rng.standard_normal(WIDTH)).astype(np.float32)


def floats(values):
    return "dense<[%s]>" % ", ".join("%r" % float(v) for v in values)


F = tensor((ROWS, WIDTH), "f32")
W = tensor((WIDTH, WIDTH), "f32")
V = tensor((WIDTH,), "f32")
lines = []


def qdq(name, value, params):
    q = tensor((ROWS, WIDTH), qtype(params))
    lines.append("  %%%s_q = quill.quantize %s : %s to %s" % (name, value, F, q))
    lines.append("  %%%s = quill.dequantize %%%s_q : %s to %s" % (name, name, q, F))
    return "%" + name


def weight(name, values, scales):
    element = "!quant.uniform<i8:f32:1, {%s}>" % ",".join("%r" % s for s in scales)
    stored = values.astype(np.int8)
    lines.append('  %%%s_i = arith.constant dense<"0x%s"> : %s' %
                 (name, stored.tobytes().hex().upper(), tensor((WIDTH, WIDTH), "i8")))
    lines.append("  %%%s_q = quill.storage_cast %%%s_i : %s to %s" %
                 (name, name, tensor((WIDTH, WIDTH), "i8"), tensor((WIDTH, WIDTH), element)))
    lines.append("  %%%s = quill.dequantize %%%s_q : %s to %s" %
                 (name, name, tensor((WIDTH, WIDTH), element), W))
    return "%" + name


x = qdq("xf", "%x", X)
wf1, wf2 = weight("w1", w1, w1_scales), weight("w2", w2, w2_scales)
lines += [
    "  %%b1 = arith.constant %s : %s" % (floats(b1), V),
    "  %%b2 = arith.constant %s : %s" % (floats(b2), V),
    "  %%gamma = arith.constant %s : %s" % (floats(gamma), V),
    "  %%beta = arith.constant %s : %s" % (floats(beta), V),
    "  %%m1 = quill.gemm %s, %s, %%b1 : (%s, %s, %s) -> %s" % (x, wf1, F, W, V, F),
    "  %%r1 = quill.relu %%m1 : %s" % F,
]
h1 = qdq("h1", "%r1", H1)
lines.append("  %%m2 = quill.gemm %s, %s, %%b2 : (%s, %s, %s) -> %s" % (h1, wf2, F, W, V, F))
h2 = qdq("h2", "%m2", H2)
lines.append("  %%sum = quill.add %s, %s : (%s, %s) -> %s" % (h1, h2, F, F, F))
s = qdq("s", "%sum", S)
lines.append("  %%norm = quill.layer_norm %s, %%gamma, %%beta {axis = 1 : i64, epsilon = %e : f32}"
             " : (%s, %s, %s) -> %s" % (s, EPSILON, F, V, V, F))
n = qdq("n", "%norm", N)
lines.append("  %%probs = quill.softmax %s {axis = 1 : i64} : %s" % (n, F))
out_q = tensor((ROWS, WIDTH), qtype(P))
lines.append("  %%p_q = quill.quantize %%probs : %s to %s" % (F, out_q))
lines.append("  %%p = quill.storage_cast %%p_q : %s to %s" % (out_q, tensor((ROWS, WIDTH), "i8")))

source = os.path.join(work, "model.mlir")
with open(source, "w") as f:
    f.write('func.func @model(%%x: %s {quill.name = "x"}) -> (%s {quill.name = "p"}) {\n' % (F, tensor((ROWS, WIDTH), "i8")))
    f.write("\n".join(lines) + "\n")
    f.write("  return %%p : %s\n}\n" % tensor((ROWS, WIDTH), "i8"))
library = os.path.join(work, "model.so")
subprocess.run(["quill-compile", "--integer-only", source, "-o", library], check=True)
emulated = os.path.join(work, "model.gpu-emulator.so")
subprocess.run(["quill-compile", "--integer-only", "--target=gpu-emulator", source,
                "-o", emulated], check=True)

x_in = (rng.standard_normal((ROWS, WIDTH)) * 1.5).astype(np.float32)
x_in[1] = 10.0       # saturates the input
x_in[2] = -10.0


def run(path):
    return Model(path).run({"x": x_in})["p"].view(np.uint8).astype(np.int64)


def dense_layer(q, in_params, w, w_scales, bias, out_params, relu):
    """The integer MatMul + bias (+ ReLU as the clamp) and its per-column
    requantization."""
    scale_in, zero_in = in_params[0], in_params[1]
    scale_out, zero_out, (low, high) = out_params
    clamp = (max(low, zero_out) if relu else low, high)
    return ref.finish_quantized_product((q - zero_in) @ w, scale_in, w_scales, bias,
                                        (scale_out, zero_out, clamp))


def pair(params):
    return params[0], params[1]


qx = ref.quantize(x_in, X[0], X[1], *X[2])
q1 = dense_layer(qx, X, w1, w1_scales, b1, H1, relu=True)
q2 = dense_layer(q1, H1, w2, w2_scales, b2, H2, relu=False)
qs = ref.add_integer(q1, pair(H1), q2, pair(H2), pair(S), S[2])
norm = ref.layer_norm_parameters(gamma.astype(np.float64), beta.astype(np.float64),
                                 float(np.float32(EPSILON)), S[0], N[0], WIDTH)
qn = ref.integer_layer_norm(qs, pair(S), *norm, pair(N), N[2], 1)
expected = ref.integer_softmax(qn, pair(N), pair(P), P[2], 1, "i_exp")


def compare(what, compiled):
    differ = int((compiled != expected).sum())
    if differ:
        index = tuple(np.argwhere(compiled != expected)[0])
        print("first difference at %s: compiled %d, reference %d" %
              (index, compiled[index], expected[index]))
    print("%s: 1 output of %d values, %d differ" % (what, compiled.size, differ))
    return differ


failures = compare("whole model", run(library)) + compare("GPU emulator", run(emulated))
sys.exit(1 if failures else 0)
