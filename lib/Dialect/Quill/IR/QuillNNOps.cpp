//===- QuillNNOps.cpp - Verifiers of conv, pooling, normalization ---------===//

#include "quill/Dialect/Quill/IR/Hadamard.h"
#include "quill/Dialect/Quill/IR/Quill.h"

#include "ShapeChecks.h"

#include "llvm/Support/InterleavedRange.h"

using namespace mlir;
using namespace mlir::quill;

/// Checks the window attributes of an op over `[N, C, D1..Dn]`: one stride
/// and dilation (positive) per spatial axis, a begin and an end padding
/// (non-negative) per spatial axis.
static LogicalResult verifyWindow(Operation *op, int64_t spatialRank,
                                  ArrayRef<int64_t> strides,
                                  ArrayRef<int64_t> pads,
                                  ArrayRef<int64_t> dilations) {
  if (static_cast<int64_t>(strides.size()) != spatialRank ||
      static_cast<int64_t>(dilations.size()) != spatialRank ||
      static_cast<int64_t>(pads.size()) != 2 * spatialRank)
    return op->emitOpError("expected ")
           << spatialRank << " strides and dilations and " << 2 * spatialRank
           << " pads, got " << strides.size() << ", " << dilations.size()
           << " and " << pads.size();
  if (llvm::any_of(strides, [](int64_t s) { return s < 1; }) ||
      llvm::any_of(dilations, [](int64_t d) { return d < 1; }))
    return op->emitOpError("expected positive strides and dilations");
  if (llvm::any_of(pads, [](int64_t p) { return p < 0; }))
    return op->emitOpError("expected non-negative pads");
  return success();
}

/// Output size of a window sweep, rounded down (or up for ceil_mode, where a
/// window starting past the padded input's end is dropped, as PyTorch does).
static int64_t windowOutputSize(int64_t size, int64_t kernel, int64_t stride,
                                int64_t padBegin, int64_t padEnd,
                                int64_t dilation, bool ceilMode) {
  if (ShapedType::isDynamic(size))
    return ShapedType::kDynamic;
  int64_t span = size + padBegin + padEnd - dilation * (kernel - 1) - 1;
  if (span < 0)
    return 0;
  int64_t out = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1;
  if (ceilMode && (out - 1) * stride >= size + padBegin)
    --out;
  return out;
}

/// Checks a conv or conv_transpose's operands; `outputChannels` is what the
/// weight implies and `channelsOfWeight` the weight dimension that must match
/// the input channels (divided by group for conv).
static LogicalResult verifyConvOperands(Operation *op, RankedTensorType input,
                                        RankedTensorType weight, Value bias,
                                        int64_t group, int64_t &outputChannels,
                                        bool transposed) {
  if (input.getRank() < 3 || weight.getRank() != input.getRank())
    return op->emitOpError("expected input and weight of the same rank, at "
                           "least 3, got ")
           << input.getRank() << " and " << weight.getRank();
  if (group < 1)
    return op->emitOpError("expected a positive group, got ") << group;
  int64_t channels = input.getDimSize(1);
  if (!ShapedType::isDynamic(channels) && channels % group != 0)
    return op->emitOpError("expected input channels ")
           << channels << " to be a multiple of group " << group;
  int64_t weightChannels =
      transposed ? weight.getDimSize(0) : weight.getDimSize(1) * group;
  if (!compatible(channels, weightChannels))
    return op->emitOpError("expected the weight to take ")
           << channels << " input channels, it takes " << weightChannels;
  outputChannels =
      transposed ? weight.getDimSize(1) * group : weight.getDimSize(0);
  if (!transposed && !ShapedType::isDynamic(outputChannels) &&
      outputChannels % group != 0)
    return op->emitOpError("expected output channels ")
           << outputChannels << " to be a multiple of group " << group;
  if (bias) {
    auto biasType = cast<RankedTensorType>(bias.getType());
    if (biasType.getRank() != 1 ||
        !compatible(biasType.getDimSize(0), outputChannels))
      return op->emitOpError("expected a bias of shape [")
             << outputChannels << "]";
  }
  return success();
}

