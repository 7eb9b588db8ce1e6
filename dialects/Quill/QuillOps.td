//===- QuillOps.td - Quill quantization ops --------------------*- tablegen -*-===//

#ifndef QUILL_OPS
#define QUILL_OPS

include "QuillBase.td"
include "QuillTypes.td"
include "QuillAttrs.td"
include "QuillGraphOps.td"
include "QuillNNOps.td"
include "QuillIndexingOps.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// quill.quantize
//===----------------------------------------------------------------------===//

def Quill_QuantizeOp : Quill_Op<"quantize", [Pure, SameOperandsAndResultShape]> {
  let summary = "quantizes a float tensor";
  let description = [{
    Converts float values to the quantized element type of the result, whose
    parameters say how:

    * `!quant.uniform` (integer storage):
      `q = clamp(round_half_to_even(x / scale) + zero_point, qmin, qmax)`,
      the rule of ONNX `QuantizeLinear`. The scale and zero point are the
      tensor's, the axis index's (per-axis) or the block's (per-block).
    * `!quill.float_quant`: `q = convert_rne_satfinite(x / scale)`.

    Produced by calibration (`quill-quantize`) and by importing ONNX
    `QuantizeLinear`; consumed by quantized compute ops and
    `quill.dequantize`.

    ```mlir
    %q = quill.quantize %x : tensor<4x8xf32> to tensor<4x8x!quant.uniform<i8:f32:1, {...}>>
    ```

    The verifier checks that the input's element type is the quantized
    type's expressed type and that the parameters fit the shape: zero points
    inside the storage range, the axis inside the rank, one scale per index
    of the axis, block sizes that divide their axis and one scale per block.
  }];
  let arguments = (ins Quill_FloatTensor:$input);
  let results = (outs Quill_QuantizedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
  // Constant float inputs with !quant.uniform results become integer
  // constants behind a quant.scast.
  let hasCanonicalizer = 1;
}

//===----------------------------------------------------------------------===//
// quill.dequantize
//===----------------------------------------------------------------------===//

def Quill_DequantizeOp : Quill_Op<"dequantize", [Pure, SameOperandsAndResultShape]> {
  let summary = "dequantizes a quantized tensor to float";
  let description = [{
    The inverse mapping of `quill.quantize`:
    `x = (q - zero_point) * scale` for `!quant.uniform` and `x = q * scale`
    for `!quill.float_quant`, with the parameters chosen per tensor, axis
    index or block as the input's element type says. The result's element
    type must be the quantized type's expressed type.

    ```mlir
    %x = quill.dequantize %q : tensor<4x!quant.uniform<u8:f32, 0.1:128>> to tensor<4xf32>
    ```
  }];
  let arguments = (ins Quill_QuantizedTensor:$input);
  let results = (outs Quill_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// quill.storage_cast
//===----------------------------------------------------------------------===//

def Quill_StorageCastOp : Quill_Op<"storage_cast", [Pure, SameOperandsAndResultShape]> {
  let summary = "reinterprets quantized values as their stored numbers, or back";
  let description = [{
    Casts between a tensor of a quantized element type and a tensor of its
    storage: an integer of the storage width (signless, or unsigned for
    unsigned storage, the way ONNX's uint8 imports) for `!quant.uniform`,
    the fp8 type for `!quill.float_quant`. The bits are unchanged. Upstream
    `quant.scast` accepts only signless storage.

    ```mlir
    %s = quill.storage_cast %q : tensor<4x!quant.uniform<u8:f32, 0.1:128>> to tensor<4xui8>
    ```

    A cast of a cast back to the original type folds away, so imported QDQ
    pairs meet directly.
  }];
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// quill.dynamic_quantize
//===----------------------------------------------------------------------===//

def Quill_DynamicQuantizeOp : Quill_Op<"dynamic_quantize", [Pure]> {
  let summary = "uint8 quantization with parameters computed at run time";
  let description = [{
    ONNX `DynamicQuantizeLinear`: with `lo = min(0, min(x))` and
    `hi = max(0, max(x))`, `scale = (hi - lo) / 255`,
    `zero_point = clamp(round_half_even(-lo / scale), 0, 255)` and
    `y = clamp(round_half_even(x / scale) + zero_point, 0, 255)`.
  }];
  let arguments = (ins RankedTensorOf<[F32]>:$input);
  let results = (outs RankedTensorOf<[UI8]>:$result,
                      0DTensorOf<[F32]>:$scale,
                      0DTensorOf<[UI8]>:$zero_point);
  let assemblyFormat = [{
    $input attr-dict `:` type($input) `->` type($result) `,` type($scale) `,` type($zero_point)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// quill.requantize
//===----------------------------------------------------------------------===//

def Quill_RequantizeOp : Quill_Op<"requantize", [Pure, SameOperandsAndResultShape]> {
  let summary = "rescales integers by a dyadic multiplier and shift";
  let description = [{
    The integer-only requantization of HAWQ-V3 / TOSA `rescale`: a real
    factor `M = S_in * S_w / S_out` is represented as `multiplier / 2^shift`
    with `multiplier` a positive int32 (normally in `[2^30, 2^31)`, from
    `frexp`) and `shift` in `[1, 62]`. For every element, exactly (64-bit
    arithmetic, 128-bit for an int64 accumulator):

    ```
    a = input - input_zero_point
    y = (a * multiplier + 2^(shift - 1)) >> shift      // arithmetic shift
    result = clamp(y + output_zero_point, clamp_min, clamp_max)
    ```

    The rounding is TOSA's single rounding: ties round toward +infinity.
    Quill uses this one rule everywhere (code generation, constant folding
    and the numpy reference in `python/quill/reference.py`).

    One `(multiplier, shift)` pair applies to the whole tensor, or one pair
    per index of `axis` (per-channel requantization of a per-channel
    quantized convolution). Integers are signless; `input_unsigned` and
    `output_unsigned` say whether the stored bits are read as unsigned, as
    for uint8 activations. `clamp_min` / `clamp_max` default to the result's
    storage range; a narrower clamp fuses a ReLU or a narrow range.

    ```mlir
    %y = quill.requantize %acc {multiplier = array<i32: 1518500250, 1073741824>,
                                shift = array<i8: 38, 37>, axis = 1 : i32,
                                output_zero_point = -3 : i32}
        : tensor<8x2xi32> to tensor<8x2xi8>
    ```

    The verifier checks the multiplier and shift ranges, the count of pairs
    against the axis size, that both zero points and the clamp bounds lie in
    their storage ranges, and that `clamp_min <= clamp_max`.
  }];
  let arguments = (ins
    Quill_RequantizeInputTensor:$input,
    DenseI32ArrayAttr:$multiplier,
    DenseI8ArrayAttr:$shift,
    OptionalAttr<Quill_I32Attr>:$axis,
    DefaultValuedAttr<Quill_I32Attr, "0">:$input_zero_point,
    DefaultValuedAttr<Quill_I32Attr, "0">:$output_zero_point,
    UnitAttr:$input_unsigned,
    UnitAttr:$output_unsigned,
    OptionalAttr<Quill_I64Attr>:$clamp_min,
    OptionalAttr<Quill_I64Attr>:$clamp_max
  );
  let results = (outs Quill_IntegerTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let extraClassDeclaration = [{
    /// The clamp bounds in effect: the attributes, or the result's storage range.
    int64_t getEffectiveClampMin();
    int64_t getEffectiveClampMax();
  }];
}

//===----------------------------------------------------------------------===//
// quill.table_lookup
//===----------------------------------------------------------------------===//

def Quill_TableLookupOp : Quill_Op<"table_lookup", [Pure, SameOperandsAndResultShape]> {
  let summary = "maps each quantized value through a table of all its values";
  let description = [{
    `result = table[q - qmin]` for every stored value `q` of `input`, whose
    storage range `[qmin, qmax]` the table covers entry by entry (256
    entries for 8 bits). The entries are stored values of the result's
    type. This is the integer-only form of any elementwise function of one
    quantized tensor: `quill-dyadic` fills the table at compile time with
    `quantize(f(dequantize(q)))` for every `q`, so the function's float
    evaluation, its rounding and its clamping all happen once, in the
    compiler, and the model only reads a table.

    ```mlir
    %y = quill.table_lookup %x {table = array<i32: 0, 0, 1, ...>}
        : tensor<8x!quant.uniform<u8:f32, 0.1:128>> to tensor<8x!quant.uniform<u8:f32, 0.0039:0>>
    ```

    The verifier checks that both types are quantized per tensor with
    storage of at most 8 bits, that the table has one entry per input
    storage value, and that each entry lies in the result's storage range.
  }];
  let arguments = (ins Quill_QuantizedTensor:$input, DenseI32ArrayAttr:$table);
  let results = (outs Quill_QuantizedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// quill.integer_softmax
//===----------------------------------------------------------------------===//

def Quill_IntegerSoftmaxOp : Quill_Op<"integer_softmax", [Pure, SameOperandsAndResultShape]> {
  let summary = "softmax on stored integers (I-BERT i-exp or I-ViT Shiftmax)";
  let description = [{
    Softmax along `axis` of an 8-bit per-tensor quantized input, computed
    with integer additions, multiplications, shifts and one division per
    row; every constant comes from the input scale `S` and the result type
    (lib/Dialect/Quill/IR/IntegerNonlinear.cpp, `python/quill/reference.py`).
    In 64-bit arithmetic, per element of a row:

    ```
    x = q - max(q)                               // <= 0, scale S
    i_exp: t = x,                        x0 = floor(-ln 2 / S)
    shift: t = x + (x >> 1) - (x >> 4),  x0 = floor(-1 / S)  // x * log2(e)
    k = floor(t / x0);  r = t - k * x0           // r in (x0, 0]
    i_exp: z = r * (r + floor(b / S)) + floor(c / S^2)   // b = 0.9696/0.3582,
                                                         // c = 1/0.3582
    shift: z = (r >> 1) - x0                     // 2^r ~ 1 + r / 2
    e = (max(z, 0) << E) >> min(k, 63)           // E: z's largest value < 2^30
    p = (e * floor(2^60 / sum(e))) >> 30         // probability, scale 2^-30
    result = clamp(((p * m + 2^(s - 1)) >> s) + zero_point)
    ```

    with `(m, s)` the dyadic multiplier of `2^-30 / S_out`, rounding as
    `quill.requantize` does.

    ```mlir
    %p = quill.integer_softmax %x {axis = 1 : i64,
                                   approximation = #quill.exp_approximation<i_exp>}
        : tensor<2x8x!quant.uniform<i8:f32, 0.05>> to tensor<2x8x!quant.uniform<u8:f32, 0.0039>>
    ```

    The verifier checks that both types are 8-bit per tensor, the axis, and
    that the input scale leaves the approximation at least two steps per
    period (|x0| >= 2) and in range.
  }];
  let arguments = (ins Quill_QuantizedTensor:$input, Quill_I64Attr:$axis,
                       Quill_ExpApproximationAttr:$approximation);
  let results = (outs Quill_QuantizedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// quill.integer_gelu
//===----------------------------------------------------------------------===//

def Quill_IntegerGeluOp : Quill_Op<"integer_gelu", [Pure, SameOperandsAndResultShape]> {
  let summary = "GELU on stored integers (I-BERT i-GELU)";
  let description = [{
    I-BERT's integer GELU of an 8-bit per-tensor quantized input at scale
    `S`, every constant from `S` and the input's range
    (lib/Dialect/Quill/IR/IntegerNonlinear.cpp, `python/quill/reference.py`).
    With `S' = S / sqrt(2)`, `a = -0.2888`, `b = -1.769`, per element in
    int32:

    ```
    x = q - zero_point
    B = floor(b / S');  C = floor(1 / (a S'^2))    // both negative
    y = sgn(x) * ((min(|x|, -B) + B)^2 + C)        // erf(x S') at a S'^2
    g = -(x * ((y >> k) + floor(1 / (a S'^2 2^k))))
    result = clamp(((g * m + 2^(s - 1)) >> s) + zero_point_out)
    ```

    `k` is the smallest shift that keeps `g` in int32; `(m, s)` is the
    dyadic multiplier of `|S a S'^2 2^k / 2| / S_out`, rounding as
    `quill.requantize` does. Unlike `quill.table_lookup` it needs no gather,
    so it vectorizes; it approximates GELU within I-BERT's fit (erf to about
    1e-2) where a table is exact.

    ```mlir
    %y = quill.integer_gelu %x : tensor<128x!quant.uniform<u8:f32, 0.05:100>>
                                 to tensor<128x!quant.uniform<u8:f32, 0.04:10>>
    ```

    The verifier checks that both types are 8-bit per tensor and that the
    input scale and output scale give the constants and the multiplier.
  }];
  let arguments = (ins Quill_QuantizedTensor:$input);
  let results = (outs Quill_QuantizedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// quill.integer_layer_norm
//===----------------------------------------------------------------------===//

def Quill_IntegerLayerNormOp : Quill_Op<"integer_layer_norm", [Pure]> {
  let summary = "layer normalization on stored integers with an integer sqrt";
  let description = [{
    Layer normalization over the dimensions from `axis` to the last (n
    elements per row) of an 8-bit per-tensor quantized input, with no float:
    `gamma` and `beta` (int64, the normalized shape) hold the affine part
    at the output's scale, `epsilon` the float epsilon in units of
    `S_in^2 / n^3`. In 64-bit arithmetic, per row:

    ```
    x = q - zero_point_in
    d = n * x - sum(x)                       // n * (x - mean)
    v = (sum(d^2) + epsilon) / n             // n^2 * (var + eps) / S_in^2
    D = isqrt(max(v, 1))                     // Newton, see below
    y = (d * floor(2^46 / D) + 2^29) >> 30   // normalized, 16 fraction bits
    a = y * gamma + beta
    result = clamp(((a + 2^(shift - 1)) >> shift) + zero_point_out)
    ```

    `isqrt(v)` is I-BERT's Newton iteration `x' = (x + v / x) / 2` from
    `2^ceil(bits(v) / 2)` (never below the root), stopping when a step no
    longer decreases: exact `floor(sqrt(v))` for every 64-bit `v`, small
    variances included. The lowering runs 8 steps, the stop as a select;
    test/Target/CPU/integer-nonlinear.py measures at most 5 over every bit
    length.

    ```mlir
    %y = quill.integer_layer_norm %x, %gamma, %beta {axis = 1 : i64, epsilon = 2 : i64, shift = 36 : i64}
        : (tensor<2x8x!quant.uniform<u8:f32, 0.05:128>>, tensor<8xi64>, tensor<8xi64>) -> tensor<2x8x!quant.uniform<u8:f32, 0.03:128>>
    ```

    The verifier checks the types (8-bit per tensor, same shape), the
    parameters' shape against the normalized dimensions, `shift` in
    [1, 62], `epsilon >= 0`, and that n is at most 16384 (so `sum(d^2)`
    fits in 64 bits).
  }];
  let arguments = (ins Quill_QuantizedTensor:$input,
                       RankedTensorOf<[I64]>:$gamma,
                       RankedTensorOf<[I64]>:$beta,
                       Quill_I64Attr:$axis, Quill_I64Attr:$epsilon,
                       Quill_I64Attr:$shift);
  let results = (outs Quill_QuantizedTensor:$result);
  let assemblyFormat = [{
    $input `,` $gamma `,` $beta attr-dict `:` `(` type($input) `,` type($gamma)
    `,` type($beta) `)` `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// quill.quantized_matmul
//===----------------------------------------------------------------------===//

def Quill_QuantizedMatMulOp : Quill_Op<"quantized_matmul", [Pure]> {
  let summary = "exact int32 matrix product of quantized operands";
  let description = [{
    The integer core of a quantized `MatMul` / `Gemm` / `QLinearMatMul`:
    with `a` and `b` the stored integers and `za`, `zb` their zero points,

    ```
    result[..., m, n] = sum_k (a[..., m, k] - za) * (b[..., k, n] - zb[n])
    ```

    computed exactly in int32 (the real product is `result * sa * sb[n]`),
    or in int64 when the sum could leave int32's range
    (`quill-qdq-to-integer` bounds it from the operand types and constant
    weights and widens only then).
    Shapes follow `quill.matmul` (numpy broadcasting of batch dimensions).
    `lhs` is quantized per tensor; `rhs` per tensor or per column (axis =
    its last dimension), 8-bit storage, signed or unsigned. A following
    `quill.requantize` brings the accumulator to the output's scale.

    ```mlir
    %acc = quill.quantized_matmul %a, %w
        : (tensor<64x784x!quant.uniform<u8:f32, 0.02:128>>,
           tensor<784x10x!quant.uniform<i8:f32:1, {...}>>) -> tensor<64x10xi32>
    ```

    The verifier checks the shapes as `quill.matmul` does, the
    quantization granularity and storage width of both operands, and that
    their expressed types agree.
  }];
  let arguments = (ins Quill_QuantizedTensor:$lhs, Quill_QuantizedTensor:$rhs);
  let results = (outs Quill_AccumulatorTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// quill.quantized_conv
//===----------------------------------------------------------------------===//

def Quill_QuantizedConvOp : Quill_Op<"quantized_conv", [Pure]> {
  let summary = "exact int32 convolution of quantized operands";
  let description = [{
    The integer core of a quantized `Conv` / `QLinearConv`: `quill.conv`'s
    sum over input channels and kernel window, taken over the stored
    integers minus their zero points,

    ```
    result[n, f, o...] = sum_{c, k...} (x[n, g*C/G + c, o*s + k*d - pad] - zx)
                                       * (w[f, c, k...] - zw[f])
    ```

    exactly in int32, or int64 when int32 could overflow, as for
    `quill.quantized_matmul` (the real value is `result * sx * sw[f]`). Padding
    holds `zx`, real zero, so it adds nothing. `input` is quantized per
    tensor; `weight` per tensor or per output channel (axis 0), 8-bit
    storage, signed or unsigned. Attributes and shapes are `quill.conv`'s;
    the bias and the requantization to the output's scale are separate ops
    (an int32 `quill.add` and a `quill.requantize` along axis 1).

    `input_dilations` (XLA's lhs dilation) first puts `d - 1` copies of `zx`
    between neighbouring inputs along each spatial axis: a transposed
    convolution is this convolution over the dilated input with its kernel
    flipped, stride 1 and the padding `dilation * (K - 1) - pad`.

    ```mlir
    %acc = quill.quantized_conv %x, %w {strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>,
                                        dilations = array<i64: 1, 1>, group = 1 : i64}
        : (tensor<1x8x16x16x!quant.uniform<u8:f32, 0.02:128>>,
           tensor<16x8x3x3x!quant.uniform<i8:f32:0, {...}>>) -> tensor<1x16x16x16xi32>
    ```

    The verifier checks the shapes and attributes as `quill.conv` does, the
    quantization granularity and storage width of both operands, and that
    their expressed types agree.
  }];
  let arguments = (ins
    Quill_QuantizedTensor:$input,
    Quill_QuantizedTensor:$weight,
    DenseI64ArrayAttr:$strides,
    DenseI64ArrayAttr:$pads,
    DenseI64ArrayAttr:$dilations,
    Quill_I64Attr:$group,
    OptionalAttr<DenseI64ArrayAttr>:$input_dilations
  );
  let results = (outs Quill_AccumulatorTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// quill.block_quantize / quill.block_dequantize
//===----------------------------------------------------------------------===//

def Quill_BlockQuantizeOp : Quill_Op<"block_quantize", [Pure]> {
  let summary = "quantizes a float tensor to a block-scaled format (MX, NVFP4)";
  let description = [{
    Splits `axis` into blocks of the format's block size (32 for MX, 16 for
    NVFP4) and computes, from each block's values, a shared scale and the
    elements stored relative to it. MX (OCP Microscaling v1.0), with `amax`
    the block's largest magnitude and `emax` the element's largest exponent
    (E4M3 8, E5M2 15, E3M2 4, E2M3 2, E2M1 2, INT8 0):

    ```
    e       = floor(log2(amax)) - emax         // scale_rounding = floor
    e       = ceil(log2(amax / max_element))   // scale_rounding = up
    scale   = 2^clamp(e, -127, 127)            // E8M0 byte e + 127
    element = convert_rne_satfinite(x / scale) // MXINT8: clamp(rne(64 x / scale), -127, 127)
    ```

    `floor(log2(amax))` is read from amax's f32 exponent field: an all-zero
    block, and one whose amax is below 2^-126, take 2^-127. A NaN in the
    block makes its scale NaN (0xFF); an infinity saturates. Elements that
    are NaN become the element format's NaN, or 0 where it has none (the
    scale already says NaN).

    NVFP4 keeps an E4M3 scale per block of 16 relative to an f32
    `tensor_scale` `g` (`448 * 6 / amax` of the whole tensor):

    ```
    s       = e4m3_rne_satfinite((amax * g) / 6)
    element = e2m1_rne_satfinite((x * g) / s)  // 0 where s is 0
    ```

    All arithmetic is in f32, in the order written. The `scales` result has
    the input's shape with `axis` divided by the block size.

    ```mlir
    %e, %s = quill.block_quantize %x {format = #quill.block_format<mxfp4_e2m1>, axis = 1 : i32}
        : tensor<4x64xf32> -> tensor<4x64xf4E2M1FN>, tensor<4x2xf8E8M0FNU>
    ```

    The verifier checks the element and scale types against the format, that
    the block size divides the axis, the scales' shape, that `tensor_scale`
    is present (positive, finite) for NVFP4 and only then, and that
    `scale_rounding = up` is given to an MX format.
  }];
  let arguments = (ins
    Quill_FloatTensor:$input,
    Quill_BlockFormatAttr:$format,
    Quill_I32Attr:$axis,
    OptionalAttr<F32Attr>:$tensor_scale,
    DefaultValuedAttr<Quill_BlockScaleRoundingAttr,
                      "::mlir::quill::BlockScaleRounding::Floor">:$scale_rounding
  );
  let results = (outs AnyRankedTensor:$elements, AnyRankedTensor:$scales);
  let assemblyFormat = [{
    $input attr-dict `:` type($input) `->` type($elements) `,` type($scales)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Quill_BlockDequantizeOp : Quill_Op<"block_dequantize", [Pure]> {
  let summary = "dequantizes a block-scaled tensor (MX, NVFP4) to float";
  let description = [{
    The inverse of `quill.block_quantize`: every element is multiplied by its
    block's scale, in f32 (MX: `element * scale`, a NaN scale giving NaN;
    MXINT8: `(element / 64) * scale`; NVFP4: `(element * s) / tensor_scale`).

    ```mlir
    %x = quill.block_dequantize %e, %s {format = #quill.block_format<mxfp4_e2m1>, axis = 1 : i32}
        : tensor<4x64xf4E2M1FN>, tensor<4x2xf8E8M0FNU> -> tensor<4x64xf32>
    ```

    The verifier applies the same checks as `quill.block_quantize`.
  }];
  let arguments = (ins
    AnyRankedTensor:$elements,
    AnyRankedTensor:$scales,
    Quill_BlockFormatAttr:$format,
    Quill_I32Attr:$axis,
    OptionalAttr<F32Attr>:$tensor_scale
  );
  let results = (outs Quill_FloatTensor:$result);
  let assemblyFormat = [{
    $elements `,` $scales attr-dict `:` type($elements) `,` type($scales) `->` type($result)
  }];
  let hasVerifier = 1;
}

#endif // QUILL_OPS
