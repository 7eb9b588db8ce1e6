//===- Passes.td - Quill's quantization passes ----------------*- tablegen -*-===//
//
// The quantization stage: observers for calibration, quill-quantize, the
// integer rewrite of quantized graphs, and the integer-only rewrite. The
// options that take a fixed set of values are enums whose spellings live in
// quill/Quantization/Options.h.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_QUANTIZATION_PASSES
#define QUILL_QUANTIZATION_PASSES

include "mlir/Pass/PassBase.td"

def InsertObserversPass : Pass<"quill-insert-observers", "func::FuncOp"> {
  let summary = "returns the tensors calibration observes as extra results";
  let description = [{
    Instruments a function for calibration: every float tensor whose
    statistics `quill-quantize` may read (the activation each quantizable
    MatMul / Gemm / Conv / ConvTranspose reads and its output, after a ReLU
    that is its only user, and every activation `all-activations` quantizes;
    lib/Quantization/QuantizableOps.h) is appended to
    the function's results once, in program order, with a `quill.name`
    result attribute holding the name its statistics go by. Compiled, the
    function hands a calibration run every observed tensor by name; the
    original results stay first. Tensors with no name are not observed
    (`quill-quantize` reports them).
  }];
}

def QuantizePass : Pass<"quill-quantize", "func::FuncOp"> {
  let summary = "quantizes MatMul, Gemm and Conv with calibration statistics";
  let description = [{
    Materialises int8 post-training quantization as explicit
    `quill.quantize` / `quill.dequantize` pairs (the QDQ form ONNX Runtime
    writes), from the statistics in `stats-file` (written by calibration):

    * the activation each MatMul / Gemm / Conv / ConvTranspose reads is
      quantized per tensor to the range the calibrator chooses: uint8 with a
      zero point over `[max(min, -amax), min(max, amax)]` widened to hold 0,
      or int8 symmetric over `[-amax, amax]` with `symmetric-activations`;
    * so is its output (after a ReLU that is the output's only user), when
      that output reaches another quantized op's activation, directly or
      through Reshape / Transpose / MaxPool; an output read as float (by a
      bias add, LayerNorm, GELU, a graph output) stays float, computed from
      the int32 accumulator by `quill-qdq-to-integer` (`all-outputs`
      quantizes it anyway, as ONNX Runtime's quantizer does); outputs that
      are all the inputs of a Concat a quantized op reads take the Concat
      result's range, one type, so that the Concat moves stored values;
    * constant weights become int8 constants, symmetric in `[-127, 127]`,
      one scale per output channel (per tensor with `per-tensor-weights`);
    * biases stay float: `quill-qdq-to-integer` quantizes them to int32 at
      `x_scale * w_scale` where the product runs on integers.

    A tensor with no statistics is an error naming it.

    With `all-activations` (what integer-only code needs), every activation
    tensor is quantized per tensor to its own range (graph inputs and the
    results of adds, LayerNorm, Softmax, GELU, ...; not constants, nor the
    value a ReLU or a constant bias add is the only user of), and the
    results of Reshape / Transpose / MaxPool keep their input's type; the
    products' outputs are then quantized whatever reads them. Compiled
    without `quill-dyadic`, the ops between run in float on dequantized
    values: float-simulated int8.

    Other formats (`format`): `fp8-e4m3` / `fp8-e5m2` quantize the same
    tensors to `!quill.float_quant` (activations per tensor at scale
    `amax / 448` or `amax / 57344`, the calibrator choosing `amax`; weights
    per output channel at their own `amax`); the products then run in f32 on
    the fp8 values. `int4-weights` quantizes weights alone, symmetric in
    `[-7, 7]`, per output channel or in blocks (`weight-block-size`), and
    reads no statistics; activations stay float. `int4` quantizes the
    weights so and the activations as int8 does, to 4 bits (`[0, 15]` with
    a zero point, or `[-8, 7]` symmetric; the calibrator choosing the range
    for 16 levels); the pairs stay quantize -> dequantize around f32
    products (there are no 4-bit integer kernels). With
    `activation-block-size`, int4 activations are quantized at run time in
    blocks along the reduction axis instead (symmetric in `[-7, 7]` at
    `max|x| / 7` per block, read from no statistics), as graph ops on f32.

    Block formats (`mxfp4`, `mxfp6-e3m2`, `mxfp6-e2m3`, `mxfp8-e4m3`,
    `mxfp8-e5m2`, `mxint8`, `nvfp4`, each also as `-weights`): the weight
    becomes `quill.block_quantize` of the constant (folded into element and
    scale constants) and `quill.block_dequantize`, in blocks along the
    reduction axis (MatMul/Gemm K, Conv input channels), each block at the
    scale of least squared error among the rule's and its neighbours (any
    scale decodes the same way); unless weight-only, the activation is
    block-quantized at run time along its reduction axis, with the OCP
    exponent rule or (`block-scale-rounding=up`) the rounded-up one.
    NVFP4's tensor scales are `448 * 6 / amax`: the weight's own, and the
    activation's calibrated range (the only block format that reads
    statistics). An op whose reduction size the block does not divide stays
    float, with a warning.

    ```mlir
    // before (W: 64x32 constant)
    %y = quill.matmul %x, %W : (tensor<1x64xf32>, tensor<64x32xf32>) -> tensor<1x32xf32>
    // after, format=mxfp4
    %e, %s = quill.block_quantize %x {axis = 1 : i32, format = #quill.block_format<mxfp4_e2m1>} : ...
    %xq = quill.block_dequantize %e, %s {axis = 1 : i32, format = ...} : ... -> tensor<1x64xf32>
    %We = arith.constant dense<...> : tensor<64x32xf4E2M1FN>
    %Ws = arith.constant dense<...> : tensor<2x32xf8E8M0FNU>
    %Wq = quill.block_dequantize %We, %Ws {axis = 0 : i32, format = ...} : ... -> tensor<64x32xf32>
    %y = quill.matmul %xq, %Wq : ...
    ```

    `recipe` mixes formats per layer (include/quill/Quantization/Recipe.h).
  }];
  let options = [
    Option<"format", "format", "::mlir::quill::QuantFormat",
           /*default=*/"::mlir::quill::QuantFormat::Int8", "number format",
           [{::mlir::quill::getQuantFormatValues()}]>,
    Option<"weightBlockSize", "weight-block-size", "int64_t", /*default=*/"0",
           "int4-weights: MatMul / Gemm weights get one scale per block of "
           "this many along the reduction axis, per output column (0: one "
           "scale per output channel)">,
    Option<"activationBlockSize", "activation-block-size", "int64_t",
           /*default=*/"0",
           "int4: activations quantized at run time per block of this many "
           "along the reduction axis, symmetric at max|x| / 7 (0: per "
           "tensor, from calibration)">,
    Option<"statsFile", "stats-file", "std::string", /*default=*/"",
           "JSON calibration statistics">,
    Option<"blockScaleRounding", "block-scale-rounding",
           "::mlir::quill::BlockScaleRounding",
           /*default=*/"::mlir::quill::BlockScaleRounding::Floor",
           "MX activations: the shared exponent rule",
           [{::llvm::cl::values(
             clEnumValN(::mlir::quill::BlockScaleRounding::Floor, "floor",
                        "OCP: floor(log2(amax)) - emax (may saturate)"),
             clEnumValN(::mlir::quill::BlockScaleRounding::Up, "up",
                        "ceil(log2(amax / max_element)): nothing saturates"))}]>,
    Option<"recipeFile", "recipe", "std::string", /*default=*/"",
           "per-layer formats: lines 'PATTERN FORMAT' (a glob over ONNX "
           "node names; a format, or 'float'), the first match wins">,
    Option<"calibrator", "calibrator", "::mlir::quill::Calibrator",
           /*default=*/"::mlir::quill::Calibrator::Max", "range calibrator",
           [{::mlir::quill::getCalibratorValues()}]>,
    Option<"percentile", "percentile", "double", /*default=*/"99.99",
           "share of |x| the percentile calibrator keeps, in percent">,
    Option<"perTensorWeights", "per-tensor-weights", "bool", /*default=*/"false",
           "one weight scale per tensor instead of per output channel">,
    Option<"symmetricActivations", "symmetric-activations", "bool",
           /*default=*/"false", "int8 activations with zero point 0">,
    Option<"quantizeAllActivations", "all-activations", "bool",
           /*default=*/"false",
           "int8: quantize every activation tensor, not only the products' "
           "inputs and outputs (the graph quill-dyadic makes integer-only)">,
    Option<"quantizeAllOutputs", "all-outputs", "bool", /*default=*/"false",
           "quantize every quantized op's output, also those read as float "
           "(the form ONNX Runtime fuses into QLinearMatMul)">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::quant::QuantDialect"];
}

def ReorderChannelsPass : Pass<"quill-reorder-channels", "func::FuncOp"> {
  let summary = "permutes channels so that block formats quantize them well";
  let description = [{
    One outlier channel sets the shared scale of its whole block. This pass
    permutes channels at compile time, keeping the function exactly, so that
    the blocks of the target format (`format`, `block-size`) along each
    quantizable op's reduction axis hold channels of similar magnitude
    (`group`) or share the largest ones out (`spread`); run it on the
    prepared float graph before `quill-quantize`.

    A channel group is found by following each MatMul / Gemm / Conv /
    ConvTranspose activation's reduction axis through the graph: producers'
    output channels (weight columns or rows, biases), elementwise ops and
    activations (with their constant operands), LayerNorm (gamma and beta;
    its statistics do not see the order), Softmax, BatchNorm,
    InstanceNorm, pooling, Pad/Resize of other axes, reductions, Reshape
    and Transpose (attention heads: a product's batch axis keeps each head's
    channels within the head, Q with K, V with the output projection),
    Concat and Slice along the channels (as offsets), Gather of other axes,
    and every reader of a residual stream. A graph input or output that
    carries a group is gathered once (`quill.gather`); every constant takes
    the permutation at compile time. An op the analysis cannot follow leaves
    its whole group unpermuted, with a remark naming it.

    The permutation ranks channels by `statistic`: the L2 norm of the
    consumers' weight rows (no data), or max |x|, mean |x| or RMS of the
    activations from calibration (`stats-file` written with channel
    statistics). `objective=auto` tries no permutation, `group` and `spread`
    with each statistic at hand per group and keeps the one of least
    estimated error of the block-quantized products on the calibration rows
    sampled (of the weights alone without data); a remark per group says
    what it kept.

    ```mlir
    // before: channel 1 of %x is an outlier
    %y = quill.matmul %x, %W : (tensor<4x64xf32>, tensor<64x8xf32>) -> tensor<4x8xf32>
    // after (objective=group): producers of %x write channel 1 first, and
    // the rows of %W are permuted alike
    %y = quill.matmul %x, %W_permuted : ...
    ```
  }];
  let options = [
    Option<"objective", "objective", "::mlir::quill::ReorderObjective",
           /*default=*/"::mlir::quill::ReorderObjective::Auto",
           "what the permutation aims at",
           [{::mlir::quill::getReorderObjectiveValues()}]>,
    Option<"statistic", "statistic", "::mlir::quill::ReorderStatistic",
           /*default=*/"::mlir::quill::ReorderStatistic::Auto",
           "the per-channel magnitude channels are ranked by",
           [{::mlir::quill::getReorderStatisticValues()}]>,
    Option<"format", "format", "::mlir::quill::QuantFormat",
           /*default=*/"::mlir::quill::QuantFormat::MXFP4",
           "the format whose blocks the permutation serves",
           [{::mlir::quill::getQuantFormatValues()}]>,
    Option<"blockSize", "block-size", "int64_t", /*default=*/"0",
           "the block size (0: the format's; int4 formats need one)">,
    Option<"activationBlockSize", "activation-block-size", "int64_t",
           /*default=*/"0",
           "int4: its activations' block size (0: per tensor, which no "
           "permutation changes)">,
    Option<"blockScaleRounding", "block-scale-rounding",
           "::mlir::quill::BlockScaleRounding",
           /*default=*/"::mlir::quill::BlockScaleRounding::Floor",
           "MX activations' shared exponent rule in the error estimates",
           [{::llvm::cl::values(
             clEnumValN(::mlir::quill::BlockScaleRounding::Floor, "floor",
                        "OCP: floor(log2(amax)) - emax"),
             clEnumValN(::mlir::quill::BlockScaleRounding::Up, "up",
                        "ceil(log2(amax / max_element))"))}]>,
    Option<"statsFile", "stats-file", "std::string", /*default=*/"",
           "JSON calibration statistics with channel statistics">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def FoldNormsPass : Pass<"quill-fold-norms", "func::FuncOp"> {
  let summary = "folds LayerNorm gamma and beta into the products that read it";
  let description = [{
    A LayerNormalization of the last axis with constant gamma and beta whose
    output only products with constant weights read (MatMul, Gemm) loses
    its affine part: each product's weight rows are scaled by gamma and beta
    times the weight is added to its bias (the bias add that follows a
    MatMul, Gemm's C, or a new add). The normalization keeps its epsilon.
    Channels that gamma makes large stop being activation outliers and
    become weight rows, which per-channel scales and Hadamard rotations
    handle; `--rotate` runs it first (QuaRot's norm folding). A
    normalization read by anything else (a residual add in post-LN models)
    keeps gamma and beta, with a remark saying which op reads it.

    ```mlir
    // before
    %n = quill.layer_norm %x, %gamma, %beta {axis = 1 : i64, epsilon = 1.0e-05 : f32} : ...
    %y = quill.matmul %n, %W : (tensor<4x64xf32>, tensor<64x8xf32>) -> tensor<4x8xf32>
    // after: W' = diag(gamma) W, c = beta W
    %n = quill.layer_norm %x, %ones {axis = 1 : i64, epsilon = 1.0e-05 : f32} : ...
    %p = quill.matmul %n, %W' : (tensor<4x64xf32>, tensor<64x8xf32>) -> tensor<4x8xf32>
    %y = quill.add %p, %c : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def HadamardPass : Pass<"quill-hadamard", "func::FuncOp"> {
  let summary = "rotates products' inputs by random Hadamard matrices";
  let description = [{
    For an orthogonal M, (x M)(M^T W) = x W: rotating a product's reduction
    axis keeps its function and spreads outlier channels over all the
    channels of a block, so that per-tensor, per-token and block
    quantization lose far less (QuaRot, SpinQuant). Run it on the prepared
    float graph before calibration and `quill-quantize`.

    `mode=offline`: a MatMul / Gemm with a constant f32 weight whose output
    reaches only products with constant weights, through ops that commute
    with a rotation of the last axis (a bias add, a scalar multiply, head
    splits and merges that keep the last axis last, being the right operand
    of a product: attention's V -> P V -> output projection), gets its
    output channels rotated (weight and bias) and those products M^T folded
    into their weights: nothing runs at run time. The block is the largest
    that divides the last axis all along the way (the head dimension), with
    one sign pattern per block. A remark names the op where a path breaks.

    `mode=online`: every MatMul / Gemm with a constant f32 weight reads its
    activation through a `quill.hadamard` (one per activation and block
    size, shared by every product that reads it) and its weight with the
    same transform applied along the reduction axis at compile time.
    `mode=both` (the default) rotates offline where it can and online the
    other products. The online
    block size is `block-size` when given; otherwise `choice` decides per
    product: `full` the whole axis (n = K * 2^p for K in the table, else its
    largest power-of-two block), `block` the format's group size (MX 32,
    NVFP4 16, int4 blocks), `auto` the candidate (none, full, block) of
    least estimated error of the product quantized in `format`, over the
    activation rows sampled by calibration (`stats-file` with channel
    statistics) or of the weight alone. Convolutions are left alone (their
    channels are not the last axis). A remark per product says what was
    done, or why not.

    ```mlir
    // before
    %y = quill.matmul %x, %W : (tensor<4x768xf32>, tensor<768x64xf32>) -> tensor<4x64xf32>
    // after (choice=full, seed=0): W' = M^T W computed at compile time
    %r = quill.hadamard %x {block_size = 768 : i64, seed = 0 : i64} : tensor<4x768xf32>
    %W' = arith.constant dense<...> : tensor<768x64xf32>
    %y = quill.matmul %r, %W' : (tensor<4x768xf32>, tensor<768x64xf32>) -> tensor<4x64xf32>
    ```
  }];
  let options = [
    Option<"mode", "mode", "::mlir::quill::RotationMode",
           /*default=*/"::mlir::quill::RotationMode::Both",
           "where the rotations go",
           [{::mlir::quill::getRotationModeValues()}]>,
    Option<"choice", "choice", "::mlir::quill::RotationChoice",
           /*default=*/"::mlir::quill::RotationChoice::Full",
           "how each product's block size is chosen",
           [{::mlir::quill::getRotationChoiceValues()}]>,
    Option<"blockSize", "block-size", "int64_t", /*default=*/"0",
           "one block size for every product (0: as choice says)">,
    Option<"seed", "seed", "uint64_t", /*default=*/"0",
           "the seed of the random sign vectors">,
    Option<"format", "format", "::mlir::quill::QuantFormat",
           /*default=*/"::mlir::quill::QuantFormat::Int8",
           "the format the rotation serves (block sizes, error estimates)",
           [{::mlir::quill::getQuantFormatValues()}]>,
    Option<"weightBlockSize", "weight-block-size", "int64_t",
           /*default=*/"0", "int4: its weights' block size (0: per channel)">,
    Option<"activationBlockSize", "activation-block-size", "int64_t",
           /*default=*/"0",
           "int4: its activations' block size (0: per tensor)">,
    Option<"statsFile", "stats-file", "std::string", /*default=*/"",
           "JSON calibration statistics with channel statistics (auto)">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def QDQToIntegerPass : Pass<"quill-qdq-to-integer", "func::FuncOp"> {
  let summary = "computes dequantize -> op -> quantize chains on integers";
  let description = [{
    Quantized graphs (imported QDQ and QOperator models, or the output of
    `quill-quantize`) say what to compute in float between `quill.dequantize`
    and `quill.quantize`. This pass rewrites the chains that have an exact
    integer form:

    * `quantize([relu](matmul(dequantize(a), dequantize(b))))`, with or
      without an added constant bias (one value, or one per column), and the same
      with `quill.gemm` (`alpha = beta = 1`, no `trans_a`, a constant or
      dequantized int32 bias): `quill.quantized_matmul` on the stored values,
      the bias added in int32 (scale `sa * sb`), and one `quill.requantize`
      to the output's scale, per output column when `b` is per column, the
      ReLU folded into its clamp;
    * the same with `quill.conv` (weights per tensor or per output channel,
      any group, stride, padding, dilation): `quill.quantized_conv`, the bias
      and the requantization per output channel (axis 1);
    * the same products read as float (no quantize after them): the int32
      accumulator, bias included, dequantized at `sa * sb` per channel, as
      ONNX Runtime's MatMulIntegerToFloat computes it;
    * `quantize(op(dequantize(x)))` with equal types around a reshape,
      transpose or max pool, and `quantize(concat(dequantize(x), ...))`
      with every input of the output's type: the op on the stored values;
    * `quantize(relu(dequantize(x)))` and `quantize(dequantize(x))`: a
      `quill.requantize` (a clamp at the zero point for the ReLU);

    Wherever a ReLU is folded into a clamp, so is a Clip with constant
    bounds (ReLU6): its bounds quantized to the output type clamp the
    requantization.

    Operands must be 8-bit, quantized per tensor (`b` also per column) with
    constant parameters; anything else stays in float. Last, dequantize of
    constants left over folds into float constants.

    Accumulators are proven safe at compile time: a product's largest
    |accumulator| is `max|a - za| * sum_k |b - zb| + |bias|` per output
    channel, over the constant weights' own values when they are known and
    `K * max|b - zb|` of their type otherwise. Only when that exceeds int32
    (8-bit operands need K > 33025) is the product, its bias and its
    requantization computed in int64 (a product read as float is converted
    and scaled instead of dequantized), with a remark naming the bound.

    The requantization rounds ties toward +infinity (quill.requantize);
    ONNX Runtime computes `round_half_even(acc * sa * sb / sy)` in float, so
    results may differ from its by one step on exact ties.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::quant::QuantDialect"];
}

//===----------------------------------------------------------------------===//
// Integer-only
//===----------------------------------------------------------------------===//

def DyadicPass : Pass<"quill-dyadic", "func::FuncOp"> {
  let summary = "computes a quantized graph's float islands on integers";
  let description = [{
    The integer-only rewrite (HAWQ-V3, I-BERT): on a quantized graph, the
    float computations spelled out between `quill.dequantize` and
    `quill.quantize` become integer arithmetic. Everything
    `quill-qdq-to-integer` does, and:

    * `quantize(f(dequantize(x)))` for an elementwise `f` of one 8-bit
      per-tensor value (Sigmoid, HardSigmoid, HardSwish, GELU in both forms,
      LeakyReLU, Tanh, Exp, Erf): a `quill.table_lookup` whose 256 entries
      are `quantize(f(dequantize(q)))`, computed at compile time in double
      precision (round half to even, saturating). On 8-bit inputs this is
      the exact quantized function, closer than any polynomial (i-GELU,
      i-exp) can be;
    * `quantize([relu](add(dequantize(a), dequantize(b))))`, a residual
      add: each branch `(q - z)` rescaled to the common scale
      `max(sa, sb) / 2^20` in int32 by its own dyadic multiplier, the two
      added in int32 (numpy broadcasting), and the sum requantized to the
      output, the ReLU as its clamp;
    * `quantize(mul(dequantize(a), dequantize(b)))`: `(a - za) * (b - zb)`
      in int32, requantized by `sa * sb / sy`;
    * `quantize(global_average_pool(dequantize(x)))`: the sum of `x - zx`
      over the spatial axes in int32, requantized by `sx / (count * sy)`;
    * `quantize(average_pool(dequantize(x)))` when every window divides by
      the kernel's size (no padding or `count_include_pad`, no partial
      window): the window sums of `x - zx` as a depthwise
      `quill.quantized_conv` with a kernel of ones, requantized by
      `sx / (count * sy)`;
    * `quantize(concat(dequantize(a), ...))` with inputs of other types than
      the output's: each such input requantized to the output's type, then
      the concat on stored values.

    * with `gelu=i-gelu`, `quantize(gelu(dequantize(x)))` (either form) is
      `quill.integer_gelu`, I-BERT's second-order erf polynomial in int32,
      instead of a table;
    * `quantize(softmax(dequantize(x)))`: `quill.integer_softmax`, with
      I-BERT's i-exp (the default) or I-ViT's Shiftmax (`softmax-exp=shift`);
    * `quantize(layer_norm(dequantize(x), scale, bias))` with constant scale
      and bias: `quill.integer_layer_norm`, the normalization with an
      integer square root and the affine part as int64 constants at
      `2^-shift` of the output scale (24 significant bits of the largest
      `|scale| / S_out`), epsilon in units of `S_in^2 / n^3`;
    * `quantize(mul(dequantize(a), c))` and `quantize(div(dequantize(a), c))`
      for a positive scalar constant `c`: one `quill.requantize` by
      `sa * c / sy`; an add of a constant: the constant in int32 at the
      common scale.

    Every requantization uses `quill.requantize`'s one rounding rule (ties
    toward +infinity); `python/quill/reference.py` computes the same integer
    steps in numpy for bit-exact tests. Operands must be 8-bit per-tensor
    quantized; anything else stays as it was, for
    `quill-verify-integer-only` to report.
  }];
  let options = [
    Option<"softmaxExp", "softmax-exp", "::mlir::quill::ExpApproximation",
           /*default=*/"::mlir::quill::ExpApproximation::IExp",
           "integer exponential of softmax",
           [{::mlir::quill::getExpApproximationValues()}]>,
    Option<"gelu", "gelu", "::mlir::quill::GeluForm",
           /*default=*/"::mlir::quill::GeluForm::Table", "integer GELU",
           [{::mlir::quill::getGeluFormValues()}]>,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::quant::QuantDialect"];
}

def VerifyIntegerOnlyPass
    : Pass<"quill-verify-integer-only", "func::FuncOp"> {
  let summary = "fails if floating point remains between input quantize and "
                "output dequantize";
  let description = [{
    Integer-only code has floating point in two places only: the
    `quill.quantize` of a function argument (a model input) and a
    `quill.dequantize` whose result is only returned (a model output). This
    pass reports every other op with a floating-point operand or result as
    an error at its location (the ONNX node's name): a dequantize -> float
    op -> quantize chain that no integer rewrite took, or float work before
    the first quantize or after the last dequantize. It changes nothing;
    `quill-compile --integer-only` runs it after `quill-dyadic`.
  }];
}

#endif // QUILL_QUANTIZATION_PASSES