LogicalResult mlir::quill::verifyConvShapes(
    Operation *op, RankedTensorType input, RankedTensorType weight, Value bias,
    int64_t group, ArrayRef<int64_t> strides, ArrayRef<int64_t> pads,
    ArrayRef<int64_t> dilations, RankedTensorType result) {
  int64_t outputChannels;
  if (failed(verifyConvOperands(op, input, weight, bias, group, outputChannels,
                                /*transposed=*/false)))
    return failure();
  int64_t spatialRank = input.getRank() - 2;
  if (failed(verifyWindow(op, spatialRank, strides, pads, dilations)))
    return failure();
  SmallVector<int64_t> expected = {input.getDimSize(0), outputChannels};
  for (int64_t i = 0; i < spatialRank; ++i)
    expected.push_back(windowOutputSize(
        input.getDimSize(i + 2), weight.getDimSize(i + 2), strides[i], pads[i],
        pads[i + spatialRank], dilations[i], /*ceilMode=*/false));
  return verifyResultShape(op, expected, result.getShape());
}

LogicalResult ConvOp::verify() {
  return verifyConvShapes(*this, getInput().getType(), getWeight().getType(),
                          getBias(), getGroup(), getStrides(), getPads(),
                          getDilations(), getResult().getType());
}

LogicalResult ConvTransposeOp::verify() {
  RankedTensorType input = getInput().getType(), weight = getWeight().getType();
  int64_t outputChannels;
  if (failed(verifyConvOperands(*this, input, weight, getBias(), getGroup(),
                                outputChannels, /*transposed=*/true)))
    return failure();
  int64_t spatialRank = input.getRank() - 2;
  if (failed(verifyWindow(*this, spatialRank, getStrides(), getPads(),
                          getDilations())))
    return failure();
  ArrayRef<int64_t> outputPadding = getOutputPadding();
  if (static_cast<int64_t>(outputPadding.size()) != spatialRank)
    return emitOpError("expected ")
           << spatialRank << " output paddings, got " << outputPadding.size();
  SmallVector<int64_t> expected = {input.getDimSize(0), outputChannels};
  for (int64_t i = 0; i < spatialRank; ++i) {
    int64_t size = input.getDimSize(i + 2);
    expected.push_back(ShapedType::isDynamic(size)
                           ? ShapedType::kDynamic
                           : getStrides()[i] * (size - 1) + outputPadding[i] +
                                 getDilations()[i] *
                                     (weight.getDimSize(i + 2) - 1) +
                                 1 - getPads()[i] - getPads()[i + spatialRank]);
  }
  return verifyResultShape(*this, expected, getResult().getType().getShape());
}

/// Shared by max_pool and average_pool.
template <typename PoolOp> static LogicalResult verifyPool(PoolOp op) {
  RankedTensorType input = op.getInput().getType();
  if (input.getRank() < 3)
    return op.emitOpError("expected an input of rank 3 or more, got ")
           << input.getRank();
  int64_t spatialRank = input.getRank() - 2;
  ArrayRef<int64_t> kernel = op.getKernelShape();
  if (static_cast<int64_t>(kernel.size()) != spatialRank ||
      llvm::any_of(kernel, [](int64_t k) { return k < 1; }))
    return op.emitOpError("expected ")
           << spatialRank << " positive kernel sizes, got ["
           << llvm::interleaved(kernel) << "]";
  if (failed(verifyWindow(op, spatialRank, op.getStrides(), op.getPads(),
                          op.getDilations())))
    return failure();
  SmallVector<int64_t> expected = {input.getDimSize(0), input.getDimSize(1)};
  for (int64_t i = 0; i < spatialRank; ++i)
    expected.push_back(windowOutputSize(
        input.getDimSize(i + 2), kernel[i], op.getStrides()[i], op.getPads()[i],
        op.getPads()[i + spatialRank], op.getDilations()[i], op.getCeilMode()));
  return verifyResultShape(op, expected, op.getResult().getType().getShape());
}

LogicalResult MaxPoolOp::verify() { return verifyPool(*this); }
LogicalResult AveragePoolOp::verify() { return verifyPool(*this); }

template <typename GlobalPoolOp>
static LogicalResult verifyGlobalPool(GlobalPoolOp op) {
  RankedTensorType input = op.getInput().getType();
  if (input.getRank() < 3)
    return op.emitOpError("expected an input of rank 3 or more, got ")
           << input.getRank();
  SmallVector<int64_t> expected(input.getShape());
  std::fill(expected.begin() + 2, expected.end(), 1);
  return verifyResultShape(op, expected, op.getResult().getType().getShape());
}

