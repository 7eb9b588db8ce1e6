//===- Quantization.cpp - Importers of ONNX quantization ops --------------===//
//
// QuantizeLinear / DequantizeLinear with constant scales and zero points
// become quill.quantize / quill.dequantize on !quant.uniform types, with
// quill.storage_cast to ONNX's uint8/int8 tensors between them; with
// run-time parameters they become ONNX's arithmetic on float tensors. The
// QOperator ops (QLinearMatMul, QLinearConv) are imported in the same QDQ
// form, dequantize -> float op -> quantize, which is their definition, so
// the quantization passes see one form. MatMulInteger and ConvInteger are
// exact int32 products of zero-point-shifted operands.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

#include "quill/Dialect/Quill/IR/Quill.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Traits.h"

using namespace mlir;
using namespace mlir::quill;
using namespace mlir::quill::onnx_import;

/// How a tensor is quantized: a !quant.uniform type when its scale and zero
/// point are constants (every exporter writes them as initializers), else
/// the run-time scale and zero point, per `axis` when the scale is 1-D.
struct Quantization {
  quant::QuantizedType type;
  Value scale, zeroPoint;
  int64_t axis = 0;
};

/// The !quant.uniform type of values stored as `storage` (unsigned for ONNX's
/// uint types, signed otherwise) standing for `expressed` values: per tensor
/// for one scale, per `axis` for several. Null after an error.
static quant::QuantizedType getUniformType(NodeImporter &node,
                                           IntegerType storage, Type expressed,
                                           ArrayRef<double> scales,
                                           ArrayRef<int64_t> zeroPoints,
                                           int64_t axis) {
  bool isSigned = !storage.isUnsigned();
  unsigned width = storage.getWidth();
  StorageRange range = getStorageRange(width, !isSigned);
  Type signless = IntegerType::get(storage.getContext(), width);
  unsigned flags = isSigned ? quant::QuantizationFlags::Signed : 0;
  auto emitError = [&] { return node.emitError(); };
  if (scales.size() == 1)
    return quant::UniformQuantizedType::getChecked(
        emitError, flags, signless, expressed, scales[0], zeroPoints[0],
        range.min, range.max);
  return quant::UniformQuantizedPerAxisType::getChecked(
      emitError, flags, signless, expressed, scales, zeroPoints, axis,
      range.min, range.max);
}

/// The quantization of values stored as `storage` (ui8, i8 or i32) whose
/// scale is input `scaleIndex` and zero point input `zeroPointIndex` (0 when
/// absent). `axis` (possibly negative) applies to 1-D scales only.
static FailureOr<Quantization> getQuantization(NodeImporter &node,
                                               unsigned scaleIndex,
                                               unsigned zeroPointIndex,
                                               Type storage, int64_t axis,
                                               int64_t rank) {
  FailureOr<Value> scale = node.getRequiredInput(scaleIndex);
  if (failed(scale))
    return failure();
  auto scaleType = cast<RankedTensorType>(scale->getType());
  Quantization result;
  if (scaleType.getNumElements() != 1) {
    FailureOr<int64_t> normalized = node.normalizeAxis(axis, rank);
    if (failed(normalized))
      return failure();
    result.axis = *normalized;
  }
  auto integer = dyn_cast<IntegerType>(storage);
  if (!integer || (integer.getWidth() != 8 && integer.getWidth() != 32))
    return node.emitError() << "unsupported quantized type " << storage;

  DenseElementsAttr scales = node.getConstantInput(scaleIndex);
  DenseElementsAttr zeroPoints = node.getConstantInput(zeroPointIndex);
  Value zeroPoint = node.getInput(zeroPointIndex);
  if (!scales || (zeroPoint && !zeroPoints)) {
    result.scale = *scale;
    result.zeroPoint = zeroPoint;
    return result;
  }
  if (zeroPoints && zeroPoints.getNumElements() != scales.getNumElements())
    return node.emitError() << "expected one zero point per scale";
  bool isSigned = !integer.isUnsigned();
  SmallVector<double> scaleValues;
  for (APFloat value : scales.getValues<APFloat>())
    scaleValues.push_back(value.convertToDouble());
  SmallVector<int64_t> zeroPointValues(scaleValues.size(), 0);
  if (zeroPoints)
    for (auto [index, value] : llvm::enumerate(zeroPoints.getValues<APInt>()))
      zeroPointValues[index] =
          isSigned ? value.getSExtValue() : value.getZExtValue();
  result.type = getUniformType(node, integer, scales.getElementType(),
                               scaleValues, zeroPointValues, result.axis);
  if (!result.type)
    return failure();
  return result;
}

