# RUN: %python %s quill-opt
#
# Constant folding of quill.quantize / quill.dequantize / quill.requantize
# must agree bit for bit with the independent numpy reference
# (python/quill/reference.py) on random and edge-case inputs: ties, saturation,
# NaN and infinities, per-tensor / per-axis / per-block parameters, unsigned
# storage, narrow ranges, extreme multipliers and shifts.

import json
import re
import subprocess
import sys

import numpy as np

from quill import reference as ref

rng = np.random.default_rng(20261121)
cases = []  # (name, function text, expected array, result element kind)


def mlir_dense(values, dtype):
    """A dense literal whose floats are exact (hex bit patterns)."""
    values = np.asarray(values, dtype=dtype)
    if np.issubdtype(values.dtype, np.floating):
        bits = values.view({2: np.uint16, 4: np.uint32}[values.itemsize])
        width = values.itemsize * 2
        body = json.dumps(bits.tolist())
        body = re.sub(r"\d+", lambda m: "0x%0*X" % (width, int(m.group())), body)
    else:
        body = json.dumps(values.tolist())
    return "dense<%s>" % body


def tensor(shape, element):
    return "tensor<%s>" % "x".join([str(d) for d in shape] + [element])


def exact(scale):
    """The decimal spelling of a float32 scale that parses back exactly."""
    return repr(float(np.float32(scale)))


def quant_type(storage, params, axis=None, blocks=None, expressed="f32"):
    """!quant.uniform text for (scale, zero point) pairs."""
    pair = lambda s, z: exact(s) + ("" if z == 0 else ":%d" % z)
    if blocks is not None:
        spec = ", ".join("%d:%d" % item for item in blocks.items())
        rows = ", ".join("{%s}" % ", ".join(pair(s, z) for s, z in row)
                         for row in params)
        return "!quant.uniform<%s:%s:{%s}, {%s}>" % (storage, expressed, spec, rows)
    if axis is not None:
        body = ", ".join(pair(s, z) for s, z in params)
        return "!quant.uniform<%s:%s:%d, {%s}>" % (storage, expressed, axis, body)
    (s, z), = params
    return "!quant.uniform<%s:%s, %s>" % (storage, expressed, pair(s, z))


def add_quantize(name, x, storage, scales, zero_points, axis=None, blocks=None,
                 float_type="f32", np_float=np.float32):
    bits = int(re.search(r"\d+", storage).group())
    narrow = "<-" in storage
    qmin, qmax = ref.storage_range(bits, storage.startswith("i"), narrow)
    scales = np.asarray(scales, np.float32)
    zero_points = np.asarray(zero_points, np.int64)
    if blocks is not None:
        params = [list(zip(r_s, r_z)) for r_s, r_z in zip(scales.tolist(), zero_points.tolist())]
    else:
        params = list(zip(scales.reshape(-1).tolist(), zero_points.reshape(-1).tolist()))
    qtype = quant_type(storage, params, axis, blocks, float_type)
    s = ref.expand_params(scales, x.shape, axis, blocks)
    z = ref.expand_params(zero_points, x.shape, axis, blocks)
    expected = ref.quantize(x.astype(np.float32), s, z, qmin, qmax)
    ftype, qtensor = tensor(x.shape, float_type), tensor(x.shape, qtype)
    text = f"""func.func @{name}() -> {qtensor} {{
  %x = arith.constant {mlir_dense(x, np_float)} : {ftype}
  %q = quill.quantize %x : {ftype} to {qtensor}
  return %q : {qtensor}
}}"""
    # Stored bits read back as the storage's signedness.
    cases.append((name, text, expected, "int", bits, storage.startswith("i")))


