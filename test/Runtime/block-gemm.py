# RUN: %python %s %t
#
# quill_block_gemm (products with MX / NVFP4 weights packed at compile time,
# and with 4-bit integer weights per block: int4 symmetric as
# --quantize=int4-weights writes them, uint4 with zero points as ONNX
# Runtime's MatMulNBits) against numpy: for every format, weights [K, N]
# (MatMul) and [N, K]
# (Gemm's transposed B), N not a multiple of the 16-column panel, 1 and 11
# rows (8-row passes and a tail), random codes of every finite value and
# scales across the range; on each code path this CPU runs (scalar, and
# AVX2 and AVX-512 where the CPU has them; skipped with the reason
# otherwise), and on
# the GPU path through the GPU emulator (the dequantize and product kernels
# as PTX would run them). The
# reference dequantizes with python/quill/reference.py and multiplies in
# float64; the kernel sums each block in f32 before its scale, so results
# agree to f32 rounding of the sums. With --low-bit-compute=int8 the 4-bit
# formats' kernels quantize A per block (the reference does the same f32
# arithmetic; zero, tiny, Inf and NaN blocks included) and every vector
# path must give the scalar path's bits; the other formats stay f32.

import os
import re
import shutil
import subprocess
import sys

import numpy as np

import quill
from quill import compiler
from quill import reference as ref

WORK = sys.argv[1]
os.makedirs(WORK, exist_ok=True)
rng = np.random.default_rng(24)
failures = []
ELEMENT_TYPES = {"mxint8": "i8"}
N, ROWS = 37, (1, 11)


CPU_FLAGS = open("/proc/cpuinfo").read().split()


def finite_codes(fmt, shape):
    element = ref.BLOCK_FORMATS[fmt][0]
    width = 8 if element is None else 1 + sum(ref.SMALL_FLOATS[element][:2])
    codes = np.arange(1 << width)
    if element:
        codes = codes[np.isfinite(ref.small_float_values(codes, element))]
    return rng.choice(codes, size=shape).astype(np.uint8)


def scale_codes(fmt, shape):
    if fmt == "nvfp4":  # positive E4M3 scales between 2^-4 and 2^4
        return rng.integers(0x18, 0x58, size=shape).astype(np.uint8)
    return rng.integers(120, 135, size=shape).astype(np.uint8)


def dense(values, element):
    data = np.asarray(values)
    if element == "i8":
        data = data.astype(np.uint8)
    return 'dense<"0x%s">' % data.tobytes().hex().upper()


def header(k):
    return ("func.func @main(%%a: tensor<%dx%dxf32>, %%b: tensor<%dx%dxf32>) -> "
            "(tensor<%dx%dxf32>, tensor<%dx%dxf32>) {" % (ROWS[0], k, ROWS[1], k,
                                                        ROWS[0], N, ROWS[1], N))


def products(k, transposed, f_type):
    """Both rows' products with %w (MatMul, or Gemm reading it transposed)
    and the return."""
    lines = []
    for name, rows in (("a", ROWS[0]), ("b", ROWS[1])):
        out = "tensor<%dx%dxf32>" % (rows, N)
        if transposed:
            lines.append("  %%y%s = quill.gemm %%%s, %%w {trans_b} : (tensor<%dx%dxf32>, %s) -> %s"
                         % (name, name, rows, k, f_type, out))
        else:
            lines.append("  %%y%s = quill.matmul %%%s, %%w : (tensor<%dx%dxf32>, %s) -> %s"
                         % (name, name, rows, k, f_type, out))
    lines.append("  return %%ya, %%yb : tensor<%dx%dxf32>, tensor<%dx%dxf32>" % (
        ROWS[0], N, ROWS[1], N))
    return lines + ["}"]


def program(fmt, k, transposed, codes, scales, tensor_scale):
    element = ELEMENT_TYPES.get(fmt, ref.BLOCK_FORMATS[fmt][0])
    scale_type = "f8E4M3FN" if fmt == "nvfp4" else "f8E8M0FNU"
    w_shape = (N, k) if transposed else (k, N)
    axis = 1 if transposed else 0
    attrs = "{format = #quill.block_format<%s>, axis = %d : i32%s}" % (
        fmt, axis, ", tensor_scale = 0x%08X : f32" % np.float32(tensor_scale).view(np.uint32)
        if tensor_scale else "")
    w_type = "tensor<%dx%dx%s>" % (w_shape + (element,))
    s_type = "tensor<%dx%dx%s>" % (scales.shape + (scale_type,))
    f_type = "tensor<%dx%dxf32>" % w_shape
    lines = [header(k),
             "  %%e = arith.constant %s : %s" % (dense(codes, element), w_type),
             "  %%s = arith.constant %s : %s" % (dense(scales, scale_type), s_type),
             "  %%w = quill.block_dequantize %%e, %%s %s : %s, %s -> %s" % (
                 attrs, w_type, s_type, f_type)]
    return "\n".join(lines + products(k, transposed, f_type)) + "\n"