/// Reshapes a 1-D per-axis parameter to broadcast along `axis` of a tensor
/// of rank `rank`; scalars broadcast as they are.
static Value alignToAxis(NodeImporter &node, Value parameter, int64_t axis,
                         int64_t rank) {
  auto type = cast<RankedTensorType>(parameter.getType());
  if (type.getNumElements() == 1 || type.getRank() != 1)
    return parameter;
  SmallVector<int64_t> shape(rank - axis, 1);
  shape[0] = type.getDimSize(0);
  return ReshapeOp::create(node.getBuilder(), node.getLoc(), type.clone(shape),
                           parameter);
}

/// A broadcasting binary op whose result type is the broadcast shape.
template <typename OpTy>
static Value broadcastBinary(NodeImporter &node, Value lhs, Value rhs) {
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  auto rhsType = cast<RankedTensorType>(rhs.getType());
  SmallVector<int64_t> shape;
  (void)OpTrait::util::getBroadcastedShape(lhsType.getShape(),
                                           rhsType.getShape(), shape);
  return OpTy::create(node.getBuilder(), node.getLoc(), lhsType.clone(shape),
                      lhs, rhs);
}

/// `value` converted to `elementType` elementwise.
static Value castTo(NodeImporter &node, Value value, Type elementType) {
  auto type = cast<RankedTensorType>(value.getType());
  return CastOp::create(node.getBuilder(), node.getLoc(),
                        type.clone(elementType), value);
}

/// Stored integers -> float values.
static Value dequantize(NodeImporter &node, Value stored, const Quantization &q,
                        Type floatType) {
  OpBuilder &b = node.getBuilder();
  auto storedType = cast<RankedTensorType>(stored.getType());
  if (q.type) {
    Value quantized = StorageCastOp::create(b, node.getLoc(),
                                            storedType.clone(q.type), stored);
    return DequantizeOp::create(b, node.getLoc(),
                                storedType.clone(q.type.getExpressedType()),
                                quantized);
  }
  // ONNX DequantizeLinear: (x - zero_point) * scale.
  int64_t rank = storedType.getRank();
  Value values = castTo(node, stored, floatType);
  if (q.zeroPoint)
    values = broadcastBinary<SubOp>(
        node, values,
        castTo(node, alignToAxis(node, q.zeroPoint, q.axis, rank), floatType));
  return broadcastBinary<MulOp>(node, values,
                                alignToAxis(node, q.scale, q.axis, rank));
}

/// Float values -> stored integers of `storedType`.
static Value quantize(NodeImporter &node, Value value, const Quantization &q,
                      RankedTensorType storedType) {
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  if (q.type) {
    Value quantized =
        QuantizeOp::create(b, loc, storedType.clone(q.type), value);
    return StorageCastOp::create(b, loc, storedType, quantized);
  }
  // ONNX QuantizeLinear: clamp(round_half_even(x / scale) + zero_point).
  auto valueType = cast<RankedTensorType>(value.getType());
  Type floatType = valueType.getElementType();
  int64_t rank = valueType.getRank();
  Value scaled = broadcastBinary<DivOp>(
      node, value, alignToAxis(node, q.scale, q.axis, rank));
  Value rounded = math::RoundEvenOp::create(b, loc, scaled);
  if (q.zeroPoint)
    rounded = broadcastBinary<AddOp>(
        node, rounded,
        castTo(node, alignToAxis(node, q.zeroPoint, q.axis, rank), floatType));
  auto integer = cast<IntegerType>(storedType.getElementType());
  StorageRange range =
      getStorageRange(integer.getWidth(), integer.isUnsigned());
  auto scalarType = RankedTensorType::get({}, floatType);
  auto bound = [&](int64_t value) {
    return arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(scalarType,
                               b.getFloatAttr(floatType, double(value))));
  };
  Value clamped = ClipOp::create(b, loc, rounded.getType(), rounded,
                                 bound(range.min), bound(range.max));
  return CastOp::create(b, loc, storedType, clamped);
}