def add_dequantize(name, q, storage, scales, zero_points, axis=None, blocks=None):
    bits = int(re.search(r"\d+", storage).group())
    scales = np.asarray(scales, np.float32)
    zero_points = np.asarray(zero_points, np.int64)
    if blocks is not None:
        params = [list(zip(r_s, r_z)) for r_s, r_z in zip(scales.tolist(), zero_points.tolist())]
    else:
        params = list(zip(scales.reshape(-1).tolist(), zero_points.reshape(-1).tolist()))
    qtype = quant_type(storage, params, axis, blocks)
    s = ref.expand_params(scales, q.shape, axis, blocks)
    z = ref.expand_params(zero_points, q.shape, axis, blocks)
    expected = ref.dequantize(q, s, z)
    itype = tensor(q.shape, "i%d" % bits)
    qtensor, ftype = tensor(q.shape, qtype), tensor(q.shape, "f32")
    # Unsigned storage is written as the same bits in a signless constant.
    stored = np.where(q >= 1 << (bits - 1), q - (1 << bits), q) if storage.startswith("u") else q
    text = f"""func.func @{name}() -> {ftype} {{
  %i = arith.constant {mlir_dense(stored, np.int64)} : {itype}
  %q = quill.storage_cast %i : {itype} to {qtensor}
  %x = quill.dequantize %q : {qtensor} to {ftype}
  return %x : {ftype}
}}"""
    cases.append((name, text, expected, "float", 32, True))


def add_requantize(name, x, in_bits, out_bits, multipliers, shifts, axis=None,
                   izp=0, ozp=0, in_unsigned=False, out_unsigned=False,
                   clamp=None):
    out_min, out_max = ref.storage_range(out_bits, not out_unsigned)
    cmin, cmax = clamp if clamp else (out_min, out_max)
    m = ref.expand_params(np.asarray(multipliers, np.int64), x.shape,
                          axis if len(multipliers) > 1 else None)
    s = ref.expand_params(np.asarray(shifts, np.int64), x.shape,
                          axis if len(shifts) > 1 else None)
    expected = ref.requantize(x, m, s, izp, ozp, cmin, cmax)
    attrs = ["multiplier = array<i32: %s>" % ", ".join(map(str, multipliers)),
             "shift = array<i8: %s>" % ", ".join(map(str, shifts)),
             "input_zero_point = %d : i32" % izp,
             "output_zero_point = %d : i32" % ozp]
    if axis is not None:
        attrs.append("axis = %d : i32" % axis)
    if in_unsigned:
        attrs.append("input_unsigned")
    if out_unsigned:
        attrs.append("output_unsigned")
    if clamp:
        attrs += ["clamp_min = %d" % cmin, "clamp_max = %d" % cmax]
    stored = np.where(x >= 1 << (in_bits - 1), x - (1 << in_bits), x) if in_unsigned else x
    itype, otype = tensor(x.shape, "i%d" % in_bits), tensor(x.shape, "i%d" % out_bits)
    text = f"""func.func @{name}() -> {otype} {{
  %x = arith.constant {mlir_dense(stored, np.int64)} : {itype}
  %y = quill.requantize %x {{{", ".join(attrs)}}} : {itype} to {otype}
  return %y : {otype}
}}"""
    cases.append((name, text, expected, "int", out_bits, not out_unsigned))


def fp8_type(fmt, scales, axis=None):
    body = ", ".join(exact(v) for v in scales)
    if axis is None:
        return "!quill.float_quant<%s:f32, %s>" % (fmt, body)
    return "!quill.float_quant<%s:f32:%d, {%s}>" % (fmt, axis, body)


def add_quantize_fp8(name, x, fmt, scales, axis=None):
    scales = np.asarray(scales, np.float32)
    qtype = fp8_type(fmt, scales.tolist(), axis)
    s = ref.expand_params(scales, x.shape, axis)
    expected = ref.quantize_fp8(x, s, fmt)
    ftype, qtensor = tensor(x.shape, "f32"), tensor(x.shape, qtype)
    text = f"""func.func @{name}() -> {qtensor} {{
  %x = arith.constant {mlir_dense(x, np.float32)} : {ftype}
  %q = quill.quantize %x : {ftype} to {qtensor}
  return %q : {qtensor}
}}"""
    cases.append((name, text, expected, fmt, 8, True))


def add_dequantize_fp8(name, bits, fmt, scales, axis=None):
    scales = np.asarray(scales, np.float32)
    values = ref.fp8_from_bits(bits, fmt)
    qtype = fp8_type(fmt, scales.tolist(), axis)
    s = ref.expand_params(scales, values.shape, axis)
    expected = ref.dequantize_fp8(values, s)
    stype, qtensor = tensor(values.shape, fmt), tensor(values.shape, qtype)
    ftype = tensor(values.shape, "f32")
    literal = "dense<%s>" % json.dumps(values.tolist())
    text = f"""func.func @{name}() -> {ftype} {{
  %s = arith.constant {literal} : {stype}
  %q = quill.storage_cast %s : {stype} to {qtensor}
  %x = quill.dequantize %q : {qtensor} to {ftype}
  return %x : {ftype}
}}"""
    cases.append((name, text, expected, "float", 32, True))