def quant_type(signed, k, transposed, scales, zero_points):
    """!quant.uniform with a scale and zero point per block of 32 along K."""
    blocks = "{0:1, 1:32}" if transposed else "{0:32, 1:1}"
    rows = ", ".join("{%s}" % ", ".join("%s:%d" % (float(np.float32(sc)).__repr__(), zp)
                                        for sc, zp in zip(srow, zrow))
                     for srow, zrow in zip(scales, zero_points))
    storage = "i4" if signed else "u4"
    return "!quant.uniform<%s:f32:%s, {%s}>" % (storage, blocks, rows)


def int4_program(k, transposed, codes, scales, zero_points, signed):
    w_shape = (N, k) if transposed else (k, N)
    element = quant_type(signed, k, transposed, scales, zero_points)
    q_type = "tensor<%dx%dx%s>" % (w_shape + (element,))
    c_type = "tensor<%dx%dxi4>" % w_shape
    f_type = "tensor<%dx%dxf32>" % w_shape
    values = np.asarray(codes, np.int64)
    lines = [header(k),
             "  %%c = arith.constant dense<%s> : %s" % (values.tolist(), c_type),
             "  %%q = quill.storage_cast %%c : %s to %s" % (c_type, q_type),
             "  %%w = quill.dequantize %%q : %s to %s" % (q_type, f_type)]
    return "\n".join(lines + products(k, transposed, f_type)) + "\n"