static int64_t rankOf(Value value) {
  return cast<RankedTensorType>(value.getType()).getRank();
}

static LogicalResult importQuantizeLinear(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredInput(0);
  FailureOr<RankedTensorType> type = node.getOutputType(0);
  if (failed(input) || failed(type))
    return failure();
  FailureOr<Quantization> q =
      getQuantization(node, 1, 2, type->getElementType(),
                      node.getInt("axis", 1), type->getRank());
  if (failed(q))
    return failure();
  node.setResults(quantize(node, *input, *q, *type));
  return success();
}

static LogicalResult importDequantizeLinear(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredInput(0);
  FailureOr<RankedTensorType> type = node.getOutputType(0);
  if (failed(input) || failed(type))
    return failure();
  FailureOr<Quantization> q = getQuantization(
      node, 1, 2, cast<RankedTensorType>(input->getType()).getElementType(),
      node.getInt("axis", 1), type->getRank());
  if (failed(q))
    return failure();
  node.setResults(dequantize(node, *input, *q, type->getElementType()));
  return success();
}

/// Input `valueIndex` of a QOperator node, dequantized with the scale and
/// zero point that follow it (a 1-D scale per `axis`).
static FailureOr<std::pair<Value, Quantization>>
dequantizeOperand(NodeImporter &node, unsigned valueIndex, int64_t axis,
                  Type floatType) {
  FailureOr<Value> value = node.getRequiredInput(valueIndex);
  if (failed(value))
    return failure();
  auto type = cast<RankedTensorType>(value->getType());
  FailureOr<Quantization> q =
      getQuantization(node, valueIndex + 1, valueIndex + 2,
                      type.getElementType(), axis, type.getRank());
  if (failed(q))
    return failure();
  return std::make_pair(dequantize(node, *value, *q, floatType), *q);
}

/// QLinearMatMul: a per tensor or per row, b per tensor or per column.
static LogicalResult importQLinearMatMul(NodeImporter &node) {
  FailureOr<RankedTensorType> type = node.getOutputType(0);
  if (failed(type))
    return failure();
  Value aStored = node.getInput(0), bStored = node.getInput(3);
  if (!aStored || !bStored)
    return node.emitError() << "expected inputs a and b";
  Type f32 = node.getBuilder().getF32Type();
  auto a = dequantizeOperand(node, 0, rankOf(aStored) - 2, f32);
  if (failed(a))
    return failure();
  auto b = dequantizeOperand(node, 3, rankOf(bStored) - 1, f32);
  if (failed(b))
    return failure();
  FailureOr<Quantization> y = getQuantization(
      node, 6, 7, type->getElementType(), type->getRank() - 1, type->getRank());
  if (failed(y))
    return failure();
  Value product = MatMulOp::create(node.getBuilder(), node.getLoc(),
                                   type->clone(f32), a->first, b->first);
  node.setResults(quantize(node, product, *y, *type));
  return success();
}

