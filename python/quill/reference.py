"""Bit-exact numpy reference of Quill's quantization arithmetic.

Written from the op definitions (dialects/Quill/QuillOps.td) and ONNX's
QuantizeLinear / DequantizeLinear, independently of the C++ code, so tests
can compare the compiler's results with it element for element:

* quantize:   clamp(round_half_even(x / scale) + zero_point, qmin, qmax), the
              division in float32 (float64 for f64), NaN -> zero point;
* dequantize: (q - zero_point) * scale in float32 (float64 for f64);
* requantize: clamp(((x - izp) * multiplier + 2^(shift-1)) >> shift + ozp,
              clamp_min, clamp_max), exact integers (TOSA single rounding:
              ties toward +infinity);
* the integer-only rewrite (quill-dyadic): tables of elementwise functions,
  adds, multiplies and global average pools on integers, softmax (i-exp,
  Shiftmax) and LayerNorm with an integer square root.
"""

import math

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


def finish_quantized_product(acc, x_scale, weight_scales, bias, out_params):
    """A quantized MatMul's or convolution's exact int64 accumulator
    ([rows, columns] or [N, F, ...]; weights per axis 1) to its stored
    outputs, as Quill's lowering finishes it: the float bias quantized at the
    float32 product x_scale * weight_scale (round half to even) and added per
    column, then a per-column requantization by the dyadic form of
    x_scale * weight_scale / out_scale. `out_params` is (scale, zero point,
    (min, max)); a ReLU is a min at the zero point."""
    weight_scales = np.asarray(weight_scales)
    bias_scale = np.float32(x_scale) * weight_scales.astype(np.float32)
    quantized_bias = np.round(np.asarray(bias, dtype=np.float64) /
                              bias_scale.astype(np.float64)).astype(np.int64)
    acc = acc + quantized_bias.reshape((1, -1) + (1,) * (acc.ndim - 2))
    out_scale, out_zero_point, (out_min, out_max) = out_params
    out = np.empty_like(acc)
    for column in range(acc.shape[1]):
        multiplier, shift = dyadic(x_scale * weight_scales[column] / out_scale)
        out[:, column] = requantize(acc[:, column], multiplier, shift, 0,
                                    out_zero_point, out_min, out_max)
    return out


def dyadic(real_multiplier):
    """Splits a positive real factor into (multiplier, shift) as HAWQ-V3 and
    TOSA do: frexp, a 31-bit mantissa, and a renormalised 2^31."""
    mantissa, exponent = np.frexp(real_multiplier)
    multiplier = int(round(mantissa * (1 << 31)))
    shift = 31 - int(exponent)
    if multiplier == 1 << 31:
        multiplier, shift = 1 << 30, shift - 1
    return multiplier, shift


def to_fp8(values, fmt):
    """Rounds float32 values to the nearest `fmt` value, ties to even,
    saturating to the largest finite magnitude (cvt.rn.satfinite); NaN
    stays NaN. Returns the fp8 values as float64."""
    return small_float_values(small_float_bits(values, fmt), fmt).astype(np.float64)


def fp8_from_bits(bits, fmt):
    """The value of each fp8 bit pattern, as float64."""
    return small_float_values(bits, fmt).astype(np.float64)


def quantize_fp8(x, scale, fmt):
    """quill.quantize with !quill.float_quant: parameters expanded."""
    scaled = np.asarray(x, np.float32) / np.asarray(scale, np.float32)
    return to_fp8(scaled.astype(np.float64), fmt)


def dequantize_fp8(q, scale):
    """quill.dequantize with !quill.float_quant: parameters expanded."""
    return np.asarray(q, np.float32) * np.asarray(scale, np.float32)


# The integer-only rewrite (quill-dyadic): each function performs exactly the
# integer steps the pass emits, from the same real parameters (Python floats,
# as the quantized types hold them). `params` are (scale, zero_point) pairs,
# `out_range` the output's (qmin, qmax).

# Residual adds rescale both branches to max(scale_a, scale_b) / 2^20.
ADD_COMMON_SCALE_BITS = 20
INT32_RANGE = (-(1 << 31), (1 << 31) - 1)