# --- quantize ---------------------------------------------------------------
ties = (np.arange(-8, 8) + 0.5).astype(np.float32) * 0.25  # exact halves of scale 0.25
specials = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e30, -1e30, 0.125], np.float32)
add_quantize("quantize_ties_half_even", ties, "i8", [0.25], [0])
add_quantize("quantize_specials", specials, "i8", [0.25], [3])
for storage in ["i8", "u8", "i4", "u4", "i8<-127:127>", "i16"]:
    bits = int(re.search(r"\d+", storage).group())
    x = (rng.standard_normal(48) * 40).astype(np.float32)
    low, high = ref.storage_range(bits, storage.startswith("i"))
    name = "quantize_" + re.sub(r"\W", "_", storage)
    zp = int(rng.integers(max(low, -100), min(high, 100) + 1)) if storage[0] == "u" or bits > 4 else 1
    add_quantize(name, x, storage, [float(rng.uniform(0.01, 2.0))], [zp])
x = (rng.standard_normal((3, 5)) * 3).astype(np.float32)
add_quantize("quantize_per_axis_0", x, "i8", rng.uniform(0.001, 0.1, 3), [0, 5, -7], axis=0)
add_quantize("quantize_per_axis_1", x, "u8", rng.uniform(0.01, 0.1, 5), rng.integers(0, 256, 5), axis=1)
x = (rng.standard_normal((4, 8)) * 2).astype(np.float32)
add_quantize("quantize_per_block", x, "i4", rng.uniform(0.05, 0.5, (4, 2)), np.zeros((4, 2)), blocks={0: 1, 1: 4})
add_quantize("quantize_per_block_2d", x, "u8", rng.uniform(0.01, 0.1, (2, 4)), rng.integers(0, 256, (2, 4)), blocks={0: 2, 1: 2})
add_quantize("quantize_f16", (rng.standard_normal(16) * 10).astype(np.float16).astype(np.float32),
             "i8", [0.125], [-4], float_type="f16", np_float=np.float16)

# fp8: ties between neighbours (e4m3 spacing 0.25 on [2, 4)), saturation,
# infinities, NaN, subnormals, random values, per axis.
fp8_edges = np.array([2.125, 2.375, 2.625, -2.875, 447.9, 464.0, 480.0, 1e9, np.inf,
                      -np.inf, np.nan, 0.0, -0.0, 2.0 ** -9, 2.0 ** -10, 3 * 2.0 ** -11,
                      0.0137, -0.0137], np.float32)
add_quantize_fp8("quantize_e4m3_edges", fp8_edges, "f8E4M3FN", [1.0])
add_quantize_fp8("quantize_e5m2_edges", fp8_edges * 128, "f8E5M2", [1.0])
add_quantize_fp8("quantize_e4m3_random", (rng.standard_normal(64) * 30).astype(np.float32),
                 "f8E4M3FN", [0.0625])
add_quantize_fp8("quantize_e5m2_per_axis", (rng.standard_normal((3, 8)) * 1000).astype(np.float32),
                 "f8E5M2", rng.uniform(0.01, 2.0, 3), axis=0)
finite_e4m3 = np.array([b for b in range(256) if (b & 0x7F) != 0x7F])
add_dequantize_fp8("dequantize_e4m3_all", finite_e4m3, "f8E4M3FN", [0.375])
finite_e5m2 = np.array([b for b in range(256) if ((b >> 2) & 0x1F) != 0x1F])
add_dequantize_fp8("dequantize_e5m2_per_axis", finite_e5m2[:240].reshape(2, 120), "f8E5M2",
                   [0.5, 3.0], axis=0)

# --- dequantize -------------------------------------------------------------
add_dequantize("dequantize_u8", np.arange(0, 256, 5), "u8", [0.0123], [128])
add_dequantize("dequantize_i8", rng.integers(-128, 128, 40), "i8", [0.5], [-3])
add_dequantize("dequantize_per_axis", rng.integers(-128, 128, (3, 4)), "i8", rng.uniform(0.001, 1, 4), [1, -1, 0, 127], axis=1)
add_dequantize("dequantize_per_block", rng.integers(-8, 8, (2, 8)), "i4", rng.uniform(0.05, 0.5, (2, 2)), [[0, 1], [-2, 7]], blocks={0: 1, 1: 4})