/// Dequantizes an int32 bias whose scale is `factor * x_scale * w_scale`
/// (per tensor, or per output channel with w) and zero point 0; the scales
/// are inputs `xScaleIndex` and `wScaleIndex`.
static FailureOr<Value> dequantizeBias(NodeImporter &node, Value stored,
                                       const Quantization &xq,
                                       unsigned xScaleIndex,
                                       const Quantization &wq,
                                       unsigned wScaleIndex, double factor) {
  OpBuilder &b = node.getBuilder();
  Type f32 = b.getF32Type();
  Quantization bias;
  if (xq.type && wq.type) {
    double xScale =
        factor * cast<quant::UniformQuantizedType>(xq.type).getScale();
    SmallVector<double> scales;
    if (auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(wq.type))
      for (double scale : perAxis.getScales())
        scales.push_back(xScale * scale);
    else
      scales.push_back(xScale *
                       cast<quant::UniformQuantizedType>(wq.type).getScale());
    bias.type =
        getUniformType(node, b.getIntegerType(32), f32, scales,
                       SmallVector<int64_t>(scales.size()),
                       cast<RankedTensorType>(stored.getType()).getRank() - 1);
    if (!bias.type)
      return failure();
  } else {
    Value xScale = xq.type ? node.getInput(xScaleIndex) : xq.scale;
    Value wScale = wq.type ? node.getInput(wScaleIndex) : wq.scale;
    bias.scale = broadcastBinary<MulOp>(node, xScale, wScale);
    if (factor != 1.0) {
      auto scalar = RankedTensorType::get({}, f32);
      Value factorValue = arith::ConstantOp::create(
          b, node.getLoc(),
          DenseElementsAttr::get(scalar, b.getF32FloatAttr(factor)));
      bias.scale = broadcastBinary<MulOp>(node, bias.scale, factorValue);
    }
  }
  return dequantize(node, stored, bias, f32);
}

/// QLinearConv: x per tensor, w per tensor or per output channel, and an
/// int32 bias whose scale is x_scale * w_scale with zero point 0.
static LogicalResult importQLinearConv(NodeImporter &node) {
  FailureOr<RankedTensorType> type = node.getOutputType(0);
  if (failed(type))
    return failure();
  OpBuilder &b = node.getBuilder();
  Type f32 = b.getF32Type();
  auto x = dequantizeOperand(node, 0, 1, f32);
  if (failed(x))
    return failure();
  auto w = dequantizeOperand(node, 3, 0, f32);
  if (failed(w))
    return failure();
  FailureOr<Quantization> y =
      getQuantization(node, 6, 7, type->getElementType(), 1, type->getRank());
  if (failed(y))
    return failure();
  Value bias;
  if (Value stored = node.getInput(8)) {
    FailureOr<Value> dequantized =
        dequantizeBias(node, stored, x->second, 1, w->second, 4, 1.0);
    if (failed(dequantized))
      return failure();
    bias = *dequantized;
  }
  FailureOr<Value> conv =
      buildConv(node, x->first, w->first, bias, type->clone(f32));
  if (failed(conv))
    return failure();
  node.setResults(quantize(node, *conv, *y, *type));
  return success();
}

/// `value` widened to int32 minus its zero point (input `zeroPointIndex`,
/// absent = 0). A 1-D zero point applies along `axis`.
static Value shiftedToInt32(NodeImporter &node, Value value,
                            unsigned zeroPointIndex, int64_t axis) {
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  auto i32 = b.getIntegerType(32);
  auto type = cast<RankedTensorType>(value.getType());
  Value wide = CastOp::create(b, loc, type.clone(i32), value);
  Value zeroPoint = node.getInput(zeroPointIndex);
  if (!zeroPoint)
    return wide;
  auto zeroPointType = cast<RankedTensorType>(zeroPoint.getType());
  Value wideZeroPoint =
      CastOp::create(b, loc, zeroPointType.clone(i32), zeroPoint);
  if (zeroPointType.getRank() == 1 && zeroPointType.getNumElements() > 1) {
    SmallVector<int64_t> shape(type.getRank() - axis, 1);
    shape[0] = zeroPointType.getDimSize(0);
    wideZeroPoint = ReshapeOp::create(b, loc, RankedTensorType::get(shape, i32),
                                      wideZeroPoint);
  }
  return SubOp::create(b, loc, type.clone(i32), wide, wideZeroPoint);
}

/// MatMulInteger: a's zero point per row, b's per column.
static LogicalResult importMatMulInteger(NodeImporter &node) {
  FailureOr<Value> a = node.getRequiredInput(0);
  FailureOr<Value> b = node.getRequiredInput(1);
  FailureOr<RankedTensorType> type = node.getOutputType(0);
  if (failed(a) || failed(b) || failed(type))
    return failure();
  int64_t aRank = cast<RankedTensorType>(a->getType()).getRank();
  int64_t bRank = cast<RankedTensorType>(b->getType()).getRank();
  Value lhs = shiftedToInt32(node, *a, 2, aRank - 2);
  Value rhs = shiftedToInt32(node, *b, 3, bRank - 1);
  node.setResults(
      MatMulOp::create(node.getBuilder(), node.getLoc(), *type, lhs, rhs)
          ->getResults());
  return success();
}