def elementwise_table(f, in_params, in_range, out_params, out_range):
    """quill.table_lookup's entries for f: quantize(f(dequantize(q))) for
    every stored input value q, the dequantize in float32 (the float model's
    value), f and the division by the output scale in float64."""
    q = np.arange(in_range[0], in_range[1] + 1)
    x = dequantize(q, in_params[0], in_params[1]).astype(np.float64)
    return quantize(f(x), out_params[0], out_params[1], *out_range,
                    dtype=np.float64)


def table_lookup(q, table, in_min):
    """quill.table_lookup: table[q - qmin]."""
    return np.asarray(table)[np.asarray(q, np.int64) - in_min]


def rescale_to_int32(q, params, factor):
    """(q - zero_point) * factor in int32 by one dyadic requantization."""
    multiplier, shift = dyadic(factor)
    return requantize(q, multiplier, shift, params[1], 0, *INT32_RANGE)


def add_integer(qa, a_params, qb, b_params, out_params, out_range,
                relu=False):
    """quantize([relu](dequantize(a) + dequantize(b))) on integers."""
    common = max(a_params[0], b_params[0]) / float(1 << ADD_COMMON_SCALE_BITS)
    total = (rescale_to_int32(qa, a_params, a_params[0] / common) +
             rescale_to_int32(qb, b_params, b_params[0] / common))
    multiplier, shift = dyadic(common / out_params[0])
    low = max(out_params[1], out_range[0]) if relu else out_range[0]
    return requantize(total, multiplier, shift, 0, out_params[1], low,
                      out_range[1])


def mul_integer(qa, a_params, qb, b_params, out_params, out_range):
    """quantize(dequantize(a) * dequantize(b)) on integers."""
    product = ((np.asarray(qa, np.int64) - a_params[1]) *
               (np.asarray(qb, np.int64) - b_params[1]))
    multiplier, shift = dyadic(a_params[0] * b_params[0] / out_params[0])
    return requantize(product, multiplier, shift, 0, out_params[1], *out_range)


def global_average_pool_integer(q, params, out_params, out_range):
    """quantize(GlobalAveragePool(dequantize(q))) on integers: the centered
    sum over the spatial axes, requantized by scale / (count * out_scale)."""
    q = np.asarray(q, np.int64)
    axes = tuple(range(2, q.ndim))
    count = int(np.prod([q.shape[axis] for axis in axes]))
    sums = (q - params[1]).sum(axis=axes, keepdims=True)
    multiplier, shift = dyadic(params[0] / (count * out_params[0]))
    return requantize(sums, multiplier, shift, 0, out_params[1], *out_range)


# quill.integer_softmax and quill.integer_layer_norm (IntegerNonlinear.h):
# I-BERT's fit exp(r) ~ 0.35815147 r^2 + 0.96963238 r + 1, normalized.
I_EXP_B = 0.96963238 / 0.35815147
I_EXP_C = 1.0 / 0.35815147
LN2 = 0.6931471805599453
SOFTMAX_PROBABILITY_BITS = 30
LAYER_NORM_FRACTION_BITS = 16
LAYER_NORM_RECIPROCAL_BITS = 46
LAYER_NORM_GAMMA_BITS = 24


def average_pool_integer(q, params, kernel, strides, pads, out_params, out_range):
    """quill-dyadic's average pool of stored values `q` [N, C, H, W]: window
    sums of q - z with zero padding (counted), requantized by
    s / (count * s_out)."""
    x = np.asarray(q, np.int64) - params[1]
    x = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    out_h = (x.shape[2] - kernel[0]) // strides[0] + 1
    out_w = (x.shape[3] - kernel[1]) // strides[1] + 1
    sums = np.zeros(x.shape[:2] + (out_h, out_w), np.int64)
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            sums += x[:, :, i:i + strides[0] * out_h:strides[0],
                      j:j + strides[1] * out_w:strides[1]]
    count = kernel[0] * kernel[1]
    multiplier, shift = dyadic(params[0] / (count * out_params[0]))
    return requantize(sums, multiplier, shift, 0, out_params[1], *out_range)


def integer_exp_constants(approximation, scale):
    """(x0, b, c, exp_shift) of the integer exponential at input `scale`;
    `approximation` is "i_exp" or "shift"."""
    period = LN2 if approximation == "i_exp" else 1.0
    x0 = math.floor(-period / scale)
    if approximation == "i_exp":
        b = math.floor(I_EXP_B / scale)
        c = math.floor(I_EXP_C / (scale * scale))
        largest = c
    else:
        b = c = 0
        largest = -x0
    return x0, b, c, max(0, 30 - int(largest).bit_length())


