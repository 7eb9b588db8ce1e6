"""Bit-exact numpy reference of Quill's quantization arithmetic.

Written from the op definitions (dialects/Quill/QuillOps.td) and ONNX's
QuantizeLinear / DequantizeLinear, independently of the C++ code, so tests
can compare the compiler's results with it element for element:

* quantize:   clamp(round_half_even(x / scale) + zero_point, qmin, qmax), the
              division in float32 (float64 for f64), NaN -> zero point;
* dequantize: (q - zero_point) * scale in float32 (float64 for f64);
* requantize: clamp(((x - izp) * multiplier + 2^(shift-1)) >> shift + ozp,
              clamp_min, clamp_max), exact integers (TOSA single rounding:
              ties toward +infinity).
"""

import numpy as np


def storage_range(bits, signed, narrow=False):
    """The closed range of a `bits`-wide integer, optionally narrowed to be
    symmetric (-127..127 for int8)."""
    if signed:
        low, high = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
        return (low + 1 if narrow else low), high
    return 0, (1 << bits) - 1


def expand_params(values, shape, axis=None, block_sizes=None):
    """Broadcasts per-tensor, per-axis or per-block parameters to `shape`.

    `block_sizes` maps an axis to its block size; `values` then has one entry
    per block along every axis (axes without a block size are one block).
    """
    values = np.asarray(values)
    if block_sizes is not None:
        for dim in range(len(shape)):
            block = block_sizes.get(dim, shape[dim])
            values = np.repeat(values, block, axis=dim)
        return values
    if axis is None:
        return np.broadcast_to(values.reshape(()), shape)
    view = [1] * len(shape)
    view[axis] = shape[axis]
    return np.broadcast_to(values.reshape(view), shape)


def quantize(x, scale, zero_point, qmin, qmax, dtype=np.float32):
    """quill.quantize with !quant.uniform: parameters already expanded."""
    x = np.asarray(x, dtype=dtype)
    scaled = x / np.asarray(scale, dtype=dtype)
    with np.errstate(invalid="ignore"):
        q = np.rint(scaled).astype(np.float64) + np.asarray(zero_point)
    q = np.where(np.isnan(x), np.asarray(zero_point, dtype=np.float64), q)
    return np.clip(q, qmin, qmax).astype(np.int64)


def dequantize(q, scale, zero_point, dtype=np.float32):
    """quill.dequantize with !quant.uniform: parameters already expanded."""
    centered = np.asarray(q, dtype=np.int64) - np.asarray(zero_point)
    return centered.astype(dtype) * np.asarray(scale, dtype=dtype)


def requantize(x, multiplier, shift, input_zero_point=0, output_zero_point=0,
               clamp_min=-128, clamp_max=127):
    """quill.requantize: `multiplier` and `shift` already expanded to x's
    shape. Python integers keep every intermediate exact."""
    a = np.asarray(x, dtype=object) - int(input_zero_point)
    m = np.asarray(multiplier, dtype=object)
    s = np.asarray(shift, dtype=object)
    rounding = np.left_shift(np.ones_like(s), s - 1)
    y = np.right_shift(a * m + rounding, s) + int(output_zero_point)
    return np.clip(y, clamp_min, clamp_max).astype(np.int64)


def dyadic(real_multiplier):
    """Splits a positive real factor into (multiplier, shift) as HAWQ-V3 and
    TOSA do: frexp, a 31-bit mantissa, and a renormalised 2^31."""
    mantissa, exponent = np.frexp(real_multiplier)
    multiplier = int(round(mantissa * (1 << 31)))
    shift = 31 - int(exponent)
    if multiplier == 1 << 31:
        multiplier, shift = 1 << 30, shift - 1
    return multiplier, shift
