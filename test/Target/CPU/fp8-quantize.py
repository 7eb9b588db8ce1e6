# RUN: rm -rf %t && mkdir -p %t
# RUN: %python %s %t | FileCheck %s
# CHECK: 3 outputs checked, 0 failed
#
# The CPU lowering of quill.quantize / quill.dequantize with fp8
# (!quill.float_quant, stored as i8 bits) must agree bit for bit with the
# numpy reference (python/quill/reference.py): every finite value of each
# format and the midpoints between neighbours (ties to even), values just
# off the midpoints, subnormals and the values below them, saturation
# (beyond the largest value, infinities), signed zeros, NaN, and random
# values over many magnitudes; per tensor and per axis.

import os
import subprocess
import sys

import numpy as np

from quill import reference as ref
from quill.runtime import Model

work = sys.argv[1]


def format_values(fmt):
    """Every finite value of `fmt` and the midpoints between neighbours,
    with values one float32 step either side of each midpoint."""
    values = ref.fp8_from_bits(np.arange(256), fmt)
    finite = np.unique(values[np.isfinite(values)])
    middles = ((finite[1:] + finite[:-1]) / 2).astype(np.float32)
    return np.concatenate([
        finite.astype(np.float32), middles,
        np.nextafter(middles, np.float32(np.inf)),
        np.nextafter(middles, np.float32(-np.inf))])


rng = np.random.default_rng(20261122)
specials = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e30, -1e30, 449.0,
                     464.0, 480.0, 57344.0, 61440.0, 65536.0, 2.0**-10,
                     2.0**-17, 2.0**-18, 3 * 2.0**-18, 1e-45], np.float32)
random = (rng.standard_normal(512) *
          10.0 ** rng.uniform(-8, 6, 512)).astype(np.float32)
x = np.concatenate([format_values("f8E4M3FN"), format_values("f8E5M2"),
                    specials, random]).astype(np.float32)
x = np.concatenate([x, np.zeros((-len(x)) % 2, np.float32)]).reshape(2, -1)
n = x.shape[1]

E4M3 = "!quill.float_quant<f8E4M3FN:f32, 1.000000e+00>"
E5M2 = "!quill.float_quant<f8E5M2:f32, 2.500000e-01>"
AXIS = "!quill.float_quant<f8E4M3FN:f32:0, {5.000000e-01, 3.000000e+00}>"
T = "tensor<2x%dxf32>" % n
with open(os.path.join(work, "fp8.mlir"), "w") as f:
    f.write("func.func @fp8(%x: " + T + " {quill.name = \"x\"}) -> (" +
            ", ".join([T] * 3) + ") {\n")
    for i, element in enumerate([E4M3, E5M2, AXIS]):
        q = "tensor<2x%dx%s>" % (n, element)
        f.write("  %%q%d = quill.quantize %%x : %s to %s\n" % (i, T, q))
        f.write("  %%y%d = quill.dequantize %%q%d : %s to %s\n" % (i, i, q, T))
    f.write("  return %y0, %y1, %y2 : " + ", ".join([T] * 3) + "\n}\n")
library = os.path.join(work, "fp8.so")
subprocess.run(["quill-compile", os.path.join(work, "fp8.mlir"), "-o", library],
               check=True)
outputs = list(Model(library).run({"x": x}).values())

scales = [np.float32(1.0), np.float32(0.25),
          np.array([[0.5], [3.0]], np.float32)]
failed = 0
for output, fmt, scale in zip(outputs, ["f8E4M3FN", "f8E5M2", "f8E4M3FN"],
                              scales):
    expected = ref.dequantize_fp8(ref.quantize_fp8(x, scale, fmt), scale)
    same = (output.view(np.uint32) == expected.view(np.uint32)) | (
        np.isnan(output) & np.isnan(expected))
    if not same.all():
        failed += 1
        for index in np.argwhere(~same)[:5]:
            index = tuple(index)
            print("%s: x=%r: compiled %r, reference %r" %
                  (fmt, x[index], output[index], expected[index]))
print("3 outputs checked, %d failed" % failed)
sys.exit(1 if failed else 0)
