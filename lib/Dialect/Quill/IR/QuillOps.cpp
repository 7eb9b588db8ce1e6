//===- QuillOps.cpp - Quill op verifiers ----------------------------------===//

#include "quill/Dialect/Quill/IR/Quill.h"

#include "ShapeChecks.h"

#include "quill/Dialect/Quill/IR/IntegerNonlinear.h"
#include "quill/Dialect/Quill/IR/QuantArithmetic.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/Support/InterleavedRange.h"

#include <cmath>

using namespace mlir;
using namespace mlir::quill;

/// Shared by quantize and dequantize: `floatType` must be what the quantized
/// element type expresses, and the parameters must fit the shape.
static LogicalResult verifyQuantizationPair(Operation *op,
                                            RankedTensorType floatType,
                                            RankedTensorType quantizedType) {
  Type expressed = getExpressedType(quantizedType.getElementType());
  if (floatType.getElementType() != expressed)
    return op->emitOpError("expected float element type ")
           << expressed << " (the quantized type's expressed type), got "
           << floatType.getElementType();
  return verifyQuantizedTensorType([&] { return op->emitOpError(); },
                                   quantizedType);
}

LogicalResult QuantizeOp::verify() {
  return verifyQuantizationPair(*this, getInput().getType(),
                                getResult().getType());
}

LogicalResult DequantizeOp::verify() {
  return verifyQuantizationPair(*this, getResult().getType(),
                                getInput().getType());
}

//===----------------------------------------------------------------------===//
// StorageCastOp / DynamicQuantizeOp
//===----------------------------------------------------------------------===//

/// Whether `stored` can hold the values of `quantized` bit for bit.
static bool isStorageOf(Type stored, Type quantized) {
  if (auto floatQuant = dyn_cast<FloatQuantType>(quantized))
    return stored == floatQuant.getStorageType();
  auto integerQuant = cast<quant::QuantizedType>(quantized);
  auto integer = dyn_cast<IntegerType>(stored);
  if (!integer ||
      integer.getWidth() != integerQuant.getStorageTypeIntegralWidth())
    return false;
  return integer.isSignless() ||
         (integer.isUnsigned() && !integerQuant.isSigned());
}

LogicalResult StorageCastOp::verify() {
  auto inputType = cast<RankedTensorType>(getInput().getType());
  auto resultType = cast<RankedTensorType>(getResult().getType());
  Type input = inputType.getElementType(), result = resultType.getElementType();
  bool inputQuantized = isQuantizedElementType(input);
  if (inputQuantized == isQuantizedElementType(result))
    return emitOpError("expected exactly one of the input and result to be "
                       "quantized, got ")
           << input << " and " << result;
  Type quantized = inputQuantized ? input : result;
  Type stored = inputQuantized ? result : input;
  if (!isStorageOf(stored, quantized))
    return emitOpError("expected ")
           << stored << " to be the storage of " << quantized;
  return verifyQuantizedTensorType([&] { return emitOpError(); },
                                   inputQuantized ? inputType : resultType);
}

OpFoldResult StorageCastOp::fold(FoldAdaptor) {
  if (auto inner = getInput().getDefiningOp<StorageCastOp>())
    if (inner.getInput().getType() == getResult().getType())
      return inner.getInput();
  return {};
}

LogicalResult DynamicQuantizeOp::verify() {
  if (getInput().getType().getShape() !=
      cast<RankedTensorType>(getResult().getType()).getShape())
    return emitOpError("expected the result to have the input's shape");
  return success();
}

//===----------------------------------------------------------------------===//
// QuantizedMatMulOp
//===----------------------------------------------------------------------===//

/// The operands of an exact integer product: `lhs` 8-bit per tensor, `rhs`
/// 8-bit per tensor or along `rhsAxis`, one expressed type.
static LogicalResult verifyProductOperands(Operation *op, StringRef lhsName,
                                           RankedTensorType lhsType,
                                           StringRef rhsName,
                                           RankedTensorType rhsType,
                                           int64_t rhsAxis) {
  auto lhs = dyn_cast<quant::UniformQuantizedType>(lhsType.getElementType());
  if (!lhs)
    return op->emitOpError("expected ")
           << lhsName << " quantized per tensor, got "
           << lhsType.getElementType();
  auto rhs = dyn_cast<quant::QuantizedType>(rhsType.getElementType());
  auto rhsPerAxis =
      dyn_cast_if_present<quant::UniformQuantizedPerAxisType>(rhs);
  if (!rhs || (!isa<quant::UniformQuantizedType>(rhs) && !rhsPerAxis))
    return op->emitOpError("expected ")
           << rhsName << " quantized per tensor or along axis " << rhsAxis
           << ", got " << rhsType.getElementType();
  if (rhsPerAxis && (rhsType.getRank() <= rhsAxis ||
                     rhsPerAxis.getQuantizedDimension() != rhsAxis))
    return op->emitOpError("expected ")
           << rhsName << " quantized along axis " << rhsAxis;
  for (quant::QuantizedType type : {quant::QuantizedType(lhs), rhs})
    if (type.getStorageTypeIntegralWidth() != 8)
      return op->emitOpError("expected 8-bit storage, got ") << type;
  if (lhs.getExpressedType() != rhs.getExpressedType())
    return op->emitOpError("expected operands expressing one float type");
  if (failed(verifyQuantizedTensorType([&] { return op->emitOpError(); },
                                       lhsType)))
    return failure();
  return verifyQuantizedTensorType([&] { return op->emitOpError(); }, rhsType);
}

