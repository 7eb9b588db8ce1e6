//===- QuillGraphOps.td - Graph-level ops with ONNX meaning ----*- tablegen -*-===//
//
// The graph IR keeps one op per ONNX meaning on static-shaped tensors, so
// quantization passes can recognise a matmul with constant weights or an
// add of two branches. Elementwise math that upstream already has with the
// same meaning on tensors (math.exp, math.sqrt, arith.negf, ...) is imported
// as the upstream op instead.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_GRAPH_OPS
#define QUILL_GRAPH_OPS

include "QuillBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Quill_NumericTensor : RankedTensorOf<[AnyFloat, AnyInteger]>;

//===----------------------------------------------------------------------===//
// Elementwise binary ops with numpy broadcasting
//===----------------------------------------------------------------------===//

class Quill_BroadcastBinaryOp<string mnemonic, string onnxName>
    : Quill_Op<mnemonic, [Pure, ResultsBroadcastableShape,
                          SameOperandsAndResultElementType]> {
  let summary = "elementwise " # onnxName # " with numpy broadcasting";
  let description = [{
    ONNX `}] # onnxName # [{`: the operands broadcast against each other as in
    numpy (trailing dimensions aligned, size-1 dimensions stretched) and the
    result has the broadcast shape.
  }];
  let arguments = (ins Quill_NumericTensor:$lhs, Quill_NumericTensor:$rhs);
  let results = (outs Quill_NumericTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
  // Constant operands fold (GraphFolding.cpp).
  let hasFolder = 1;
}

def Quill_AddOp : Quill_BroadcastBinaryOp<"add", "Add">;
def Quill_SubOp : Quill_BroadcastBinaryOp<"sub", "Sub">;
def Quill_MulOp : Quill_BroadcastBinaryOp<"mul", "Mul">;
def Quill_DivOp : Quill_BroadcastBinaryOp<"div", "Div">;
def Quill_MaxOp : Quill_BroadcastBinaryOp<"max", "Max">;
def Quill_MinOp : Quill_BroadcastBinaryOp<"min", "Min">;
// x < 0 ? slope * x : x, the slope broadcasting to x.
def Quill_PReluOp : Quill_BroadcastBinaryOp<"prelu", "PRelu">;

def Quill_ModOp : Quill_Op<"mod", [Pure, ResultsBroadcastableShape,
                                   SameOperandsAndResultElementType]> {
  let summary = "elementwise remainder with numpy broadcasting (ONNX Mod)";
  let description = [{
    ONNX `Mod`: with `fmod` the remainder of truncated division, with the
    dividend's sign (C `fmod`; the only form ONNX allows for floats);
    otherwise that of floored division, with the divisor's sign (Python
    `%`). An integer division by zero gives 0.
  }];
  let arguments = (ins Quill_NumericTensor:$lhs, Quill_NumericTensor:$rhs,
                       UnitAttr:$fmod);
  let results = (outs Quill_NumericTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

class Quill_LogicalOp<string mnemonic, string onnxName>
    : Quill_Op<mnemonic, [Pure, ResultsBroadcastableShape,
                          SameOperandsAndResultElementType]> {
  let summary = "elementwise " # onnxName # " of booleans";
  let description = [{
    ONNX `}] # onnxName # [{` on booleans (i1), broadcasting as in numpy.
    ONNX `Not` is imported as an `xor` with true.
  }];
  let arguments = (ins RankedTensorOf<[I1]>:$lhs, RankedTensorOf<[I1]>:$rhs);
  let results = (outs RankedTensorOf<[I1]>:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
}

def Quill_AndOp : Quill_LogicalOp<"and", "And">;
def Quill_OrOp : Quill_LogicalOp<"or", "Or">;
def Quill_XorOp : Quill_LogicalOp<"xor", "Xor">;

def Quill_ComparePredicate : I32EnumAttr<"ComparePredicate",
    "ONNX comparison", [
  I32EnumAttrCase<"Equal", 0, "equal">,
  I32EnumAttrCase<"Less", 1, "less">,
  I32EnumAttrCase<"LessOrEqual", 2, "less_or_equal">,
  I32EnumAttrCase<"Greater", 3, "greater">,
  I32EnumAttrCase<"GreaterOrEqual", 4, "greater_or_equal">
]> {
  let cppNamespace = "::mlir::quill";
  let genSpecializedAttr = 0;
}

def Quill_ComparePredicateAttr
    : EnumAttr<Quill_Dialect, Quill_ComparePredicate, "compare_predicate"> {
  let assemblyFormat = "`<` $value `>`";
}

def Quill_CompareOp : Quill_Op<"compare", [Pure, ResultsBroadcastableShape]> {
  let summary = "elementwise comparison with numpy broadcasting";
  let description = [{
    ONNX `Equal`, `Less`, `LessOrEqual`, `Greater` and `GreaterOrEqual`:
    `lhs PREDICATE rhs` elementwise into booleans (i1), the operands of one
    element type broadcasting as in numpy. Comparisons with NaN are false
    (ordered comparisons), as in numpy.
  }];
  let arguments = (ins Quill_NumericTensor:$lhs, Quill_NumericTensor:$rhs,
                       Quill_ComparePredicateAttr:$predicate);
  let results = (outs RankedTensorOf<[I1]>:$result);
  let assemblyFormat = [{
    $predicate $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Quill_PowOp : Quill_Op<"pow", [Pure, ResultsBroadcastableShape]> {
  let summary = "elementwise power with numpy broadcasting";
  let description = [{
    ONNX `Pow`: `base ^ exponent` elementwise, broadcasting as numpy. The
    result has the base's element type; the exponent may have another.
  }];
  let arguments = (ins Quill_NumericTensor:$base, Quill_NumericTensor:$exponent);
  let results = (outs Quill_NumericTensor:$result);
  let assemblyFormat = [{
    $base `,` $exponent attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Activations
//===----------------------------------------------------------------------===//

def Quill_ReluOp : Quill_Op<"relu", [Pure, SameOperandsAndResultType]> {
  let summary = "rectified linear unit";
  let description = [{
    ONNX `Relu`: `max(x, 0)` elementwise.
  }];
  let arguments = (ins Quill_NumericTensor:$input);
  let results = (outs Quill_NumericTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

class Quill_UnaryActivationOp<string mnemonic, string onnxName, string formula>
    : Quill_Op<mnemonic, [Pure, SameOperandsAndResultType]> {
  let summary = "ONNX " # onnxName;
  let description = "ONNX `" # onnxName # "` elementwise: " # formula # ".";
  let arguments = (ins RankedTensorOf<[AnyFloat]>:$input);
  let results = (outs RankedTensorOf<[AnyFloat]>:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Quill_SigmoidOp : Quill_UnaryActivationOp<"sigmoid", "Sigmoid",
    "`1 / (1 + exp(-x))`">;
def Quill_HardSwishOp : Quill_UnaryActivationOp<"hard_swish", "HardSwish",
    "`x * max(0, min(1, x / 6 + 1 / 2))`">;

def Quill_SoftplusOp : Quill_UnaryActivationOp<"softplus", "Softplus",
    "`log(exp(x) + 1)`, computed as `max(x, 0) + log(1 + exp(-|x|))` so "
    "that large inputs do not overflow">;
def Quill_SoftsignOp : Quill_UnaryActivationOp<"softsign", "Softsign",
    "`x / (1 + |x|)`">;

def Quill_SignOp : Quill_Op<"sign", [Pure, SameOperandsAndResultType]> {
  let summary = "ONNX Sign";
  let description = [{
    ONNX `Sign` elementwise: 1 for positive values, -1 for negative ones, 0
    for zero; NaN stays NaN.
  }];
  let arguments = (ins Quill_NumericTensor:$input);
  let results = (outs Quill_NumericTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

/// Activations with one or two float parameters.
class Quill_ParameterizedActivationOp<string mnemonic, string onnxName,
                                      string formula, dag parameters>
    : Quill_Op<mnemonic, [Pure, SameOperandsAndResultType]> {
  let summary = "ONNX " # onnxName;
  let description = "ONNX `" # onnxName # "` elementwise: " # formula # ".";
  let arguments = !con((ins RankedTensorOf<[AnyFloat]>:$input), parameters);
  let results = (outs RankedTensorOf<[AnyFloat]>:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Quill_EluOp : Quill_ParameterizedActivationOp<"elu", "Elu",
    "`x >= 0 ? x : alpha * (exp(x) - 1)`",
    (ins DefaultValuedAttr<F32Attr, "1.0">:$alpha)>;
def Quill_CeluOp : Quill_ParameterizedActivationOp<"celu", "Celu",
    "`max(0, x) + min(0, alpha * (exp(x / alpha) - 1))`",
    (ins DefaultValuedAttr<F32Attr, "1.0">:$alpha)>;
def Quill_SeluOp : Quill_ParameterizedActivationOp<"selu", "Selu",
    "`gamma * (x > 0 ? x : alpha * (exp(x) - 1))`",
    (ins DefaultValuedAttr<F32Attr, "1.67326319217681884765625">:$alpha,
         DefaultValuedAttr<F32Attr, "1.05070102214813232421875">:$gamma)>;
def Quill_ThresholdedReluOp : Quill_ParameterizedActivationOp<
    "thresholded_relu", "ThresholdedRelu", "`x > alpha ? x : 0`",
    (ins DefaultValuedAttr<F32Attr, "1.0">:$alpha)>;

def Quill_GeluOp : Quill_Op<"gelu", [Pure, SameOperandsAndResultType]> {
  let summary = "Gaussian error linear unit";
  let description = [{
    `x * 0.5 * (1 + erf(x / sqrt(2)))`, or with `tanh_approximation`
    `x * 0.5 * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))` (ONNX
    `Gelu`'s `approximate = "tanh"`). `quill-fuse-gelu` recognises both
    decomposed forms, as exporters write them before opset 20.
  }];
  let arguments = (ins RankedTensorOf<[AnyFloat]>:$input,
                       UnitAttr:$tanh_approximation);
  let results = (outs RankedTensorOf<[AnyFloat]>:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Quill_HardSigmoidOp : Quill_Op<"hard_sigmoid", [Pure, SameOperandsAndResultType]> {
  let summary = "ONNX HardSigmoid";
  let description = "ONNX `HardSigmoid`: `max(0, min(1, alpha * x + beta))`.";
  let arguments = (ins RankedTensorOf<[AnyFloat]>:$input,
                       DefaultValuedAttr<F32Attr, "0.2">:$alpha,
                       DefaultValuedAttr<F32Attr, "0.5">:$beta);
  let results = (outs RankedTensorOf<[AnyFloat]>:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Quill_LeakyReluOp : Quill_Op<"leaky_relu", [Pure, SameOperandsAndResultType]> {
  let summary = "ONNX LeakyRelu";
  let description = "ONNX `LeakyRelu`: `x >= 0 ? x : alpha * x`.";
  let arguments = (ins RankedTensorOf<[AnyFloat]>:$input,
                       DefaultValuedAttr<F32Attr, "0.01">:$alpha);
  let results = (outs RankedTensorOf<[AnyFloat]>:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Quill_ClipOp : Quill_Op<"clip", [Pure, AttrSizedOperandSegments]> {
  let summary = "ONNX Clip";
  let description = [{
    ONNX `Clip`: `min(max(x, min), max)` elementwise; an absent bound does
    not clip. The bounds are scalars (rank-0 tensors) of the input's element
    type, constants in most models, which calibration and integer rewrites
    rely on.

    ```mlir
    %y = quill.clip %x min %lo max %hi : (tensor<4xf32>, tensor<f32>, tensor<f32>) -> tensor<4xf32>
    ```
  }];
  let arguments = (ins Quill_NumericTensor:$input,
                       Optional<Quill_NumericTensor>:$min,
                       Optional<Quill_NumericTensor>:$max);
  let results = (outs Quill_NumericTensor:$result);
  let assemblyFormat = [{
    $input (`min` $min^)? (`max` $max^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

class Quill_SoftmaxLikeOp<string mnemonic, string onnxName, string formula>
    : Quill_Op<mnemonic, [Pure, SameOperandsAndResultType]> {
  let summary = "ONNX " # onnxName # " along one axis";
  let description = [{
    ONNX `}] # onnxName # [{` (opset 13 meaning: along `axis` only): }] #
    formula # [{. The importer rewrites the older "coerce to 2-D" form into
    reshapes around this op.
  }];
  let arguments = (ins RankedTensorOf<[AnyFloat]>:$input, Quill_I64Attr:$axis);
  let results = (outs RankedTensorOf<[AnyFloat]>:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Quill_SoftmaxOp : Quill_SoftmaxLikeOp<"softmax", "Softmax",
    "`exp(x - max) / sum(exp(x - max))`">;
def Quill_LogSoftmaxOp : Quill_SoftmaxLikeOp<"log_softmax", "LogSoftmax",
    "`x - max - log(sum(exp(x - max)))`">;

//===----------------------------------------------------------------------===//
// Shape and layout
//===----------------------------------------------------------------------===//

def Quill_ReshapeOp : Quill_Op<"reshape", [Pure, SameOperandsAndResultElementType]> {
  let summary = "reinterprets a tensor's shape (ONNX Reshape, Flatten, Squeeze, Unsqueeze)";
  let description = [{
    The elements in row-major order are unchanged; the result type carries
    the new static shape. ONNX `Reshape`, `Flatten`, `Squeeze` and
    `Unsqueeze` all import to this op once shapes are static.
  }];
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
  // Folds constants, reshapes of reshapes and reshapes to the same type.
  let hasFolder = 1;
}

def Quill_TransposeOp : Quill_Op<"transpose", [Pure, SameOperandsAndResultElementType]> {
  let summary = "permutes dimensions (ONNX Transpose)";
  let description = [{
    Result dimension `i` is input dimension `permutation[i]`.
  }];
  let arguments = (ins AnyRankedTensor:$input, DenseI64ArrayAttr:$permutation);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Quill_ConcatOp : Quill_Op<"concat", [Pure, SameOperandsAndResultElementType]> {
  let summary = "joins tensors along an axis (ONNX Concat)";
  let description = [{
    All inputs have the same rank and agree on every dimension but `axis`;
    the result's `axis` is the sum of theirs.
  }];
  let arguments = (ins Variadic<AnyRankedTensor>:$inputs, Quill_I64Attr:$axis);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$inputs attr-dict `:` functional-type($inputs, results)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

class Quill_ReduceOp<string mnemonic, string onnxName>
    : Quill_Op<mnemonic, [Pure, SameOperandsAndResultElementType]> {
  let summary = "ONNX " # onnxName # " over a set of axes";
  let description = [{
    ONNX `}] # onnxName # [{` over `axes` (sorted, distinct, non-negative);
    with `keepdims` the reduced axes stay with size 1, otherwise they are
    dropped. The importer turns "no axes" into every axis.
  }];
  let arguments = (ins RankedTensorOf<[AnyFloat, AnyInteger]>:$input,
                       DenseI64ArrayAttr:$axes, UnitAttr:$keepdims);
  let results = (outs RankedTensorOf<[AnyFloat, AnyInteger]>:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
}

def Quill_ReduceMeanOp : Quill_ReduceOp<"reduce_mean", "ReduceMean">;
def Quill_ReduceSumOp : Quill_ReduceOp<"reduce_sum", "ReduceSum">;
def Quill_ReduceMaxOp : Quill_ReduceOp<"reduce_max", "ReduceMax">;
def Quill_ReduceProdOp : Quill_ReduceOp<"reduce_prod", "ReduceProd">;

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

def Quill_CastOp : Quill_Op<"cast", [Pure, SameOperandsAndResultShape]> {
  let summary = "element type conversion (ONNX Cast)";
  let description = [{
    ONNX `Cast` between numeric types: float to float rounds to nearest
    even; float to integer truncates toward zero; integer to integer wraps;
    bool is 0 or 1.
  }];
  let arguments = (ins RankedTensorOf<[AnyFloat, AnyInteger]>:$input);
  let results = (outs RankedTensorOf<[AnyFloat, AnyInteger]>:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasFolder = 1;
}

def Quill_WhereOp : Quill_Op<"where", [Pure, ResultsBroadcastableShape]> {
  let summary = "elementwise select with numpy broadcasting (ONNX Where)";
  let description = [{
    `condition ? true_value : false_value`, all three broadcasting.
  }];
  let arguments = (ins RankedTensorOf<[I1]>:$condition,
                       Quill_NumericTensor:$true_value,
                       Quill_NumericTensor:$false_value);
  let results = (outs Quill_NumericTensor:$result);
  let assemblyFormat = [{
    $condition `,` $true_value `,` $false_value attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Quill_ExpandOp : Quill_Op<"expand", [Pure, SameOperandsAndResultElementType]> {
  let summary = "broadcasts a tensor to a larger shape (ONNX Expand)";
  let description = [{
    The result is the numpy broadcast of the input and the static result
    shape (ONNX's shape operand, already folded into the type).
  }];
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
}

def Quill_GatherOp : Quill_Op<"gather", [Pure]> {
  let summary = "gathers slices along an axis (ONNX Gather)";
  let description = [{
    `result[i..., j..., k...] = data[i..., indices[j...], k...]` with the
    indices taken along `axis`; negative indices count from the end.
  }];
  let arguments = (ins AnyRankedTensor:$data,
                       RankedTensorOf<[I32, I64]>:$indices,
                       Quill_I64Attr:$axis);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $data `,` $indices attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Quill_SliceOp : Quill_Op<"slice", [Pure, SameOperandsAndResultElementType]> {
  let summary = "strided slice with static bounds (ONNX Slice, Split)";
  let description = [{
    For every dimension `d`, result index `i` reads input index
    `starts[d] + i * steps[d]`; `starts` are in range and `steps` non-zero
    (negative steps walk backwards). ONNX `Slice` with constant bounds and
    every output of ONNX `Split` import to this op.
  }];
  let arguments = (ins AnyRankedTensor:$input, DenseI64ArrayAttr:$starts,
                       DenseI64ArrayAttr:$steps);
  let results = (outs AnyStaticShapeTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
}

def Quill_PadMode : I32EnumAttr<"PadMode", "ONNX Pad mode", [
  I32EnumAttrCase<"Constant", 0, "constant">,
  I32EnumAttrCase<"Reflect", 1, "reflect">,
  I32EnumAttrCase<"Edge", 2, "edge">
]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::quill";
}

def Quill_PadModeAttr : EnumAttr<Quill_Dialect, Quill_PadMode, "pad_mode"> {
  let assemblyFormat = "`<` $value `>`";
}

def Quill_PadOp : Quill_Op<"pad", [Pure, SameOperandsAndResultElementType]> {
  let summary = "pads a tensor (ONNX Pad)";
  let description = [{
    `pads` lists the begin paddings of every dimension, then the end
    paddings (negative values crop). `constant` mode fills with `value` (0
    when absent); `reflect` mirrors without repeating the edge; `edge`
    repeats it.
  }];
  let arguments = (ins AnyRankedTensor:$input,
                       Optional<AnyRankedTensor>:$value,
                       DenseI64ArrayAttr:$pads,
                       Quill_PadModeAttr:$mode);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input (`value` $value^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Resize
//===----------------------------------------------------------------------===//

def Quill_ResizeMode : I32EnumAttr<"ResizeMode", "ONNX Resize interpolation", [
  I32EnumAttrCase<"Nearest", 0, "nearest">,
  I32EnumAttrCase<"Linear", 1, "linear">,
  I32EnumAttrCase<"Cubic", 2, "cubic">
]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::quill";
}
def Quill_ResizeModeAttr : EnumAttr<Quill_Dialect, Quill_ResizeMode, "resize_mode"> {
  let assemblyFormat = "`<` $value `>`";
}

def Quill_CoordinateTransform : I32EnumAttr<"CoordinateTransform",
    "ONNX Resize coordinate_transformation_mode", [
  I32EnumAttrCase<"HalfPixel", 0, "half_pixel">,
  I32EnumAttrCase<"PytorchHalfPixel", 1, "pytorch_half_pixel">,
  I32EnumAttrCase<"AlignCorners", 2, "align_corners">,
  I32EnumAttrCase<"Asymmetric", 3, "asymmetric">,
  I32EnumAttrCase<"TfHalfPixelForNN", 4, "tf_half_pixel_for_nn">,
  I32EnumAttrCase<"TfCropAndResize", 5, "tf_crop_and_resize">
]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::quill";
}
def Quill_CoordinateTransformAttr
    : EnumAttr<Quill_Dialect, Quill_CoordinateTransform, "coordinate_transform"> {
  let assemblyFormat = "`<` $value `>`";
}

def Quill_NearestMode : I32EnumAttr<"NearestMode", "ONNX Resize nearest_mode", [
  I32EnumAttrCase<"RoundPreferFloor", 0, "round_prefer_floor">,
  I32EnumAttrCase<"RoundPreferCeil", 1, "round_prefer_ceil">,
  I32EnumAttrCase<"Floor", 2, "floor">,
  I32EnumAttrCase<"Ceil", 3, "ceil">
]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::quill";
}
def Quill_NearestModeAttr : EnumAttr<Quill_Dialect, Quill_NearestMode, "nearest_mode"> {
  let assemblyFormat = "`<` $value `>`";
}

def Quill_ResizeOp : Quill_Op<"resize", [Pure, SameOperandsAndResultElementType]> {
  let summary = "resamples a tensor (ONNX Resize)";
  let description = [{
    ONNX `Resize` with its sampling rules: every output coordinate maps to
    an input coordinate by `coordinate_transform` using the per-axis
    `scales` (output sizes are `floor(input * scale)`, so the scale, not the
    size ratio, defines the mapping), then `mode` interpolates (`nearest`
    rounding by `nearest_mode`; `cubic` with `cubic_coeff_a` and
    `exclude_outside`). `roi` (starts then ends, normalized) and
    `extrapolation_value` apply to `tf_crop_and_resize`.
  }];
  let arguments = (ins RankedTensorOf<[AnyFloat, AnyInteger]>:$input,
                       DenseF32ArrayAttr:$scales,
                       Quill_ResizeModeAttr:$mode,
                       Quill_CoordinateTransformAttr:$coordinate_transform,
                       Quill_NearestModeAttr:$nearest_mode,
                       DefaultValuedAttr<F32Attr, "-0.75">:$cubic_coeff_a,
                       UnitAttr:$exclude_outside,
                       OptionalAttr<DenseF32ArrayAttr>:$roi,
                       DefaultValuedAttr<F32Attr, "0.0">:$extrapolation_value);
  let results = (outs RankedTensorOf<[AnyFloat, AnyInteger]>:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Matrix products
//===----------------------------------------------------------------------===//

def Quill_MatMulOp : Quill_Op<"matmul", [Pure, SameOperandsAndResultElementType]> {
  let summary = "numpy matrix product, batched with broadcasting";
  let description = [{
    ONNX `MatMul` (numpy `matmul`): for rank-2 operands `[M, K] x [K, N] ->
    [M, N]`; higher ranks are stacks of matrices whose batch dimensions
    broadcast; a rank-1 `lhs` is a row `[1, K]` and a rank-1 `rhs` a column
    `[K, 1]`, the inserted dimension dropped from the result.

    ```mlir
    %y = quill.matmul %x, %w : (tensor<64x784xf32>, tensor<784x1024xf32>) -> tensor<64x1024xf32>
    ```

    The verifier checks that the contraction sizes agree, that batch
    dimensions broadcast and that the result shape is the product's.
  }];
  let arguments = (ins Quill_NumericTensor:$lhs, Quill_NumericTensor:$rhs);
  let results = (outs Quill_NumericTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Quill_GemmOp : Quill_Op<"gemm", [Pure]> {
  let summary = "general matrix multiply: alpha * op(A) * op(B) + beta * C";
  let description = [{
    ONNX `Gemm`: `op(A)` is `A` or its transpose (`trans_a`), likewise `B`;
    `A'` is `[M, K]`, `B'` is `[K, N]`, the optional `C` broadcasts
    unidirectionally to `[M, N]`.

    ```mlir
    %y = quill.gemm %a, %b, %c {trans_b} : (tensor<64x784xf32>, tensor<1024x784xf32>, tensor<1024xf32>) -> tensor<64x1024xf32>
    ```
  }];
  let arguments = (ins
    TensorRankOf<[AnyFloat, AnyInteger], [2]>:$a,
    TensorRankOf<[AnyFloat, AnyInteger], [2]>:$b,
    Optional<Quill_NumericTensor>:$c,
    DefaultValuedAttr<F32Attr, "1.0">:$alpha,
    DefaultValuedAttr<F32Attr, "1.0">:$beta,
    UnitAttr:$trans_a,
    UnitAttr:$trans_b
  );
  let results = (outs TensorRankOf<[AnyFloat, AnyInteger], [2]>:$result);
  let assemblyFormat = [{
    $a `,` $b (`,` $c^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // QUILL_GRAPH_OPS
