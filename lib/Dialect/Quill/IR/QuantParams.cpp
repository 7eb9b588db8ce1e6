//===- QuantParams.cpp - Quantization parameters and their checks ---------===//

#include "quill/Dialect/Quill/IR/Quill.h"

#include "mlir/IR/Builders.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::quill;

bool mlir::quill::isQuantizedElementType(Type type) {
  return isa<quant::UniformQuantizedType, quant::UniformQuantizedPerAxisType,
             quant::UniformQuantizedSubChannelType, FloatQuantType>(type);
}

Type mlir::quill::getExpressedType(Type quantizedElementType) {
  if (auto quantized = dyn_cast<quant::QuantizedType>(quantizedElementType))
    return quantized.getExpressedType();
  if (auto floatQuant = dyn_cast<FloatQuantType>(quantizedElementType))
    return floatQuant.getExpressedType();
  return {};
}

StorageRange mlir::quill::getStorageRange(unsigned width, bool isUnsigned) {
  // 64-bit storage (int64 accumulators) is the whole of int64_t; shifting
  // would overflow (UBSan found it). Unsigned 64-bit values beyond int64_t
  // cannot be described here.
  if (width >= 64)
    return {isUnsigned ? 0 : std::numeric_limits<int64_t>::min(),
            std::numeric_limits<int64_t>::max()};
  if (isUnsigned)
    return {0, (int64_t(1) << width) - 1};
  return {-(int64_t(1) << (width - 1)), (int64_t(1) << (width - 1)) - 1};
}

SmallVector<int64_t>
mlir::quill::getBlockZeroPoints(quant::UniformQuantizedSubChannelType type) {
  SmallVector<int64_t> zeroPoints;
  for (APInt zeroPoint : type.getZeroPoints().getValues<APInt>())
    zeroPoints.push_back(type.isSigned() ? zeroPoint.getSExtValue()
                                         : zeroPoint.getZExtValue());
  return zeroPoints;
}

static LogicalResult checkScale(function_ref<InFlightDiagnostic()> emitError,
                                double scale) {
  if (!std::isfinite(scale) || scale <= 0.0)
    return emitError() << "expected positive finite scales, got " << scale;
  return success();
}

static LogicalResult
checkZeroPoint(function_ref<InFlightDiagnostic()> emitError,
               quant::QuantizedType type, int64_t zeroPoint) {
  int64_t min = type.getStorageTypeMin(), max = type.getStorageTypeMax();
  if (zeroPoint < min || zeroPoint > max)
    return emitError() << "expected zero point in the storage range [" << min
                       << ", " << max << "], got " << zeroPoint;
  return success();
}

/// Checks that `axis` exists in `type` and, when its size is static, that it
/// has `count` indices.
static LogicalResult checkPerAxis(function_ref<InFlightDiagnostic()> emitError,
                                  RankedTensorType type, int64_t axis,
                                  size_t count) {
  if (axis < 0 || axis >= type.getRank())
    return emitError() << "expected quantized axis in [0, " << type.getRank()
                       << "), got " << axis;
  int64_t size = type.getDimSize(axis);
  if (!ShapedType::isDynamic(size) && size != static_cast<int64_t>(count))
    return emitError() << "expected " << size
                       << " scales and zero points, one per index of axis "
                       << axis << ", got " << count;
  return success();
}

static LogicalResult
verifyPerTensor(function_ref<InFlightDiagnostic()> emitError,
                quant::UniformQuantizedType type) {
  if (failed(checkScale(emitError, type.getScale())))
    return failure();
  return checkZeroPoint(emitError, type, type.getZeroPoint());
}

static LogicalResult verifyPerAxis(function_ref<InFlightDiagnostic()> emitError,
                                   RankedTensorType tensorType,
                                   quant::UniformQuantizedPerAxisType type) {
  for (double scale : type.getScales())
    if (failed(checkScale(emitError, scale)))
      return failure();
  for (int64_t zeroPoint : type.getZeroPoints())
    if (failed(checkZeroPoint(emitError, type, zeroPoint)))
      return failure();
  return checkPerAxis(emitError, tensorType, type.getQuantizedDimension(),
                      type.getScales().size());
}

