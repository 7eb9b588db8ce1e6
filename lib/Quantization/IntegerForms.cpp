//===- IntegerForms.cpp - Pieces of the integer rewrites ------------------===//

#include "IntegerForms.h"

#include "quill/Dialect/Quill/IR/QuantArithmetic.h"

#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::quill;

Value mlir::quill::getDequantizedInput(Value floatValue, bool allowPerAxis) {
  auto dequantize = floatValue.getDefiningOp<DequantizeOp>();
  if (!dequantize)
    return {};
  Type element = dequantize.getInput().getType().getElementType();
  auto quantized = dyn_cast<quant::QuantizedType>(element);
  if (!quantized || quantized.getStorageTypeIntegralWidth() != 8)
    return {};
  if (!isa<quant::UniformQuantizedType>(element) &&
      !(allowPerAxis && isa<quant::UniformQuantizedPerAxisType>(element)))
    return {};
  return dequantize.getInput();
}

quant::UniformQuantizedType mlir::quill::getPerTensorType(QuantizeOp op) {
  auto type =
      dyn_cast<quant::UniformQuantizedType>(op.getType().getElementType());
  if (!type || type.getStorageTypeIntegralWidth() != 8)
    return {};
  return type;
}

RankedTensorType mlir::quill::getStorageTensorType(RankedTensorType type) {
  auto quantized = cast<quant::QuantizedType>(type.getElementType());
  return type.clone(IntegerType::get(type.getContext(),
                                     quantized.getStorageTypeIntegralWidth()));
}

Value mlir::quill::toStorage(PatternRewriter &rewriter, Location loc,
                             Value quantized) {
  auto type = cast<RankedTensorType>(quantized.getType());
  return StorageCastOp::create(rewriter, loc, getStorageTensorType(type),
                               quantized);
}

FailureOr<Value> mlir::quill::buildStorageRequantize(
    PatternRewriter &rewriter, Location loc, Value input,
    int64_t inputZeroPoint, bool inputUnsigned, ArrayRef<double> factors,
    int64_t axis, RankedTensorType storageType, int64_t outputZeroPoint,
    bool outputUnsigned, StorageClamp clamp) {
  SmallVector<int32_t> multipliers;
  SmallVector<int8_t> shifts;
  for (double factor : factors) {
    std::optional<DyadicMultiplier> dyadic = getDyadicMultiplier(factor);
    if (!dyadic)
      return failure();
    multipliers.push_back(dyadic->multiplier);
    shifts.push_back(dyadic->shift);
  }
  return RequantizeOp::create(
             rewriter, loc, storageType, input,
             rewriter.getDenseI32ArrayAttr(multipliers),
             rewriter.getDenseI8ArrayAttr(shifts),
             factors.size() > 1 ? rewriter.getI32IntegerAttr(axis)
                                : IntegerAttr(),
             rewriter.getI32IntegerAttr(inputZeroPoint),
             rewriter.getI32IntegerAttr(outputZeroPoint),
             inputUnsigned ? rewriter.getUnitAttr() : UnitAttr(),
             outputUnsigned ? rewriter.getUnitAttr() : UnitAttr(),
             clamp.min ? rewriter.getI64IntegerAttr(*clamp.min) : IntegerAttr(),
             clamp.max ? rewriter.getI64IntegerAttr(*clamp.max) : IntegerAttr())
      .getResult();
}

FailureOr<Value> mlir::quill::buildRequantize(
    PatternRewriter &rewriter, Location loc, Value input,
    int64_t inputZeroPoint, bool inputUnsigned, ArrayRef<double> factors,
    int64_t axis, quant::UniformQuantizedType resultElement,
    RankedTensorType resultType, StorageClamp clamp) {
  FailureOr<Value> stored = buildStorageRequantize(
      rewriter, loc, input, inputZeroPoint, inputUnsigned, factors, axis,
      getStorageTensorType(resultType), resultElement.getZeroPoint(),
      !resultElement.isSigned(), clamp);
  if (failed(stored))
    return failure();
  return StorageCastOp::create(rewriter, loc, resultType, *stored).getResult();
}

FailureOr<Value>
mlir::quill::buildRescale(PatternRewriter &rewriter, Location loc,
                          Value quantized, double factor,
                          quant::UniformQuantizedType resultElement,
                          RankedTensorType resultType, StorageClamp clamp) {
  auto element = cast<quant::UniformQuantizedType>(
      cast<RankedTensorType>(quantized.getType()).getElementType());
  return buildRequantize(rewriter, loc, toStorage(rewriter, loc, quantized),
                         element.getZeroPoint(), !element.isSigned(), {factor},
                         0, resultElement, resultType, clamp);
}

FailureOr<QuantizedResult> mlir::quill::matchQuantizedResult(QuantizeOp op) {
  quant::UniformQuantizedType type = getPerTensorType(op);
  if (!type)
    return failure();
  Operation *clamping = op.getInput().getDefiningOp();
  if (!isa_and_present<ReluOp, ClipOp>(clamping))
    return QuantizedResult{type, op.getInput(), {}};
  if (!clamping->hasOneUse())
    return failure();
  StorageRange range{type.getStorageTypeMin(), type.getStorageTypeMax()};
  if (auto relu = dyn_cast<ReluOp>(clamping))
    return QuantizedResult{
        type,
        relu.getInput(),
        {std::max<int64_t>(type.getZeroPoint(), range.min), std::nullopt}};
  // Quantizing rounds monotonically, so the quantized clip is the clip of
  // the quantized value at the quantized bounds.
  auto clip = cast<ClipOp>(clamping);
  StorageClamp clamp;
  for (auto [bound, stored] : {std::pair(clip.getMin(), &clamp.min),
                               std::pair(clip.getMax(), &clamp.max)}) {
    if (!bound)
      continue;
    DenseFPElementsAttr value;
    if (!matchPattern(bound, m_Constant(&value)) || value.getNumElements() != 1)
      return failure();
    *stored = quantizeElement((*value.value_begin<APFloat>()).convertToDouble(),
                              {type.getScale(), type.getZeroPoint()}, range,
                              /*wide=*/false);
  }
  return QuantizedResult{type, clip.getInput(), clamp};
}
