# RUN: %python %s %t
#
# quill.block_quantize / quill.block_dequantize for every MX format and NVFP4,
# bit for bit against the numpy reference (python/quill/reference.py, written
# from the ops' documented rules): the lowering, run compiled, on random
# blocks of every magnitude, edge blocks (zeros, NaN, infinities, ties,
# saturation, subnormal amax, the scale range's ends), and every element
# code under every scale class; the constant folder (quill-quantize's path
# for weights) on the same values; and the GPU path's kernels, run by the
# GPU emulator (--target=gpu-emulator).

import os
import sys

import numpy as np

import quill
from quill import reference as ref

WORK = sys.argv[1]
os.makedirs(WORK, exist_ok=True)
rng = np.random.default_rng(20261207)
failures = []

ELEMENT_TYPES = {"mxint8": "i8"}
SCALE_TYPES = {"nvfp4": "f8E4M3FN"}
ROWS, INNER = 3, 2  # blocks run along axis 1 of [ROWS, K, INNER]


def hex_dense(values):
    """A dense literal of the exact bits (little-endian raw data)."""
    return 'dense<"0x%s">' % np.asarray(values, np.float32).tobytes().hex().upper()


def attributes(fmt, tensor_scale, rounding):
    attrs = ["format = #quill.block_format<%s>" % fmt, "axis = 1 : i32"]
    if tensor_scale is not None:
        bits = np.float32(tensor_scale).view(np.uint32)
        attrs.append("tensor_scale = 0x%08X : f32" % bits)
    if rounding == "up":
        attrs.append("scale_rounding = #quill.block_scale_rounding<up>")
    return "{%s}" % ", ".join(attrs)