/// ConvInteger: w's zero point per output channel.
static LogicalResult importConvInteger(NodeImporter &node) {
  FailureOr<Value> x = node.getRequiredInput(0);
  FailureOr<Value> w = node.getRequiredInput(1);
  FailureOr<RankedTensorType> type = node.getOutputType(0);
  if (failed(x) || failed(w) || failed(type))
    return failure();
  Value input = shiftedToInt32(node, *x, 2, 1);
  Value weight = shiftedToInt32(node, *w, 3, 0);
  FailureOr<Value> conv = buildConv(node, input, weight, Value(), *type);
  if (failed(conv))
    return failure();
  node.setResults(*conv);
  return success();
}

static LogicalResult importDynamicQuantizeLinear(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredInput(0);
  FailureOr<RankedTensorType> y = node.getOutputType(0);
  FailureOr<RankedTensorType> scale = node.getOutputType(1);
  FailureOr<RankedTensorType> zeroPoint = node.getOutputType(2);
  if (failed(input) || failed(y) || failed(scale) || failed(zeroPoint))
    return failure();
  node.setResults(DynamicQuantizeOp::create(node.getBuilder(), node.getLoc(),
                                            *y, *scale, *zeroPoint, *input)
                      ->getResults());
  return success();
}

//===----------------------------------------------------------------------===//
// com.microsoft ops (ORT's quantizer), in the same QDQ form
//===----------------------------------------------------------------------===//

/// QLinearAdd, QLinearMul: (A, A_scale, A_zp, B, B_scale, B_zp, C_scale,
/// C_zp), numpy broadcasting.
template <typename OpTy>
static LogicalResult importQLinearBinary(NodeImporter &node) {
  FailureOr<RankedTensorType> type = node.getOutputType(0);
  if (failed(type))
    return failure();
  Type f32 = node.getBuilder().getF32Type();
  auto a = dequantizeOperand(node, 0, 0, f32);
  if (failed(a))
    return failure();
  auto b = dequantizeOperand(node, 3, 0, f32);
  if (failed(b))
    return failure();
  FailureOr<Quantization> y =
      getQuantization(node, 6, 7, type->getElementType(), 0, type->getRank());
  if (failed(y))
    return failure();
  Value value = broadcastBinary<OpTy>(node, a->first, b->first);
  node.setResults(quantize(node, value, *y, *type));
  return success();
}

/// QLinearSigmoid, QLinearLeakyRelu, QLinearGlobalAveragePool:
/// (X, X_scale, X_zp, Y_scale, Y_zp) around one float op.
template <typename OpTy>
static LogicalResult importQLinearUnary(NodeImporter &node) {
  FailureOr<RankedTensorType> type = node.getOutputType(0);
  if (failed(type))
    return failure();
  if (node.getInt("channels_last", 0))
    return node.emitError() << "channels_last = 1 is not supported";
  OpBuilder &b = node.getBuilder();
  Type f32 = b.getF32Type();
  auto x = dequantizeOperand(node, 0, 0, f32);
  if (failed(x))
    return failure();
  FailureOr<Quantization> y =
      getQuantization(node, 3, 4, type->getElementType(), 0, type->getRank());
  if (failed(y))
    return failure();
  Value value;
  if constexpr (std::is_same_v<OpTy, LeakyReluOp>)
    value =
        LeakyReluOp::create(b, node.getLoc(), x->first,
                            b.getF32FloatAttr(node.getFloat("alpha", 0.01f)));
  else if constexpr (std::is_same_v<OpTy, GlobalAveragePoolOp>)
    value = GlobalAveragePoolOp::create(b, node.getLoc(), type->clone(f32),
                                        x->first);
  else
    value = OpTy::create(b, node.getLoc(), x->first);
  node.setResults(quantize(node, value, *y, *type));
  return success();
}