def int4_case(signed, transposed):
    """Codes, per-block parameters (in the scale tensor's layout) and the
    dequantized [K, N] weights."""
    k = 96
    w_shape = (N, k) if transposed else (k, N)
    param_shape = (N, k // 32) if transposed else (k // 32, N)
    if signed:  # int4-weights: symmetric in [-7, 7]
        codes = rng.integers(-7, 8, size=w_shape)
        zero_points = np.zeros(param_shape, np.int64)
    else:  # MatMulNBits: uint4 with zero points
        codes = rng.integers(0, 16, size=w_shape)
        zero_points = rng.integers(0, 16, size=param_shape)
    scales = (2.0 ** rng.uniform(-8, 0, size=param_shape)).astype(np.float32)
    axis = 1 if transposed else 0
    expand = lambda p: np.repeat(p, 32, axis=axis)  # noqa: E731
    weights = (codes - expand(zero_points)).astype(np.float32) * expand(scales)
    return k, codes, scales, zero_points, weights.T if transposed else weights


paths = ["scalar"]
for isa, flags in (("avx2", ("avx2", "fma")),
                   ("avx512", ("avx512f", "avx512bw", "avx512dq", "avx512vl"))):
    if all(flag in CPU_FLAGS for flag in flags):
        paths.append(isa)
    else:
        print("skipped %s: this CPU lacks %s" % (isa, ", ".join(flags)))
def int8_activation_reference(x, weights, block):
    """x @ weights with x quantized as the int8-activation kernels do: per
    row and block, codes rint(x * (127 / max|x|)) in f32, scale
    max|x| / 127; a block below 2^-120 is zero, one with Inf or NaN makes
    the row NaN."""
    rows, k = x.shape
    blocks = x.reshape(rows, k // block, block)
    largest = np.abs(blocks).max(axis=2)
    scaled = (largest >= np.float32(2.0 ** -120)) & np.isfinite(largest)
    inverse = np.where(scaled, np.float32(127) / np.where(scaled, largest, 1),
                       np.float32(0)).astype(np.float32)
    codes = np.rint((blocks * inverse[..., None]).astype(np.float32))
    scale = np.where(scaled, largest / np.float32(127), 0).astype(np.float32)
    dequantized = (codes * scale[..., None].astype(np.float64)).reshape(rows, k)
    want = dequantized @ weights.astype(np.float64)
    bound = 1e-5 * (np.abs(dequantized) @ np.abs(weights)) + 1e-30
    want[~np.isfinite(largest).all(axis=1)] = np.nan
    return want, bound


def edge_rows(k, block):
    """11 rows of A, some with the blocks the quantizer treats apart: all
    zero, below 2^-120, Inf, NaN."""
    x = rng.standard_normal((ROWS[1], k)).astype(np.float32)
    x[3, :block] = 0
    x[4, block:2 * block] = rng.standard_normal(block) * 1e-38
    x[5, 1] = np.inf
    x[6, k - 1] = np.nan
    return x


def run_paths(name, library, isas, inputs):
    """Each code path's outputs for `inputs`, by ISA."""
    results = {}
    for isa in isas:
        copy = os.path.join(WORK, "%s-%s.so" % (name, isa))
        shutil.copy(library, copy)
        os.environ["QUILL_BLOCK_GEMM_ISA"] = isa
        results[isa] = list(quill.Model(copy).run(inputs).values())
    return results


def check_packed_size(name, path, fmt, k):
    """The library keeps the weight in its own width: per panel of 16
    columns and block, 16 scale bytes and 16 codes of 4, 6 or 8 bits per k
    (6-bit weights padded by 4 bytes for the kernels' 16-byte loads)."""
    element, block = ref.BLOCK_FORMATS[fmt]
    bits = 8 if element is None else 1 + sum(ref.SMALL_FLOATS[element][:2])
    panels = -(-N // 16)
    want = panels * (k // block) * (16 + block * 16 * bits // 8) + (4 if bits == 6 else 0)
    llvm = subprocess.run([compiler.find_compiler(), path, "--emit=llvm", "-o", "-"],
                          capture_output=True, text=True, check=True).stdout
    sizes = re.findall(r"_block_packed = private constant \[(\d+) x i8\]", llvm)
    if sizes != [str(want)]:
        failures.append("%s packed size" % name)
        print("MISMATCH %s: packed weights %s bytes, want %d" % (name, sizes, want))


def check_products(name, path, k, weights, block, int8_activations):
    """Compiles `path` for the CPU and the GPU emulator and checks both
    products on every code path; then, for formats the int8-activation
    kernels take, compiled with --low-bit-compute=int8 (the others must
    stay f32)."""
    library = quill.compile(path, output=os.path.join(WORK, name + ".so"))
    emulated = quill.compile(path, output=os.path.join(WORK, name + "-gpu.so"),
                             target="gpu-emulator")
    a = rng.standard_normal((ROWS[0], k)).astype(np.float32)
    b = rng.standard_normal((ROWS[1], k)).astype(np.float32)
    inputs = {"input_0": a, "input_1": b}
    results = run_paths(name, library, paths, inputs)
    results.update(run_paths(name, emulated, ["gpu-emulator"], inputs))
    for isa, outputs in results.items():
        for x, got in zip((a, b), outputs):
            want = x.astype(np.float64) @ weights.astype(np.float64)
            bound = 1e-5 * (np.abs(x) @ np.abs(weights)) + 1e-30
            if got.shape != want.shape or np.any(np.abs(got - want) > bound):
                failures.append("%s %s %d rows" % (name, isa, x.shape[0]))
                print("MISMATCH %s %s: max error %g" % (
                    name, isa, np.max(np.abs(got - want))))

    name += "-int8"
    library = quill.compile(path, output=os.path.join(WORK, name + ".so"),
                            low_bit_compute="int8")
    b = edge_rows(k, block)
    inputs = {"input_0": a, "input_1": b}
    results = run_paths(name, library, paths, inputs)
    for isa, outputs in results.items():
        for x, got, scalar in zip((a, b), outputs, results["scalar"]):
            if int8_activations:
                want, bound = int8_activation_reference(x, weights, block)
            else:
                want = x.astype(np.float64) @ weights.astype(np.float64)
                bound = 1e-5 * (np.abs(x) @ np.abs(weights)) + 1e-30
            error = np.abs(got - want)
            bad = (np.isnan(got) != np.isnan(want)) | (error > bound)
            # The vector paths do the scalar path's arithmetic in its order.
            if int8_activations and not np.array_equal(got, scalar,
                                                       equal_nan=True):
                bad |= True
            if got.shape != want.shape or np.any(bad):
                failures.append("%s %s %d rows" % (name, isa, x.shape[0]))
                print("MISMATCH %s %s: max error %g, rows %s" % (
                    name, isa, np.nanmax(error), np.unique(np.nonzero(bad)[0])))
    print("ok %s" % name)


cases = 0
for fmt in ref.BLOCK_FORMATS:
    block = ref.BLOCK_FORMATS[fmt][1]
    k = 3 * block
    for transposed in (False, True):
        w_shape = (N, k) if transposed else (k, N)
        axis = 1 if transposed else 0
        codes = finite_codes(fmt, w_shape)
        scale_shape = (N, k // block) if transposed else (k // block, N)
        scales = scale_codes(fmt, scale_shape)
        tensor_scale = 3.5 if fmt == "nvfp4" else None
        weights = ref.block_dequantize(codes, scales, fmt, axis, tensor_scale)
        if transposed:
            weights = weights.T
        name = "%s-%s" % (fmt, "nk" if transposed else "kn")
        path = os.path.join(WORK, name + ".mlir")
        with open(path, "w") as f:
            f.write(program(fmt, k, transposed, codes, scales, tensor_scale))
        check_packed_size(name, path, fmt, k)
        check_products(name, path, k, weights, block,
                       fmt in ("mxfp4_e2m1", "nvfp4"))
        cases += 1
for signed in (True, False):
    for transposed in (False, True):
        k, codes, scales, zero_points, weights = int4_case(signed, transposed)
        name = "%s-%s" % ("int4" if signed else "uint4", "nk" if transposed else "kn")
        path = os.path.join(WORK, name + ".mlir")
        with open(path, "w") as f:
            f.write(int4_program(k, transposed, codes, scales, zero_points, signed))
        check_products(name, path, k, weights, 32, True)
        cases += 1

if failures:
    print("%d failed: %s" % (len(failures), ", ".join(failures)))
    sys.exit(1)
print("%d products agree" % (cases * (2 * len(paths) + 1) * 2))
