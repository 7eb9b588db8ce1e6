# RUN: rm -rf %t && mkdir -p %t
# RUN: %python %s %t | FileCheck %s
# CHECK: isqrt: {{[0-9]+}} values, floor(sqrt) in at most {{[1-8]}} steps
# CHECK: 18 outputs checked, 0 failed
#
# Softmax (I-BERT i-exp and I-ViT Shiftmax), LayerNorm (integer square
# root) and GELU (a table, or I-BERT's i-GELU with quill-dyadic's
# gelu=i-gelu, at a coarse and at a fine input scale that needs its
# overflow shift) compiled by quill-compile --integer-only agree bit for bit with the
# numpy reference of the same integer steps (python/quill/reference.py) on
# random rows, all-equal rows, rows with one dominant value, saturated
# inputs, and LayerNorm rows of zero, tiny and saturated variance, over one
# and over two trailing axes. Results are returned as stored bytes.

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
U8, I8 = (0, 255), (-128, 127)
ROWS = (400, 16)
WIDE = (100, 3, 8)
X = (0.05, 3, I8)            # softmax input
P = (1 / 255.0, 0, U8)       # probabilities
P_NARROW = (0.002, -128, I8) # probabilities of rows that saturate it
L = (0.04, 130, U8)          # LayerNorm input
N = (0.03, 120, U8)          # LayerNorm output
EPSILON = 1e-5
G = (0.04, 10, U8)           # GELU input
G_OUT = (0.03, 20, U8)
H = (0.0005, -3, I8)         # GELU input at a fine scale
H_OUT = (0.0004, -20, I8)


def dense(array):
    """A dense attribute of float32 `array`, every value exact."""
    text = np.array2string(np.asarray(array, np.float64), separator=", ",
                           floatmode="unique", max_line_width=10 ** 6)
    return "dense<%s>" % text


rng = np.random.default_rng(20261122)
gamma = (1 + 0.5 * rng.standard_normal(16)).astype(np.float32)
beta = (0.3 * rng.standard_normal(16)).astype(np.float32)
gamma_wide = (1 + 0.5 * rng.standard_normal(24)).astype(np.float32)
gamma_wide[3] = -2.5
beta_wide = (0.3 * rng.standard_normal(24)).astype(np.float32)

lines = []
results = []


def dequantized(name, params, shape):
    q, f = tensor(shape, qtype(params)), tensor(shape, "f32")
    lines.append("  %%%s_q = quill.quantize %%%s : %s to %s" % (name, name, f, q))
    lines.append("  %%%s_f = quill.dequantize %%%s_q : %s to %s" % (name, name, q, f))
    return "%" + name + "_f"


def result(name, op, params, shape):
    q, f = tensor(shape, qtype(params)), tensor(shape, "f32")
    lines.append("  %%%s_raw = %s" % (name, op))
    lines.append("  %%%s_q = quill.quantize %%%s_raw : %s to %s" % (name, name, f, q))
    lines.append("  %%%s = quill.storage_cast %%%s_q : %s to %s" %
                 (name, name, q, tensor(shape, "i8")))
    results.append(("%" + name, tensor(shape, "i8")))


x = dequantized("x", X, ROWS)
l = dequantized("l", L, ROWS)
w = dequantized("w", L, WIDE)
F, FW = tensor(ROWS, "f32"), tensor(WIDE, "f32")
result("probs", "quill.softmax %s {axis = 1 : i64} : %s" % (x, F), P, ROWS)
result("probs_narrow", "quill.softmax %s {axis = 1 : i64} : %s" % (x, F),
       P_NARROW, ROWS)
lines.append("  %%gamma = arith.constant %s : tensor<16xf32>" % dense(gamma))
lines.append("  %%beta = arith.constant %s : tensor<16xf32>" % dense(beta))
lines.append("  %%gamma_w = arith.constant %s : tensor<3x8xf32>" %
             dense(gamma_wide.reshape(3, 8)))
lines.append("  %%beta_w = arith.constant %s : tensor<3x8xf32>" %
             dense(beta_wide.reshape(3, 8)))
result("norm", "quill.layer_norm %s, %%gamma, %%beta {axis = 1 : i64, epsilon = %e : f32}"
       " : (%s, tensor<16xf32>, tensor<16xf32>) -> %s" % (l, EPSILON, F, F), N, ROWS)
result("norm_wide", "quill.layer_norm %s, %%gamma_w, %%beta_w {axis = 1 : i64, epsilon = %e : f32}"
       " : (%s, tensor<3x8xf32>, tensor<3x8xf32>) -> %s" % (w, EPSILON, FW, FW), N, WIDE)

g = dequantized("g", G, ROWS)
h = dequantized("h", H, ROWS)
result("gelu", "quill.gelu %s : %s" % (g, F), G_OUT, ROWS)
result("gelu_fine", "quill.gelu %s : %s" % (h, F), H_OUT, ROWS)

source = os.path.join(work, "nonlinear.mlir")
with open(source, "w") as f:
    f.write('func.func @nonlinear(%%x: %s {quill.name = "x"}, %%l: %s {quill.name = "l"}, '
            '%%w: %s {quill.name = "w"}, %%g: %s {quill.name = "g"}, '
            '%%h: %s {quill.name = "h"}) -> (%s) {\n' %
            (F, F, FW, F, F, ", ".join(t for _, t in results)))
    f.write("\n".join(lines) + "\n")
    f.write("  return %s : %s\n}\n" % (", ".join(v for v, _ in results),
                                      ", ".join(t for _, t in results)))