def integer_softmax(q, in_params, out_params, out_range, axis, approximation):
    """quill.integer_softmax along `axis` of stored values `q`."""
    q = np.asarray(q, np.int64)
    x0, b, c, exp_shift = integer_exp_constants(approximation, in_params[0])
    x = q - q.max(axis=axis, keepdims=True)
    t = x if approximation == "i_exp" else x + (x >> 1) - (x >> 4)
    k = (-t) // (-x0)
    r = t - k * x0
    z = r * (r + b) + c if approximation == "i_exp" else (r >> 1) - x0
    e = (np.maximum(z, 0) << exp_shift) >> np.minimum(k, 63)
    total = e.sum(axis=axis, keepdims=True)
    reciprocal = (1 << (2 * SOFTMAX_PROBABILITY_BITS)) // np.maximum(total, 1)
    probability = (e * reciprocal) >> SOFTMAX_PROBABILITY_BITS
    multiplier, shift = dyadic(2.0 ** -SOFTMAX_PROBABILITY_BITS / out_params[0])
    return requantize(probability, multiplier, shift, 0, out_params[1],
                      *out_range)


I_GELU_A = -0.2888
I_GELU_B = -1.769


def integer_gelu_constants(scale, max_abs):
    """(b, c, shift, one, product_scale) of I-BERT's i-GELU at input
    `scale` for inputs |q - z| <= max_abs."""
    erf_scale = scale / math.sqrt(2.0)
    c = math.floor(1.0 / (I_GELU_A * erf_scale * erf_scale))
    b = math.floor(I_GELU_B / erf_scale)
    shift = 0
    while max_abs * (2 * ((-c) >> shift) + 3) >= 1 << 31:
        shift += 1
    shifted_scale = I_GELU_A * erf_scale * erf_scale * math.ldexp(1.0, shift)
    one = math.floor(1.0 / shifted_scale)
    return b, c, shift, one, abs(scale * shifted_scale / 2.0)


def integer_gelu(q, in_params, in_range, out_params, out_range):
    """quill.integer_gelu of stored values `q`."""
    x = np.asarray(q, np.int64) - in_params[1]
    max_abs = max(abs(in_range[0] - in_params[1]), abs(in_range[1] - in_params[1]))
    b, c, shift, one, product_scale = integer_gelu_constants(in_params[0], max_abs)
    y = np.sign(x) * ((np.minimum(np.abs(x), -b) + b) ** 2 + c)
    product = -(x * ((y >> shift) + one))
    assert np.abs(product).max() < 1 << 31
    multiplier, rshift = dyadic(product_scale / out_params[0])
    return requantize(product, multiplier, rshift, 0, out_params[1], *out_range)


