//===- BlockQuantize.cpp - Quantizing ops to MX and NVFP4 -----------------===//

#include "BlockQuantize.h"

#include "quill/Dialect/Quill/IR/BlockArithmetic.h"
#include "quill/Dialect/Quill/IR/QuantParams.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/Matchers.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::quill;

namespace {

/// The types of a block-quantized `type`'s elements and scales.
std::pair<RankedTensorType, RankedTensorType>
getBlockTypes(RankedTensorType type, BlockFormat format, int64_t axis) {
  BlockFormatInfo info = getBlockFormatInfo(type.getContext(), format);
  SmallVector<int64_t> scaleShape(type.getShape());
  scaleShape[axis] /= info.blockSize;
  return {type.clone(info.elementType),
          RankedTensorType::get(scaleShape, info.scaleType)};
}

/// The activation `value` block-quantized at run time along `axis` and
/// dequantized again.
Value blockQuantizeActivation(OpBuilder &b, Location loc, Value value,
                              BlockFormat format, int64_t axis,
                              std::optional<float> tensorScale,
                              BlockScaleRounding rounding) {
  auto type = cast<RankedTensorType>(value.getType());
  auto [elementsType, scalesType] = getBlockTypes(type, format, axis);
  FloatAttr scaleAttr =
      tensorScale ? b.getF32FloatAttr(*tensorScale) : FloatAttr();
  auto formatAttr = BlockFormatAttr::get(b.getContext(), format);
  auto quantize = BlockQuantizeOp::create(
      b, loc, elementsType, scalesType, value, formatAttr,
      b.getI32IntegerAttr(axis), scaleAttr,
      BlockScaleRoundingAttr::get(b.getContext(), rounding));
  return BlockDequantizeOp::create(b, loc, type, quantize.getElements(),
                                   quantize.getScales(), formatAttr,
                                   b.getI32IntegerAttr(axis), scaleAttr);
}

/// The constant `weights` as block-quantized constants behind a
/// quill.block_dequantize: each block takes the scale of least squared
/// error (BlockArithmetic.h), which any decoder reads the same way.
Value blockQuantizeWeight(OpBuilder &b, Location loc,
                          DenseFPElementsAttr weights, BlockFormat format,
                          int64_t axis, std::optional<float> tensorScale) {
  auto type = cast<RankedTensorType>(weights.getType());
  auto [elementsType, scalesType] = getBlockTypes(type, format, axis);
  BlockFormatRules rules = getBlockFormatRules(format);
  SmallVector<uint8_t> codes, scales;
  quantizeInBlocks(
      weights, axis, rules.blockSize,
      [&](ArrayRef<float> block, MutableArrayRef<uint8_t> blockCodes) {
        return quantizeBlockLeastError(rules, block, tensorScale.value_or(1.0f),
                                       blockCodes);
      },
      codes, scales);
  Value elements = arith::ConstantOp::create(
      b, loc, getElementsFromCodes(elementsType, codes));
  Value scaleBytes = arith::ConstantOp::create(
      b, loc, getElementsFromCodes(scalesType, scales));
  FloatAttr scaleAttr =
      tensorScale ? b.getF32FloatAttr(*tensorScale) : FloatAttr();
  return BlockDequantizeOp::create(b, loc, type, elements, scaleBytes,
                                   BlockFormatAttr::get(b.getContext(), format),
                                   b.getI32IntegerAttr(axis), scaleAttr);
}

double getAbsMax(DenseFPElementsAttr values) {
  double absMax = 0.0;
  for (APFloat value : values.getValues<APFloat>())
    absMax = std::max(absMax, std::abs(value.convertToDouble()));
  return absMax;
}

} // namespace

Value mlir::quill::fakeQuantizeInt4Blocks(OpBuilder &b, Location loc,
                                          Value activation, int64_t axis,
                                          int64_t blockSize) {
  auto type = cast<RankedTensorType>(activation.getType());
  // [..., K, ...] as [..., K / blockSize, blockSize, ...].
  SmallVector<int64_t> blockedShape(type.getShape());
  blockedShape[axis] /= blockSize;
  blockedShape.insert(blockedShape.begin() + axis + 1, blockSize);
  auto blockedType = type.clone(blockedShape);
  SmallVector<int64_t> scaleShape(blockedShape);
  scaleShape[axis + 1] = 1;
  auto scaleType = type.clone(scaleShape);
  auto scalar = [&](float value) {
    return arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(RankedTensorType::get({}, b.getF32Type()),
                               value));
  };
  Value blocked = ReshapeOp::create(b, loc, blockedType, activation);
  Value magnitudes = math::AbsFOp::create(b, loc, blocked);
  Value absMax =
      ReduceMaxOp::create(b, loc, scaleType, magnitudes,
                          b.getDenseI64ArrayAttr({axis + 1}), b.getUnitAttr());
  Value scale = MaxOp::create(
      b, loc, scaleType, DivOp::create(b, loc, scaleType, absMax, scalar(7.0f)),
      scalar(std::numeric_limits<float>::min()));
  Value codes = math::RoundEvenOp::create(
      b, loc, DivOp::create(b, loc, blockedType, blocked, scale));
  Value clamped =
      ClipOp::create(b, loc, blockedType, codes, scalar(-7.0f), scalar(7.0f));
  Value decoded = MulOp::create(b, loc, blockedType, clamped, scale);
  auto result = ReshapeOp::create(b, loc, type, decoded);
  result->setAttr("quill.int4_blocks", b.getI64IntegerAttr(blockSize));
  return result;
}

void mlir::quill::quantizeToBlockFormat(OpBuilder &b, const QuantizableOp &op,
                                        BlockFormat format, bool activations,
                                        std::optional<double> activationAbsMax,
                                        BlockScaleRounding rounding) {
  ReductionAxes axes = getReductionAxes(op);
  auto weightType = cast<RankedTensorType>(op.weight->get().getType());
  int64_t size = weightType.getDimSize(axes.weight);
  int64_t blockSize = getBlockFormatInfo(b.getContext(), format).blockSize;
  if (size % blockSize != 0) {
    op.op->emitWarning("stays float: ")
        << stringifyBlockFormat(format) << " blocks of " << blockSize
        << " do not divide its reduction size " << size;
    return;
  }
  bool isNVFP4 = format == BlockFormat::NVFP4;
  Location loc = op.op->getLoc();
  b.setInsertionPoint(op.op);
  DenseFPElementsAttr weights;
  matchPattern(op.weight->get(), m_Constant(&weights));
  std::optional<float> weightScale;
  if (isNVFP4)
    weightScale = getNVFP4TensorScale(getAbsMax(weights));
  op.weight->set(
      blockQuantizeWeight(b, loc, weights, format, axes.weight, weightScale));
  if (!activations)
    return;
  std::optional<float> activationScale;
  if (isNVFP4) {
    activationScale = getNVFP4TensorScale(activationAbsMax.value_or(0.0));
    rounding = BlockScaleRounding::Floor;
  }
  op.activation->set(blockQuantizeActivation(b, loc, op.activation->get(),
                                             format, axes.activation,
                                             activationScale, rounding));
}