LogicalResult QuantizedMatMulOp::verify() {
  RankedTensorType lhsType = getLhs().getType(), rhsType = getRhs().getType();
  // Per column: the last axis of a matrix (or stack of them).
  int64_t columnAxis = std::max<int64_t>(rhsType.getRank() - 1, 1);
  if (failed(verifyProductOperands(*this, "lhs", lhsType, "rhs", rhsType,
                                   columnAxis)))
    return failure();
  return verifyMatMulShapes(*this, lhsType.getShape(), rhsType.getShape(),
                            getResult().getType().getShape());
}

//===----------------------------------------------------------------------===//
// TableLookupOp
//===----------------------------------------------------------------------===//

LogicalResult TableLookupOp::verify() {
  auto input = dyn_cast<quant::UniformQuantizedType>(
      getInput().getType().getElementType());
  auto result = dyn_cast<quant::UniformQuantizedType>(
      getResult().getType().getElementType());
  if (!input || !result)
    return emitOpError("expected input and result quantized per tensor");
  if (input.getStorageTypeIntegralWidth() > 8 ||
      result.getStorageTypeIntegralWidth() > 8)
    return emitOpError("expected storage of at most 8 bits");
  int64_t entries = input.getStorageTypeMax() - input.getStorageTypeMin() + 1;
  ArrayRef<int32_t> table = getTable();
  if (int64_t(table.size()) != entries)
    return emitOpError("expected ")
           << entries << " table entries (one per stored input value), got "
           << table.size();
  for (auto [index, entry] : llvm::enumerate(table))
    if (entry < result.getStorageTypeMin() ||
        entry > result.getStorageTypeMax())
      return emitOpError("table entry ")
             << index << " (" << entry << ") outside the result's storage "
             << "range [" << result.getStorageTypeMin() << ", "
             << result.getStorageTypeMax() << "]";
  return success();
}

//===----------------------------------------------------------------------===//
// IntegerSoftmaxOp and IntegerLayerNormOp
//===----------------------------------------------------------------------===//

/// Both the input and the result of `op` are 8-bit per tensor.
static LogicalResult verifyEightBitPerTensor(Operation *op, Type input,
                                             Type result) {
  for (Type type : {input, result}) {
    auto element = dyn_cast<quant::UniformQuantizedType>(
        cast<RankedTensorType>(type).getElementType());
    if (!element || element.getStorageTypeIntegralWidth() != 8)
      return op->emitOpError(
          "expected input and result quantized per tensor in 8 bits");
  }
  return success();
}

LogicalResult IntegerSoftmaxOp::verify() {
  if (failed(verifyEightBitPerTensor(*this, getInput().getType(),
                                     getResult().getType())) ||
      failed(verifyAxis(*this, getAxis(), getInput().getType().getRank())))
    return failure();
  double scale =
      cast<quant::UniformQuantizedType>(getInput().getType().getElementType())
          .getScale();
  if (!getIntegerExpConstants(getApproximation(), scale))
    return emitOpError("input scale ")
           << scale << " out of range for the integer exponential";
  double outputScale =
      cast<quant::UniformQuantizedType>(getResult().getType().getElementType())
          .getScale();
  if (!getDyadicMultiplier(std::ldexp(1.0, -softmaxProbabilityBits) /
                           outputScale))
    return emitOpError("output scale ")
           << outputScale << " has no dyadic multiplier";
  return success();
}

LogicalResult IntegerGeluOp::verify() {
  if (failed(verifyEightBitPerTensor(*this, getInput().getType(),
                                     getResult().getType())))
    return failure();
  auto input =
      cast<quant::UniformQuantizedType>(getInput().getType().getElementType());
  std::optional<IntegerGeluConstants> constants =
      getIntegerGeluConstants(input);
  if (!constants)
    return emitOpError("input scale ")
           << input.getScale() << " out of range for the integer GELU";
  double outputScale =
      cast<quant::UniformQuantizedType>(getResult().getType().getElementType())
          .getScale();
  if (!getDyadicMultiplier(constants->productScale / outputScale))
    return emitOpError("output scale ")
           << outputScale << " has no dyadic multiplier";
  return success();
}