def isqrt_newton(v):
    """(floor(sqrt(v)), steps) by Newton from 2^ceil(bits(v)/2), stopping
    when a step no longer decreases (I-BERT's iteration, v >= 1)."""
    v = int(v)
    root = 1 << ((v.bit_length() + 1) // 2)
    steps = 0
    while True:
        following = (root + v // root) >> 1
        if following >= root:
            return root, steps
        root, steps = following, steps + 1


def layer_norm_parameters(gamma, beta, epsilon, in_scale, out_scale, count):
    """quill-dyadic's integer LayerNorm constants: (gamma, beta, epsilon,
    shift) from float64 gamma / beta (the f32 constants' values)."""
    gamma = np.asarray(gamma, np.float64)
    beta = np.asarray(beta, np.float64)
    largest = float(np.max(np.abs(gamma) / out_scale))
    exponent = math.frexp(largest)[1] if largest >= 1.0 else 0
    gamma_shift = LAYER_NORM_GAMMA_BITS - exponent
    shift = LAYER_NORM_FRACTION_BITS + gamma_shift
    gamma_int = np.rint(np.ldexp(gamma / out_scale, gamma_shift)).astype(np.int64)
    beta_int = np.rint(np.ldexp(beta / out_scale, shift)).astype(np.int64)
    n = float(count)
    units = round(n * n * n * epsilon / (in_scale * in_scale))
    return gamma_int, beta_int, int(units), shift


def integer_layer_norm(q, in_params, gamma, beta, epsilon, shift, out_params,
                       out_range, axis):
    """quill.integer_layer_norm over the axes from `axis` of stored `q`,
    with the integer parameters of layer_norm_parameters."""
    q = np.asarray(q, np.int64)
    axes = tuple(range(axis, q.ndim))
    count = int(np.prod(q.shape[axis:]))
    x = q - in_params[1]
    d = count * x - x.sum(axis=axes, keepdims=True)
    variance = np.maximum(((d * d).sum(axis=axes, keepdims=True) + epsilon) //
                          count, 1)
    roots = np.vectorize(lambda v: isqrt_newton(v)[0], otypes=[np.int64])
    reciprocal = (1 << LAYER_NORM_RECIPROCAL_BITS) // roots(variance)
    down = LAYER_NORM_RECIPROCAL_BITS - LAYER_NORM_FRACTION_BITS
    y = (d * reciprocal + (1 << (down - 1))) >> down
    a = y * gamma + beta
    result = ((a + (1 << (shift - 1))) >> shift) + out_params[1]
    return np.clip(result, *out_range).astype(np.int64)


# Block formats (quill.block_quantize / quill.block_dequantize): MX (OCP
# Microscaling v1.0) and NVFP4, written from the ops' documented rules.
# Small float formats: exponent bits, mantissa bits, bias, largest finite
# value, specials ("fn": NaN only S.1..1, "ieee": Inf and NaN, None: neither).
SMALL_FLOATS = {
    "f8E4M3FN": (4, 3, 7, 448.0, "fn"),
    "f8E5M2": (5, 2, 15, 57344.0, "ieee"),
    "f6E3M2FN": (3, 2, 3, 28.0, None),
    "f6E2M3FN": (2, 3, 1, 7.5, None),
    "f4E2M1FN": (2, 1, 1, 6.0, None),
}

# format: (element format or None for MXINT8's integers, block size)
BLOCK_FORMATS = {
    "mxfp8_e4m3": ("f8E4M3FN", 32),
    "mxfp8_e5m2": ("f8E5M2", 32),
    "mxfp6_e3m2": ("f6E3M2FN", 32),
    "mxfp6_e2m3": ("f6E2M3FN", 32),
    "mxfp4_e2m1": ("f4E2M1FN", 32),
    "mxint8": (None, 32),
    "nvfp4": ("f4E2M1FN", 16),
}


def small_float_bits(values, fmt):
    """The bits of each float32 value rounded to nearest even in `fmt`,
    saturated to its largest finite value; NaN to the format's NaN (+0 in
    formats without one)."""
    ebits, mbits, bias, largest, specials = SMALL_FLOATS[fmt]
    width = 1 + ebits + mbits
    out = []
    for x in np.asarray(values, np.float32).ravel().astype(np.float64):
        if np.isnan(x):
            nan = {"fn": (1 << (width - 1)) - 1,
                   "ieee": ((1 << ebits) - 1) << mbits | 1 << (mbits - 1)}
            out.append(nan.get(specials, 0))
            continue
        sign = (1 << (width - 1)) if np.signbit(x) else 0
        magnitude = min(abs(x), largest)
        min_normal = 2.0 ** (1 - bias)
        if magnitude < min_normal:
            steps = np.rint(magnitude / 2.0 ** (1 - bias - mbits))
            out.append(sign | int(steps))  # may round up into the min normal
            continue
        exponent = np.frexp(magnitude)[1] - 1
        step = 2.0 ** (exponent - mbits)
        rounded = min(np.rint(magnitude / step) * step, largest)
        exponent = np.frexp(rounded)[1] - 1
        fraction = int(round((rounded / 2.0 ** exponent - 1) * 2 ** mbits))
        out.append(sign | (exponent + bias) << mbits | fraction)
    return np.array(out, np.uint8).reshape(np.shape(values))


def small_float_values(bits, fmt):
    """The float32 value of each `fmt` bit pattern."""
    ebits, mbits, bias, _, specials = SMALL_FLOATS[fmt]
    width = 1 + ebits + mbits
    out = []
    for b in np.asarray(bits, np.int64).ravel():
        b &= (1 << width) - 1
        sign = -1.0 if b >> (width - 1) else 1.0
        e = (b >> mbits) & ((1 << ebits) - 1)
        m = b & ((1 << mbits) - 1)
        top = (1 << ebits) - 1
        if specials == "fn" and e == top and m == (1 << mbits) - 1:
            out.append(np.nan)
        elif specials == "ieee" and e == top:
            out.append(sign * np.inf if m == 0 else np.nan)
        elif e == 0:
            out.append(sign * m * 2.0 ** (1 - bias - mbits))
        else:
            out.append(sign * (1 + m / 2.0 ** mbits) * 2.0 ** (e - bias))
    return np.array(out, np.float32).reshape(np.shape(bits))


def e8m0_values(codes):
    codes = np.asarray(codes, np.int64)
    exponents = np.where(codes == 255, 0, codes - 127).astype(np.int32)
    values = np.ldexp(np.float32(1.0), exponents)
    return np.where(codes == 255, np.float32(np.nan), values).astype(np.float32)


def _element_max_exponent(element):
    largest = SMALL_FLOATS[element][3] if element else 127 / 64
    return int(np.floor(np.log2(largest))), largest


def _mx_scale_code(amax, element, rounding):
    emax, largest = _element_max_exponent(element)
    if np.isnan(amax):
        return 255
    if amax < 2.0 ** -126:
        exponent = -127 - emax
    elif np.isinf(amax):
        exponent = 128 - emax
    else:
        floor_log2 = np.frexp(np.float64(amax))[1] - 1
        exponent = floor_log2 - emax
        if rounding == "up" and amax / 2.0 ** floor_log2 > largest / 2.0 ** emax:
            exponent += 1
    return int(np.clip(exponent, -127, 127)) + 127


def block_quantize(x, fmt, axis, tensor_scale=None, rounding="floor"):
    """(element codes, scale codes) as uint8, the layout of the op's
    results."""
    element, block = BLOCK_FORMATS[fmt]
    x = np.moveaxis(np.asarray(x, np.float32), axis, -1)
    blocks = x.reshape(x.shape[:-1] + (x.shape[-1] // block, block))
    codes = np.zeros(blocks.shape, np.uint8)
    scales = np.zeros(blocks.shape[:-1], np.uint8)
    with np.errstate(over="ignore", invalid="ignore"):
        _quantize_blocks(blocks, fmt, element, tensor_scale, rounding, codes,
                         scales)
    codes = codes.reshape(x.shape)
    return np.moveaxis(codes, -1, axis), np.moveaxis(scales, -1, axis)


def _quantize_blocks(blocks, fmt, element, tensor_scale, rounding, codes,
                     scales):
    for index in np.ndindex(*scales.shape):
        values = blocks[index]
        amax = np.float32(np.max(np.abs(values)))  # NaN if any is NaN
        if fmt == "nvfp4":
            g = np.float32(tensor_scale)
            scale = small_float_bits(
                np.float32(amax * g) / np.float32(6.0), "f8E4M3FN")
            scales[index] = scale
            s = small_float_values(scale, "f8E4M3FN")
            if s == 0:
                continue
            codes[index] = small_float_bits((values * g) / s, element)
            continue
        scales[index] = _mx_scale_code(amax, element, rounding)
        scaled = values / e8m0_values(scales[index])
        if element:
            codes[index] = small_float_bits(scaled, element)
        else:
            steps = np.clip(np.rint(scaled * np.float32(64)), -127, 127)
            codes[index] = np.where(np.isnan(steps), 0, steps).astype(
                np.int8).view(np.uint8)


def block_dequantize(codes, scales, fmt, axis, tensor_scale=None):
    """float32 values of element codes in blocks with `scales` codes."""
    element, block = BLOCK_FORMATS[fmt]
    codes = np.moveaxis(np.asarray(codes), axis, -1)
    scales = np.repeat(np.moveaxis(np.asarray(scales), axis, -1), block, -1)
    if element:
        values = small_float_values(codes, element)
    else:
        values = codes.astype(np.uint8).view(np.int8).astype(np.float32) / \
            np.float32(64)
    with np.errstate(over="ignore", invalid="ignore"):
        if fmt == "nvfp4":
            s = small_float_values(scales, "f8E4M3FN")
            out = (values * s) / np.float32(tensor_scale)
        else:
            out = values * e8m0_values(scales)
    return np.moveaxis(out.astype(np.float32), -1, axis)
