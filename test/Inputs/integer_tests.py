"""Shared by the lit tests of integer kernels (test/Target/CPU: dyadic.py,
integer-nonlinear.py, integer-model.py, conv-int8.py, conv-transpose-int8.py;
test/Target/NVPTX/tiled-matmul.py): the MLIR text their models are written in
(types, quantized inputs, constant quantized weights and float biases, quantized
convolutions, stored int8 outputs, the function), and the bit-exact comparison of a compiled model's stored outputs
with a numpy reference."""

import numpy as np


def tensor(shape, element):
    """`tensor<AxBxE>`."""
    return "tensor<%sx%s>" % ("x".join(map(str, shape)), element)


def qtype(params):
    """The `!quant.uniform` type of (scale, zero point, (min, max)): uint8
    storage when the range starts at 0, else int8."""
    scale, zero, (low, _) = params
    return "!quant.uniform<%s:f32, %r:%d>" % ("u8" if low == 0 else "i8", scale, zero)


def quantized_input(name, shape, params):
    """Lines quantizing the f32 argument %name with `params` (see qtype) and
    dequantizing it: the quantized input as the model sees it, %name_f."""
    f, q = tensor(shape, "f32"), tensor(shape, qtype(params))
    return ["  %%%s_q = quill.quantize %%%s : %s to %s" % (name, name, f, q),
            "  %%%s_f = quill.dequantize %%%s_q : %s to %s" % (name, name, q, f)]


def quantized_weight(name, values, element):
    """Lines holding the integers `values` as the int8 storage of the
    quantized type `element` (int8 or uint8 storage), dequantized to
    %name_wf."""
    values = np.asarray(values)
    stored = values.astype(np.int64).astype(np.uint8).view(np.int8)
    i8, q, f = (tensor(values.shape, t) for t in ("i8", element, "f32"))
    return ['  %%%s_wi = arith.constant dense<"0x%s"> : %s' % (name, stored.tobytes().hex().upper(), i8),
            "  %%%s_wq = quill.storage_cast %%%s_wi : %s to %s" % (name, name, i8, q),
            "  %%%s_wf = quill.dequantize %%%s_wq : %s to %s" % (name, name, q, f)]


def bias_constant(name, bias):
    """The line holding the float `bias` as %name_b."""
    return "  %%%s_b = arith.constant dense<[%s]> : %s" % (
        name, ", ".join("%r" % float(v) for v in bias), tensor((len(bias),), "f32"))


def quantized_conv(name, x_shape, x_params, weights, w_type, bias, strides, pads, y_params):
    """Lines of a quantized 2-d convolution (one group, no dilation): the f32
    argument %name quantized with `x_params`, the integer `weights`
    [M, C, KH, KW] as the quantized type `w_type`, the float `bias`, `pads`
    (top, left, bottom, right), the output stored with `y_params`; and that
    result with its type (see stored_output)."""
    filters, _, kh, kw = np.shape(weights)
    n, _, h, w = x_shape
    (sh, sw), (pt, pl, pb, pr) = strides, pads
    y_shape = (n, filters, (h + pt + pb - kh) // sh + 1, (w + pl + pr - kw) // sw + 1)
    lines = quantized_input(name, x_shape, x_params) + quantized_weight(name, weights, w_type) + [
        bias_constant(name, bias),
        "  %%%s_y = quill.conv %%%s_f, %%%s_wf, %%%s_b {strides = array<i64: %d, %d>, "
        "pads = array<i64: %d, %d, %d, %d>, dilations = array<i64: 1, 1>, group = 1 : i64} "
        ": (%s, %s, %s) -> %s" % (name, name, name, name, sh, sw, pt, pl, pb, pr,
                                  tensor(x_shape, "f32"), tensor(np.shape(weights), "f32"),
                                  tensor((filters,), "f32"), tensor(y_shape, "f32"))]
    output_lines, result = stored_output(name, "%" + name + "_y", y_shape, y_params)
    return lines + output_lines, result


def stored_output(name, value, shape, params):
    """Lines quantizing the f32 `value` with `params` and casting it to its
    int8 storage, %name_out; and that result with its type."""
    f, q, i8 = tensor(shape, "f32"), tensor(shape, qtype(params)), tensor(shape, "i8")
    lines = ["  %%%s_yq = quill.quantize %s : %s to %s" % (name, value, f, q),
             "  %%%s_out = quill.storage_cast %%%s_yq : %s to %s" % (name, name, q, i8)]
    return lines, ("%" + name + "_out", i8)


def write_function(path, name, signature, lines, results):
    """Writes func.func @name(signature) with the body `lines`, returning
    `results` ((value, type) pairs)."""
    with open(path, "w") as f:
        f.write("func.func @%s(%s) -> (%s) {\n" % (name, ", ".join(signature), ", ".join(t for _, t in results)))
        f.write("\n".join(lines) + "\n")
        f.write("  return %s : %s\n}\n" % (", ".join(v for v, _ in results), ", ".join(t for _, t in results)))


def convolve(qx, w, strides, pads):
    """The exact int64 accumulator of a 2-d convolution (one group) of the
    zero-point-free input `qx` [N, C, H, W] with `w` [M, C, KH, KW];
    `pads` is (top, left, bottom, right)."""
    (sh, sw), (pt, pl, pb, pr) = strides, pads
    padded = np.pad(np.asarray(qx, np.int64), ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    w = np.asarray(w, np.int64)
    _, _, kh, kw = w.shape
    out_h = (padded.shape[2] - kh) // sh + 1
    out_w = (padded.shape[3] - kw) // sw + 1
    acc = np.zeros((qx.shape[0], w.shape[0], out_h, out_w), np.int64)
    for ky in range(kh):
        for kx in range(kw):
            window = padded[:, :, ky:ky + sh * (out_h - 1) + 1:sh, kx:kx + sw * (out_w - 1) + 1:sw]
            acc += np.einsum("nchw,mc->nmhw", window, w[:, :, ky, kx])
    return acc


def stored_matches(name, output, expected, unsigned):
    """Whether `output` (a model's int8 storage, read as uint8 when
    `unsigned`) equals the int64 array `expected`; prints how many values
    differ and the first difference when it does not."""
    compiled = (output.view(np.uint8) if unsigned else output).astype(np.int64)
    same = compiled == expected
    if same.all():
        return True
    index = tuple(np.argwhere(~same)[0])
    print("%s: %d of %d differ; first at %s: compiled %d, reference %d" %
          (name, (~same).sum(), same.size, index, compiled[index], expected[index]))
    return False