LogicalResult IntegerLayerNormOp::verify() {
  RankedTensorType input = getInput().getType();
  if (input.getShape() != getResult().getType().getShape())
    return emitOpError("expected the result's shape to be the input's");
  if (failed(verifyEightBitPerTensor(*this, input, getResult().getType())) ||
      failed(verifyAxis(*this, getAxis(), input.getRank())))
    return failure();
  ArrayRef<int64_t> normalized = input.getShape().drop_front(getAxis());
  for (auto [name, parameter] : {std::pair("gamma", getGamma().getType()),
                                 std::pair("beta", getBeta().getType())})
    if (parameter.getShape() != normalized)
      return emitOpError("expected ")
             << name << " of the normalized shape ["
             << llvm::interleaved(normalized, "x") << "], got " << parameter;
  if (ShapedType::getNumElements(normalized) > layerNormMaxCount)
    return emitOpError("normalizes ")
           << ShapedType::getNumElements(normalized)
           << " elements per row; at most " << layerNormMaxCount
           << " fit the 64-bit sum of squares";
  if (getShift() < 1 || getShift() > 62)
    return emitOpError("shift ") << getShift() << " outside [1, 62]";
  if (getEpsilon() < 0)
    return emitOpError("epsilon ") << getEpsilon() << " is negative";
  return success();
}

//===----------------------------------------------------------------------===//
// QuantizedConvOp
//===----------------------------------------------------------------------===//

LogicalResult QuantizedConvOp::verify() {
  RankedTensorType input = getInput().getType(), weight = getWeight().getType();
  if (failed(verifyProductOperands(*this, "input", input, "weight", weight,
                                   /*rhsAxis=*/0)))
    return failure();
  if (std::optional<ArrayRef<int64_t>> inputDilations = getInputDilations()) {
    int64_t spatialRank = input.getRank() - 2;
    if (int64_t(inputDilations->size()) != spatialRank)
      return emitOpError("expected ") << spatialRank << " input dilations, got "
                                      << inputDilations->size();
    SmallVector<int64_t> dilatedShape(input.getShape());
    for (auto [axis, dilation] : llvm::enumerate(*inputDilations)) {
      if (dilation < 1)
        return emitOpError("expected input dilations of at least 1, got ")
               << dilation;
      int64_t &size = dilatedShape[axis + 2];
      if (!ShapedType::isDynamic(size))
        size = (size - 1) * dilation + 1;
    }
    input = input.clone(dilatedShape);
  }
  return verifyConvShapes(*this, input, weight, Value(), getGroup(),
                          getStrides(), getPads(), getDilations(),
                          getResult().getType());
}

//===----------------------------------------------------------------------===//
// RequantizeOp
//===----------------------------------------------------------------------===//

static StorageRange getStorageRange(RankedTensorType type, bool isUnsigned) {
  return getStorageRange(type.getElementTypeBitWidth(), isUnsigned);
}

int64_t RequantizeOp::getEffectiveClampMin() {
  if (std::optional<int64_t> min = getClampMin())
    return *min;
  return ::getStorageRange(getResult().getType(), getOutputUnsigned()).min;
}

int64_t RequantizeOp::getEffectiveClampMax() {
  if (std::optional<int64_t> max = getClampMax())
    return *max;
  return ::getStorageRange(getResult().getType(), getOutputUnsigned()).max;
}

