# RUN: rm -rf %t && mkdir -p %t
# RUN: %python %s %t 2> %t/remarks.txt | FileCheck %s
# RUN: FileCheck --check-prefix=REMARK %s < %t/remarks.txt
# CHECK: 3 outputs checked, 0 failed
# REMARK-COUNT-2: remark: accumulator widened to int64: 40000 products of |a - za| <= 255 and |b - zb| <= 255
# REMARK-NOT: remark:
#
# Products whose int32 accumulator could overflow: K = 40000 uint8 x uint8
# terms with zero points 0 reach 40000 * 255 * 255 = 2.6e9 > 2^31. The
# compiler must accumulate them in int64 (and say so), and the results must
# be exact: against int64 numpy for a product read as float, and against
# the reference requantization of that exact sum for a quantized product. A
# product over the same K with int8 weights (|b| <= 127, bound 1.3e9) stays
# in int32: no remark for it.

import os
import subprocess
import sys

import numpy as np

from quill import reference as ref
from quill.runtime import Model

work = sys.argv[1]
ROWS, DEPTH, COLUMNS = 3, 40000, 4
SX, SW, SY = 1 / 255.0, 1 / 255.0, 40000 / 255.0   # x, weights, output
SW8 = 1 / 127.0                                   # the int8 weights

rng = np.random.default_rng(20261122)
weights = rng.integers(0, 256, (DEPTH, COLUMNS), dtype=np.uint8)
weights[:, 0] = 255          # the worst case, all products 255 * 255
weights8 = rng.integers(-127, 128, (DEPTH, COLUMNS), dtype=np.int8)
weights8[:, 0] = 127


def qtensor(shape, storage, scale):
    return "tensor<%sx!quant.uniform<%s:f32,%r>>" % (
        "x".join(map(str, shape)), storage, scale)


def weight_lines(name, values, storage, scale):
    shape = values.shape
    stored = "tensor<%dx%dxi8>" % shape
    q = qtensor(shape, storage, scale)
    return [
        '  %%%s_i = arith.constant dense<"0x%s"> : %s' %
        (name, values.tobytes().hex().upper(), stored),
        "  %%%s_q = quill.storage_cast %%%s_i : %s to %s" % (name, name, stored, q),
        "  %%%s = quill.dequantize %%%s_q : %s to tensor<%dx%dxf32>" %
        (name, name, q, *shape),
    ]


X = "tensor<%dx%dxf32>" % (ROWS, DEPTH)
XQ = qtensor((ROWS, DEPTH), "u8", SX)
P = "tensor<%dx%dxf32>" % (ROWS, COLUMNS)
YQ = qtensor((ROWS, COLUMNS), "u8", SY)
Y8 = "tensor<%dx%dxi8>" % (ROWS, COLUMNS)
lines = ["  %%xq = quill.quantize %%x : %s to %s" % (X, XQ),
         "  %%xf = quill.dequantize %%xq : %s to %s" % (XQ, X)]
lines += weight_lines("w", weights, "u8", SW)
lines += weight_lines("w8", weights8, "i8", SW8)
lines += [
    # Read as float: the int64 sum dequantized.
    "  %%float = quill.matmul %%xf, %%w : (%s, tensor<%dx%dxf32>) -> %s" %
    (X, DEPTH, COLUMNS, P),
    # Quantized: the int64 sum requantized.
    "  %%wide = quill.matmul %%xf, %%w : (%s, tensor<%dx%dxf32>) -> %s" %
    (X, DEPTH, COLUMNS, P),
    "  %%wide_q = quill.quantize %%wide : %s to %s" % (P, YQ),
    "  %%wide_s = quill.storage_cast %%wide_q : %s to %s" % (YQ, Y8),
    # int8 weights: int32 suffices.
    "  %%narrow = quill.matmul %%xf, %%w8 : (%s, tensor<%dx%dxf32>) -> %s" %
    (X, DEPTH, COLUMNS, P),
    "  %%narrow_q = quill.quantize %%narrow : %s to %s" % (P, YQ),
    "  %%narrow_s = quill.storage_cast %%narrow_q : %s to %s" % (YQ, Y8),
]
source = os.path.join(work, "wide.mlir")
with open(source, "w") as f:
    f.write('func.func @wide(%%x: %s {quill.name = "x"}) -> (%s, %s, %s) {\n' %
            (X, P, Y8, Y8))
    f.write("\n".join(lines) + "\n")
    f.write("  return %%float, %%wide_s, %%narrow_s : %s, %s, %s\n}\n" %
            (P, Y8, Y8))
library = os.path.join(work, "wide.so")
subprocess.run(["quill-compile", source, "-o", library], check=True)

x = rng.uniform(0, 1, (ROWS, DEPTH)).astype(np.float32)
x[0] = 1.0                   # every stored value 255
outputs = list(Model(library).run({"x": x}).values())

qx = ref.quantize(x, SX, 0, 0, 255)
accumulator = qx.astype(np.int64) @ weights.astype(np.int64)
accumulator8 = qx.astype(np.int64) @ weights8.astype(np.int64)
assert accumulator.max() > 2**31 - 1, "the test must overflow int32"


def requantized(acc, weight_scale):
    multiplier, shift = ref.dyadic(SX * weight_scale / SY)
    return ref.requantize(acc, multiplier, shift, 0, 0, 0, 255)


checks = [
    ("float", outputs[0], accumulator.astype(np.float64) * np.float32(np.float32(SX) * np.float32(SW))),
    ("wide", outputs[1].view(np.uint8), requantized(accumulator, SW)),
    ("narrow", outputs[2].view(np.uint8), requantized(accumulator8, SW8)),
]
failed = 0
for name, compiled, expected in checks:
    if name == "float":
        same = np.abs(compiled - expected) <= 1e-6 * np.abs(expected)
    else:
        same = compiled.astype(np.int64) == expected
    if not same.all():
        failed += 1
        index = tuple(np.argwhere(~same)[0])
        print("%s: %d of %d differ; first at %s: compiled %s, reference %s" %
              (name, (~same).sum(), same.size, index, compiled[index], expected[index]))
print("%d outputs checked, %d failed" % (len(checks), failed))
sys.exit(1 if failed else 0)