/// QLinearConcat: (Y_scale, Y_zp, then X, X_scale, X_zp per input).
static LogicalResult importQLinearConcat(NodeImporter &node) {
  FailureOr<RankedTensorType> type = node.getOutputType(0);
  if (failed(type))
    return failure();
  Type f32 = node.getBuilder().getF32Type();
  SmallVector<Value> inputs;
  for (unsigned i = 2, e = node.getNumInputs(); i < e; i += 3) {
    auto x = dequantizeOperand(node, i, 0, f32);
    if (failed(x))
      return failure();
    inputs.push_back(x->first);
  }
  FailureOr<int64_t> axis =
      node.normalizeAxis(node.getInt("axis", 0), type->getRank());
  FailureOr<Quantization> y =
      getQuantization(node, 0, 1, type->getElementType(), 0, type->getRank());
  if (failed(axis) || failed(y))
    return failure();
  Value value = ConcatOp::create(node.getBuilder(), node.getLoc(),
                                 type->clone(f32), inputs, *axis);
  node.setResults(quantize(node, value, *y, *type));
  return success();
}

/// QGemm: (A, A_scale, A_zp, B, B_scale, B_zp, C, Y_scale, Y_zp), B per
/// tensor or per output column, C int32 with scale alpha * A_scale *
/// B_scale (ORT's contrib op definition); without Y_scale the output is
/// float.
static LogicalResult importQGemm(NodeImporter &node) {
  FailureOr<RankedTensorType> type = node.getOutputType(0);
  if (failed(type))
    return failure();
  OpBuilder &b = node.getBuilder();
  Type f32 = b.getF32Type();
  bool transA = node.getInt("transA", 0), transB = node.getInt("transB", 0);
  float alpha = node.getFloat("alpha", 1.0f);
  auto a = dequantizeOperand(node, 0, 0, f32);
  if (failed(a))
    return failure();
  auto bq = dequantizeOperand(node, 3, transB ? 0 : 1, f32);
  if (failed(bq))
    return failure();
  Value c;
  if (Value stored = node.getInput(6)) {
    FailureOr<Value> bias =
        dequantizeBias(node, stored, a->second, 1, bq->second, 4, alpha);
    if (failed(bias))
      return failure();
    c = *bias;
  }
  Value product =
      GemmOp::create(b, node.getLoc(), type->clone(f32), a->first, bq->first, c,
                     b.getF32FloatAttr(alpha), b.getF32FloatAttr(1.0f),
                     transA ? b.getUnitAttr() : UnitAttr(),
                     transB ? b.getUnitAttr() : UnitAttr());
  if (!node.getInput(7)) {
    node.setResults(product);
    return success();
  }
  FailureOr<Quantization> y =
      getQuantization(node, 7, 8, type->getElementType(), 0, type->getRank());
  if (failed(y))
    return failure();
  node.setResults(quantize(node, product, *y, *type));
  return success();
}

ArrayRef<OpImportEntry> mlir::quill::onnx_import::getQuantizationOpImporters() {
  static const OpImportEntry entries[] = {
      {"", "ConvInteger", 10, importConvInteger},
      {"", "DequantizeLinear", 10, importDequantizeLinear},
      {"", "DynamicQuantizeLinear", 11, importDynamicQuantizeLinear},
      {"", "MatMulInteger", 10, importMatMulInteger},
      {"", "QLinearConv", 10, importQLinearConv},
      {"", "QLinearMatMul", 10, importQLinearMatMul},
      {"", "QuantizeLinear", 10, importQuantizeLinear},
      {"com.microsoft", "QGemm", 1, importQGemm},
      {"com.microsoft", "QLinearAdd", 1, importQLinearBinary<AddOp>},
      {"com.microsoft", "QLinearConcat", 1, importQLinearConcat},
      {"com.microsoft", "QLinearGlobalAveragePool", 1,
       importQLinearUnary<GlobalAveragePoolOp>},
      {"com.microsoft", "QLinearLeakyRelu", 1, importQLinearUnary<LeakyReluOp>},
      {"com.microsoft", "QLinearMul", 1, importQLinearBinary<MulOp>},
      {"com.microsoft", "QLinearSigmoid", 1, importQLinearUnary<SigmoidOp>},
  };
  return entries;
}