LogicalResult RequantizeOp::verify() {
  ArrayRef<int32_t> multipliers = getMultiplier();
  ArrayRef<int8_t> shifts = getShift();
  if (multipliers.empty() || multipliers.size() != shifts.size())
    return emitOpError("expected as many shifts as multipliers (at least "
                       "one), got ")
           << multipliers.size() << " multipliers and " << shifts.size()
           << " shifts";
  for (int32_t multiplier : multipliers)
    if (multiplier <= 0)
      return emitOpError("expected multipliers in [1, 2147483647], got ")
             << multiplier;
  for (int8_t shift : shifts)
    if (shift < 1 || shift > 62)
      return emitOpError("expected shifts in [1, 62], got ") << int(shift);

  RankedTensorType inputType = getInput().getType();
  if (std::optional<int32_t> axis = getAxis()) {
    if (failed(verifyAxis(*this, *axis, inputType.getRank())))
      return failure();
    int64_t size = inputType.getDimSize(*axis);
    if (!ShapedType::isDynamic(size) && multipliers.size() != 1 &&
        static_cast<int64_t>(multipliers.size()) != size)
      return emitOpError("expected 1 or ")
             << size << " (multiplier, shift) pairs for axis " << *axis
             << ", got " << multipliers.size();
  } else if (multipliers.size() != 1) {
    return emitOpError("expected one (multiplier, shift) pair without an "
                       "axis, got ")
           << multipliers.size();
  }

  StorageRange inputRange = ::getStorageRange(inputType, getInputUnsigned());
  if (!inputRange.contains(getInputZeroPoint()))
    return emitOpError("expected input zero point in [")
           << inputRange.min << ", " << inputRange.max << "], got "
           << getInputZeroPoint();
  StorageRange outputRange =
      ::getStorageRange(getResult().getType(), getOutputUnsigned());
  if (!outputRange.contains(getOutputZeroPoint()))
    return emitOpError("expected output zero point in [")
           << outputRange.min << ", " << outputRange.max << "], got "
           << getOutputZeroPoint();
  for (std::optional<int64_t> bound : {getClampMin(), getClampMax()})
    if (bound && !outputRange.contains(*bound))
      return emitOpError("expected clamp bounds in [")
             << outputRange.min << ", " << outputRange.max << "], got "
             << *bound;
  if (getEffectiveClampMin() > getEffectiveClampMax())
    return emitOpError("expected clamp_min <= clamp_max, got ")
           << getEffectiveClampMin() << " > " << getEffectiveClampMax();
  return success();
}

//===----------------------------------------------------------------------===//
// BlockQuantizeOp / BlockDequantizeOp
//===----------------------------------------------------------------------===//

/// Checks the element and scale tensors of a block-scaled value against its
/// format and against the float tensor it stands for.
static LogicalResult verifyBlockScaled(Operation *op, BlockFormat format,
                                       int32_t axis,
                                       std::optional<APFloat> tensorScale,
                                       RankedTensorType floatType,
                                       RankedTensorType elementsType,
                                       RankedTensorType scalesType) {
  BlockFormatInfo info = getBlockFormatInfo(op->getContext(), format);
  StringRef name = stringifyBlockFormat(format);
  if (failed(verifyAxis(op, axis, floatType.getRank())))
    return failure();
  if (elementsType.getShape() != floatType.getShape())
    return op->emitOpError("expected elements of the float tensor's shape");
  if (elementsType.getElementType() != info.elementType)
    return op->emitOpError("expected elements of type ")
           << info.elementType << " for " << name << ", got "
           << elementsType.getElementType();
  if (scalesType.getElementType() != info.scaleType)
    return op->emitOpError("expected scales of type ")
           << info.scaleType << " for " << name << ", got "
           << scalesType.getElementType();
  int64_t size = floatType.getDimSize(axis);
  if (!ShapedType::isDynamic(size) && size % info.blockSize != 0)
    return op->emitOpError("expected block size ")
           << info.blockSize << " of " << name << " to divide axis " << axis
           << " of size " << size;
  SmallVector<int64_t> expectedScales(floatType.getShape());
  if (!ShapedType::isDynamic(size))
    expectedScales[axis] = size / info.blockSize;
  if (scalesType.getShape() != ArrayRef<int64_t>(expectedScales))
    return op->emitOpError("expected scales of shape [")
           << llvm::interleaved(expectedScales) << "] (one per block), got ["
           << llvm::interleaved(scalesType.getShape()) << "]";
  if (info.hasTensorScale != tensorScale.has_value())
    return op->emitOpError(info.hasTensorScale
                               ? "expected a tensor_scale for "
                               : "expected no tensor_scale for ")
           << name;
  if (tensorScale &&
      (!tensorScale->isFiniteNonZero() || tensorScale->isNegative()))
    return op->emitOpError("expected a positive finite tensor_scale");
  return success();
}

LogicalResult BlockQuantizeOp::verify() {
  if (getScaleRounding() == BlockScaleRounding::Up &&
      getFormat() == BlockFormat::NVFP4)
    return emitOpError("expected scale_rounding = up only for MX formats: "
                       "nvfp4 rounds its E4M3 scale to nearest");
  return verifyBlockScaled(*this, getFormat(), getAxis(), getTensorScale(),
                           getInput().getType(),
                           cast<RankedTensorType>(getElements().getType()),
                           cast<RankedTensorType>(getScales().getType()));
}

LogicalResult BlockDequantizeOp::verify() {
  return verifyBlockScaled(*this, getFormat(), getAxis(), getTensorScale(),
                           getResult().getType(),
                           cast<RankedTensorType>(getElements().getType()),
                           cast<RankedTensorType>(getScales().getType()));
}

#define GET_OP_CLASSES
#include "quill/Dialect/Quill/IR/QuillOps.cpp.inc"