# --- requantize -------------------------------------------------------------
add_requantize("requantize_ties", np.arange(-7, 8), 32, 8, [1 << 30], [31])  # M = 0.5
acc = rng.integers(-(1 << 31), 1 << 31, 64)
acc[:4] = [-(1 << 31), (1 << 31) - 1, 0, -1]
add_requantize("requantize_full_range", acc, 32, 8, [(1 << 31) - 1], [62])
add_requantize("requantize_saturate", acc, 32, 8, [int(rng.integers(1 << 30, 1 << 31))], [20], ozp=-5)
add_requantize("requantize_small_shift", acc, 32, 32, [(1 << 31) - 1], [1])
for i in range(4):
    acc = rng.integers(-(1 << 20), 1 << 20, (4, 6))
    mults = [int(m) for m in rng.integers(1 << 30, 1 << 31, 6)]
    shifts = [int(s) for s in rng.integers(30, 45, 6)]
    add_requantize("requantize_per_channel_%d" % i, acc, 32, 8, mults, shifts, axis=1,
                   ozp=int(rng.integers(-128, 128)))
m, s = ref.dyadic(0.0123 * 0.004 / 0.05)
add_requantize("requantize_dyadic_u8_relu", rng.integers(-50000, 50000, 32), 32, 8, [m], [s],
               ozp=100, out_unsigned=True, clamp=(100, 255))
add_requantize("requantize_u8_to_i8", rng.integers(0, 256, 32), 8, 8, [1 << 30], [30],
               izp=128, in_unsigned=True)
add_requantize("requantize_to_i4", rng.integers(-300, 300, 32), 16, 4, [1518500250], [37], ozp=2)

# --- run and compare --------------------------------------------------------
module = "\n\n".join(text for _, text, *_ in cases)
# Constants print as their raw little-endian bytes: exact for every type
# (decimal printing rounds fp8 values to six digits). Dequantize of constants
# folds in quill-qdq-to-integer, after the quantization passes.
result = subprocess.run([sys.argv[1], "--canonicalize", "--quill-qdq-to-integer", "-",
                         "--mlir-print-elementsattrs-with-hex-if-larger=0"],
                        input=module, capture_output=True, text=True)
if result.returncode != 0:
    sys.exit("quill-opt failed:\n" + result.stderr)

bodies = dict(re.findall(r"func\.func @(\w+)\(\)[^{]*\{(.*?)\n  \}", result.stdout, re.S))
failures = 0
for name, _, expected, kind, bits, signed in cases:
    body = bodies.get(name, "")
    if re.search(r"quill\.(quantize|dequantize|requantize)", body):
        print("FAIL %s: not folded:%s" % (name, body))
        failures += 1
        continue
    literal = re.search(r'arith\.constant dense<"0x([0-9A-Fa-f]*)"> : tensor', body).group(1)
    raw = bytes.fromhex(literal)
    if kind == "float":
        got = np.frombuffer(raw, np.float32)
    elif kind.startswith("f8"):
        got = ref.fp8_from_bits(np.frombuffer(raw, np.uint8), kind)
    else:
        # Integers are stored in whole bytes: i4 in one byte each.
        width = {4: 1, 8: 1, 16: 2, 32: 4, 64: 8}[bits]
        dtype = np.dtype(("i%d" if signed else "u%d") % width).newbyteorder("<")
        got = np.frombuffer(raw, dtype).astype(np.int64)
        if bits == 4:
            got = np.where(got & 0x8, (got & 0xF) - 16, got & 0xF) if signed else got & 0xF
    got = np.broadcast_to(got, expected.shape) if got.size == 1 else got.reshape(expected.shape)
    if kind == "float":
        same = np.array_equal(got.astype(np.float32).view(np.uint32),
                              expected.astype(np.float32).view(np.uint32))
    elif kind.startswith("f8"):
        same = np.array_equal(got, expected, equal_nan=True) and np.array_equal(
            np.signbit(got), np.signbit(expected))
    else:
        same = np.array_equal(got.astype(np.int64), expected)
    if not same:
        print("FAIL %s:\n  expected %s\n  got      %s" % (name, expected.tolist(), got.tolist()))
        failures += 1

print("%d passed, %d failed" % (len(cases) - failures, failures))
sys.exit(1 if failures else 0)