def program(fmt, k, tensor_scale, rounding, constant=None):
    """A function that quantizes x and dequantizes (codes, scales); with
    `constant`, x is that constant and the folder computes the quantize."""
    element_type = ELEMENT_TYPES.get(fmt, ref.BLOCK_FORMATS[fmt][0])
    scale_type = SCALE_TYPES.get(fmt, "f8E8M0FNU")
    block = ref.BLOCK_FORMATS[fmt][1]
    x_type = "tensor<%dx%dx%dxf32>" % (ROWS, k, INNER)
    e_type = "tensor<%dx%dx%dx%s>" % (ROWS, k, INNER, element_type)
    s_type = "tensor<%dx%dx%dx%s>" % (ROWS, k // block, INNER, scale_type)
    attrs = attributes(fmt, tensor_scale, rounding)
    dq_attrs = attributes(fmt, tensor_scale, "floor")
    if constant is None:
        arguments = "%%x: %s, %%e: %s, %%s: %s" % (x_type, e_type, s_type)
        source = ""
    else:
        arguments = "%%e: %s, %%s: %s" % (e_type, s_type)
        source = "  %%x = arith.constant %s : %s\n" % (hex_dense(constant),
                                                     x_type)
    return """func.func @main(%s) -> (%s, %s, tensor<%dx%dx%dxf32>) {
%s  %%qe, %%qs = quill.block_quantize %%x %s : %s -> %s, %s
  %%d = quill.block_dequantize %%e, %%s %s : %s, %s -> tensor<%dx%dx%dxf32>
  return %%qe, %%qs, %%d : %s, %s, tensor<%dx%dx%dxf32>
}
""" % (arguments, e_type, s_type, ROWS, k, INNER, source, attrs, x_type, e_type,
       s_type, dq_attrs, e_type, s_type, ROWS, k, INNER, e_type, s_type, ROWS,
       k, INNER)


def edge_blocks(fmt, block):
    """Blocks that exercise every rule's corner."""
    element = ref.BLOCK_FORMATS[fmt][0]
    largest = ref.SMALL_FLOATS[element][3] if element else 127 / 64
    emax = int(np.floor(np.log2(largest)))
    blocks = [
        np.zeros(block),
        np.full(block, -0.0),
        np.r_[np.nan, np.ones(block - 1)],
        np.r_[np.inf, -np.ones(block - 1)],
        np.r_[-np.inf, np.arange(block - 1)],
        np.r_[3e38, -3e38, rng.standard_normal(block - 2)],
        np.r_[1e-40, -3e-42, np.zeros(block - 2)],  # subnormal amax
        np.r_[2.0 ** -126, 2.0 ** -130, np.zeros(block - 2)],
        # amax just above and at the largest element times a power of two:
        # the floor rule saturates it, the rounded-up rule does not.
        np.r_[largest * 1.01 * 2.0 ** 5, np.linspace(-1, 1, block - 1) * 2.0 ** 5],
        np.r_[largest * 2.0 ** -3, np.linspace(-1, 1, block - 1)],
        np.r_[2.0 ** (emax + 1) * 0.999, rng.standard_normal(block - 1)],
    ]
    # Ties: midpoints between neighbouring element values at scale 1.
    if element:
        values = np.unique(np.abs(ref.small_float_values(
            np.arange(1 << (1 + sum(ref.SMALL_FLOATS[element][:2]))), element)))
        values = values[np.isfinite(values)]
        midpoints = (values[1:] + values[:-1]) / 2
        tie = np.resize(np.r_[largest, midpoints, -midpoints], block)
        blocks.append(tie)
    else:
        blocks.append(np.resize(np.r_[127 / 64, (np.arange(-40, 40) + 0.5) / 64], block))
    return blocks


def inputs_for(fmt, k):
    element, block = ref.BLOCK_FORMATS[fmt]
    count = ROWS * k * INNER // block
    blocks = edge_blocks(fmt, block)
    while len(blocks) < count:
        magnitude = 2.0 ** rng.uniform(-60, 60)
        blocks.append(rng.standard_normal(block) * magnitude)
    blocks = np.array(blocks[:count], np.float32)
    # Block b of the flat list sits at (row, block index, inner) of x.
    x = blocks.reshape(ROWS, INNER, k // block, block).transpose(0, 2, 3, 1)
    x = np.ascontiguousarray(x.reshape(ROWS, k, INNER))
    width = 8 if element is None else 1 + sum(ref.SMALL_FLOATS[element][:2])
    codes = np.resize(np.arange(1 << width, dtype=np.uint8), x.shape)
    rng.shuffle(codes.reshape(-1))
    scale_codes = np.r_[0, 1, 2, 100, 127, 128, 200, 253, 254, 255]
    if fmt == "nvfp4":
        scale_codes = np.arange(256)
    scales = np.resize(scale_codes, (ROWS, k // block, INNER)).astype(np.uint8)
    return x, codes, scales


def same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype == np.float32:
        a, b = a.view(np.uint32), np.asarray(b, np.float32).view(np.uint32)
        nan_a = (a & 0x7FFFFFFF) > 0x7F800000
        nan_b = (b & 0x7FFFFFFF) > 0x7F800000
        return a.shape == b.shape and np.array_equal(nan_a, nan_b) and \
            np.array_equal(a[~nan_a], b[~nan_b])
    return a.shape == b.shape and np.array_equal(a, b)


def check(name, got, want):
    if same_bits(got, want):
        return
    failures.append(name)
    got, want = np.asarray(got).ravel(), np.asarray(want).ravel()
    bad = np.flatnonzero(got.view(np.uint8 if got.itemsize == 1 else np.uint32)
                         != want.astype(got.dtype).view(
                             np.uint8 if got.itemsize == 1 else np.uint32))
    print("MISMATCH %s at %d places, first %s: got %s want %s" %
          (name, bad.size, bad[:4], got[bad[:4]], want[bad[:4]]))


CASES = [(fmt, "floor") for fmt in ref.BLOCK_FORMATS] + \
    [(fmt, "up") for fmt in ref.BLOCK_FORMATS if fmt != "nvfp4"]
for fmt, rounding in CASES:
    block = ref.BLOCK_FORMATS[fmt][1]
    k = 4 * block
    x, codes, scales = inputs_for(fmt, k)
    tensor_scale = np.float32(448 * 6 / 37.5) if fmt == "nvfp4" else None
    want_e, want_s = ref.block_quantize(x, fmt, 1, tensor_scale, rounding)
    want_d = ref.block_dequantize(codes, scales, fmt, 1, tensor_scale)
    if fmt == "mxint8":  # i8 elements cross the ABI as int8
        codes, want_e = codes.view(np.int8), want_e.view(np.int8)
    for mode, target in (("lowered", "cpu"), ("folded", "cpu"),
                         ("lowered", "gpu-emulator")):
        name = "%s-%s-%s-%s" % (fmt, rounding, mode, target)
        path = os.path.join(WORK, name + ".mlir")
        with open(path, "w") as f:
            f.write(program(fmt, k, tensor_scale, rounding,
                            x if mode == "folded" else None))
        library = quill.compile(path, output=os.path.join(WORK, name + ".so"),
                                target=target)
        model = quill.Model(library)
        arrays = ([x] if mode == "lowered" else []) + [codes, scales]
        feeds = {"input_%d" % i: a for i, a in enumerate(arrays)}
        outputs = list(model.run(feeds).values())
        check(name + " elements", outputs[0], want_e)
        check(name + " scales", outputs[1], want_s)
        check(name + " dequantized", outputs[2], want_d)
    print("ok %s %s" % (fmt, rounding))

if failures:
    print("%d failed: %s" % (len(failures), ", ".join(failures)))
    sys.exit(1)
print("%d formats bit-exact" % len(CASES))