LogicalResult GlobalAveragePoolOp::verify() { return verifyGlobalPool(*this); }
LogicalResult GlobalMaxPoolOp::verify() { return verifyGlobalPool(*this); }

/// Per-channel parameters have one value per index of axis 1.
static LogicalResult verifyChannelParams(Operation *op, RankedTensorType input,
                                         ValueRange params) {
  if (input.getRank() < 2)
    return op->emitOpError("expected an input of rank 2 or more");
  if (op->getResult(0).getType() != input)
    return op->emitOpError("expected the result type to be the input's");
  for (Value param : params) {
    auto type = cast<RankedTensorType>(param.getType());
    if (!compatible(type.getDimSize(0), input.getDimSize(1)))
      return op->emitOpError("expected per-channel parameters of shape [")
             << input.getDimSize(1) << "], got [" << type.getDimSize(0) << "]";
  }
  return success();
}

LogicalResult BatchNormOp::verify() {
  return verifyChannelParams(*this, getInput().getType(),
                             {getScale(), getBias(), getMean(), getVariance()});
}

LogicalResult InstanceNormOp::verify() {
  return verifyChannelParams(*this, getInput().getType(),
                             {getScale(), getBias()});
}

LogicalResult LayerNormOp::verify() {
  RankedTensorType input = getInput().getType();
  int64_t axis = getAxis();
  if (failed(verifyAxis(*this, axis, input.getRank())))
    return failure();
  if (getResult().getType() != input)
    return emitOpError("expected the result type to be the input's");
  ArrayRef<int64_t> normalized = input.getShape().drop_front(axis);
  for (Value param : {getScale(), getBias()}) {
    if (!param)
      continue;
    SmallVector<int64_t> broadcast;
    ArrayRef<int64_t> shape =
        cast<RankedTensorType>(param.getType()).getShape();
    if (!OpTrait::util::getBroadcastedShape(shape, normalized, broadcast) ||
        !compatibleShapes(broadcast, normalized))
      return emitOpError("expected scale and bias to broadcast to [")
             << llvm::interleaved(normalized) << "], got ["
             << llvm::interleaved(shape) << "]";
  }
  return success();
}

LogicalResult HadamardOp::verify() {
  RankedTensorType type = getInput().getType();
  if (type.getRank() == 0 || type.isDynamicDim(type.getRank() - 1))
    return emitOpError("expected a static last axis to rotate");
  int64_t size = type.getShape().back(), blockSize = getBlockSize();
  if (blockSize <= 0 || size % blockSize != 0)
    return emitOpError("expected a block size that divides the last axis (")
           << size << "), got " << blockSize;
  if (!factorHadamardSize(blockSize))
    return emitOpError("expected a block size K * 2^p with K in {1, ")
           << llvm::interleaved(getHadamardTableOrders()) << "}, got "
           << blockSize;
  return success();
}

LogicalResult ResizeOp::verify() {
  RankedTensorType input = getInput().getType();
  ArrayRef<float> scales = getScales();
  int64_t rank = input.getRank();
  if (static_cast<int64_t>(scales.size()) != rank ||
      llvm::any_of(scales, [](float s) { return !(s > 0.0f); }))
    return emitOpError("expected ") << rank << " positive scales, got ["
                                    << llvm::interleaved(scales) << "]";
  std::optional<ArrayRef<float>> roi = getRoi();
  bool crops = getCoordinateTransform() == CoordinateTransform::TfCropAndResize;
  if (crops != roi.has_value())
    return emitOpError(crops ? "expected a roi for tf_crop_and_resize"
                             : "expected a roi only for tf_crop_and_resize");
  if (roi && static_cast<int64_t>(roi->size()) != 2 * rank)
    return emitOpError("expected ") << 2 * rank << " roi values";
  // With a roi, sizes follow the cropped extent; without, floor(D * scale).
  if (crops)
    return success();
  SmallVector<int64_t> expected;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t size = input.getDimSize(d);
    expected.push_back(ShapedType::isDynamic(size)
                           ? ShapedType::kDynamic
                           : static_cast<int64_t>(std::floor(
                                 static_cast<double>(size) * scales[d])));
  }
  return verifyResultShape(*this, expected, getResult().getType().getShape());
}