# i-exp and GELU tables through quill-compile's pipeline; Shiftmax and
# i-GELU by quill-dyadic's options first (quill-compile --integer-only then
# finds nothing left to rewrite). Each library: (softmax, GELU) forms.
libraries = {}
library = os.path.join(work, "i_exp.so")
subprocess.run(["quill-compile", "--integer-only", source, "-o", library],
               check=True)
libraries[library] = ("i_exp", "table")
for options, forms in (("softmax-exp=shift", ("shift", "table")),
                       ("gelu=i-gelu", ("i_exp", "i_gelu"))):
    rewritten = os.path.join(work, "%s_%s.mlir" % forms)
    subprocess.run(["quill-opt", source, "--pass-pipeline=builtin.module(func.func("
                    "quill-dyadic{%s}))" % options, "-o", rewritten], check=True)
    library = rewritten.replace(".mlir", ".so")
    subprocess.run(["quill-compile", "--integer-only", rewritten, "-o", library],
                   check=True)
    libraries[library] = forms

x_in = (rng.standard_normal(ROWS) * 2).astype(np.float32)
x_in[1] = 0.7                       # all equal
x_in[2, 5] = 50                     # one dominant value, saturated
x_in[3] = rng.choice([-100, 100], 16)  # saturated both ways
l_in = (rng.standard_normal(ROWS) * 1.5).astype(np.float32)
l_in[1] = -0.4                      # zero variance
l_in[2] = 0.2
l_in[2, ::4] = 0.24                 # one step apart: tiny variance
l_in[3] = rng.choice([-100, 100], 16)  # saturated
w_in = (rng.standard_normal(WIDE) * 2).astype(np.float32)
w_in[1] = 3.0
# Every stored value of both GELU inputs, and saturation beyond them.
g_in = np.linspace(-1.0, 9.8, ROWS[0] * ROWS[1]).astype(np.float32).reshape(ROWS)
h_in = np.linspace(-0.07, 0.07, ROWS[0] * ROWS[1]).astype(np.float32).reshape(ROWS)
inputs = {"x": x_in, "l": l_in, "w": w_in, "g": g_in, "h": h_in}


def stored(name, params):
    return ref.quantize(inputs[name], params[0], params[1], *params[2])


def pair(params):
    return params[0], params[1]


qx, ql, qw = stored("x", X), stored("l", L), stored("w", L)
qg, qh = stored("g", G), stored("h", H)


def gelu(q, params, out, form):
    if form == "i_gelu":
        return ref.integer_gelu(q, pair(params), params[2], pair(out), out[2])
    exact = lambda v: 0.5 * v * (1 + np.vectorize(math.erf)(v / math.sqrt(2)))
    table = ref.elementwise_table(exact, pair(params), params[2], pair(out), out[2])
    return ref.table_lookup(q, table, params[2][0])


norm = ref.layer_norm_parameters(gamma.astype(np.float64), beta.astype(np.float64),
                                 float(np.float32(EPSILON)), L[0], N[0], 16)
norm_wide = ref.layer_norm_parameters(
    gamma_wide.reshape(3, 8).astype(np.float64),
    beta_wide.reshape(3, 8).astype(np.float64), float(np.float32(EPSILON)),
    L[0], N[0], 24)

# The square root's step bound, on every bit length and around squares.
values = [1, 2, 3, 4, 4095, 4096, 4097, (1 << 62) + 12345, (1 << 63) - 1]
values += [int(v) for v in rng.integers(1, 1 << 62, 2000)]
values += [(1 << b) + d for b in range(1, 63) for d in (-1, 0, 1)]
values += [s * s + d for s in (3, 64, 1000, 3037000499) for d in (-1, 0, 1)]
most = 0
for v in values:
    root, steps = ref.isqrt_newton(v)
    assert root == math.isqrt(v), (v, root)
    most = max(most, steps)
print("isqrt: %d values, floor(sqrt) in at most %d steps" % (len(values), most))

failed = checked = 0
for library, (approximation, gelu_form) in libraries.items():
    outputs = list(Model(library).run(inputs).values())
    expected = [
        (ref.integer_softmax(qx, pair(X), pair(P), P[2], 1, approximation), P),
        (ref.integer_softmax(qx, pair(X), pair(P_NARROW), P_NARROW[2], 1,
                             approximation), P_NARROW),
        (ref.integer_layer_norm(ql, pair(L), *norm, pair(N), N[2], 1), N),
        (ref.integer_layer_norm(qw, pair(L), *norm_wide, pair(N), N[2], 1), N),
        (gelu(qg, G, G_OUT, gelu_form), G_OUT),
        (gelu(qh, H, H_OUT, gelu_form), H_OUT),
    ]
    names = ["softmax", "softmax_narrow", "layer_norm", "layer_norm_wide",
             "gelu " + gelu_form, "gelu_fine " + gelu_form]
    for name, output, (q, params) in zip(names, outputs, expected):
        checked += 1
        failed += not stored_matches(approximation + " " + name, output, q, params[2] == U8)
print("%d outputs checked, %d failed" % (checked, failed))
sys.exit(1 if failed else 0)