static LogicalResult
verifyPerBlock(function_ref<InFlightDiagnostic()> emitError,
               RankedTensorType tensorType,
               quant::UniformQuantizedSubChannelType type) {
  ArrayRef<int64_t> shape = tensorType.getShape();
  // A dimension without a block size is one block.
  SmallVector<int64_t> blockSizes(shape);
  for (auto [axis, blockSize] : type.getBlockSizeInfo()) {
    if (axis < 0 || axis >= tensorType.getRank())
      return emitError() << "expected quantized axis in [0, "
                         << tensorType.getRank() << "), got " << axis;
    int64_t size = shape[axis];
    if (blockSize <= 0)
      return emitError() << "expected a positive block size, got " << blockSize;
    if (!ShapedType::isDynamic(size) && size % blockSize != 0)
      return emitError() << "expected block size " << blockSize
                         << " to divide axis " << axis << " of size " << size;
    blockSizes[axis] = blockSize;
  }
  ArrayRef<int64_t> scalesShape = type.getScales().getType().getShape();
  if (scalesShape.size() != shape.size())
    return emitError() << "expected scales of rank " << shape.size()
                       << " (one per block), got rank " << scalesShape.size();
  for (auto [axis, size] : llvm::enumerate(shape)) {
    if (ShapedType::isDynamic(size))
      continue;
    int64_t blocks = size / blockSizes[axis];
    if (scalesShape[axis] != blocks)
      return emitError() << "expected " << blocks
                         << " scales and zero points along axis " << axis
                         << " (one per block of " << blockSizes[axis]
                         << "), got " << scalesShape[axis];
  }
  for (APFloat scale : type.getScales().getValues<APFloat>())
    if (failed(checkScale(emitError, scale.convertToDouble())))
      return failure();
  for (int64_t zeroPoint : getBlockZeroPoints(type))
    if (failed(checkZeroPoint(emitError, type, zeroPoint)))
      return failure();
  return success();
}

LogicalResult mlir::quill::verifyQuantizedTensorType(
    function_ref<InFlightDiagnostic()> emitError, RankedTensorType type) {
  Type element = type.getElementType();
  if (auto perTensor = dyn_cast<quant::UniformQuantizedType>(element))
    return verifyPerTensor(emitError, perTensor);
  if (auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(element))
    return verifyPerAxis(emitError, type, perAxis);
  if (auto perBlock = dyn_cast<quant::UniformQuantizedSubChannelType>(element))
    return verifyPerBlock(emitError, type, perBlock);
  if (auto floatQuant = dyn_cast<FloatQuantType>(element)) {
    if (std::optional<int32_t> axis = floatQuant.getAxis())
      return checkPerAxis(emitError, type, *axis,
                          floatQuant.getScales().size());
    return success();
  }
  return emitError() << "expected a quantized element type, got " << element;
}

BlockFormatInfo mlir::quill::getBlockFormatInfo(MLIRContext *context,
                                                BlockFormat format) {
  Builder b(context);
  Type e8m0 = b.getType<Float8E8M0FNUType>();
  switch (format) {
  case BlockFormat::MXFP8_E4M3:
    return {b.getType<Float8E4M3FNType>(), e8m0, 32, false};
  case BlockFormat::MXFP8_E5M2:
    return {b.getType<Float8E5M2Type>(), e8m0, 32, false};
  case BlockFormat::MXFP6_E3M2:
    return {b.getType<Float6E3M2FNType>(), e8m0, 32, false};
  case BlockFormat::MXFP6_E2M3:
    return {b.getType<Float6E2M3FNType>(), e8m0, 32, false};
  case BlockFormat::MXFP4_E2M1:
    return {b.getType<Float4E2M1FNType>(), e8m0, 32, false};
  case BlockFormat::MXINT8:
    return {b.getIntegerType(8), e8m0, 32, false};
  case BlockFormat::NVFP4:
    return {b.getType<Float4E2M1FNType>(), b.getType<Float8E4M3FNType>(), 16,
            true};
  }
  llvm_unreachable("unknown block format");
}

std::optional<BlockedWeightLayout>
mlir::quill::getBlockedWeightLayout(RankedTensorType quantizedType) {
  auto quantized =
      dyn_cast<quant::QuantizedType>(quantizedType.getElementType());
  if (!quantized || quantized.getStorageTypeIntegralWidth() > 4 ||
      quantizedType.getRank() != 2 || !quantizedType.hasStaticShape())
    return std::nullopt;
  std::optional<BlockedWeightLayout> layout;
  if (auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(quantized)) {
    int64_t reduction = 1 - perAxis.getQuantizedDimension();
    layout = {reduction, quantizedType.getDimSize(reduction)};
  } else if (auto perBlock =
                 dyn_cast<quant::UniformQuantizedSubChannelType>(quantized)) {
    ArrayRef<int32_t> dims = perBlock.getQuantizedDimensions();
    ArrayRef<int64_t> sizes = perBlock.getBlockSizes();
    SmallVector<int64_t> blocks(quantizedType.getShape());
    for (auto [dim, size] : llvm::zip(dims, sizes))
      blocks[dim] = size;
    for (int64_t reduction : {0, 1})
      if (blocks[1 - reduction] == 1)
        layout = {reduction, blocks[reduction]};
  }
  if (!layout || layout->blockSize % 4 != 0)
    return std::nullopt;
  return layout;
}
