//===- IntegerContraction.cpp - Products on stored 8-bit values -----------===//
//
// The weight rearrangements (Gemm's transposed B, a ConvTranspose's flipped
// kernels), the bias in int32, and the bound on the accumulator that decides
// between int32 and int64.
//
//===----------------------------------------------------------------------===//

#include "IntegerContraction.h"

#include "IntegerForms.h"

#include "quill/Dialect/Quill/IR/QuantArithmetic.h"

#include "mlir/IR/Matchers.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::quill;

namespace {

/// Per-column scales of `b` (one entry when per tensor).
SmallVector<double> getScales(quant::QuantizedType type) {
  if (auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(type))
    return SmallVector<double>(perAxis.getScales());
  return {cast<quant::UniformQuantizedType>(type).getScale()};
}

/// `type` with its per-axis parameters along `axis` instead (the same scales
/// and zero points, for a weight whose axes were rearranged); a per-tensor
/// type as it is.
Type moveQuantizedAxis(Type type, int32_t axis) {
  auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(type);
  if (!perAxis)
    return type;
  return quant::UniformQuantizedPerAxisType::get(
      perAxis.getFlags(), perAxis.getStorageType(), perAxis.getExpressedType(),
      perAxis.getScales(), perAxis.getZeroPoints(), axis,
      perAxis.getStorageTypeMin(), perAxis.getStorageTypeMax());
}

/// `b` [N, K] transposed to [K, N] when it is a constant behind a storage
/// cast (the usual Gemm weight); per-axis parameters move to axis 1.
Value transposeConstantWeight(PatternRewriter &rewriter, Location loc,
                              Value b) {
  auto cast = b.getDefiningOp<StorageCastOp>();
  DenseIntElementsAttr stored;
  if (!cast || !matchPattern(cast.getInput(), m_Constant(&stored)))
    return {};
  auto type = cast.getType();
  if (type.getRank() != 2 || !type.hasStaticShape())
    return {};
  int64_t rows = type.getDimSize(0), cols = type.getDimSize(1);
  SmallVector<APInt> values(stored.getValues<APInt>());
  SmallVector<APInt> transposed;
  transposed.reserve(values.size());
  for (int64_t k = 0; k < cols; ++k)
    for (int64_t n = 0; n < rows; ++n)
      transposed.push_back(values[n * cols + k]);
  Type element = type.getElementType();
  if (auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(element))
    if (perAxis.getQuantizedDimension() != 0)
      return {};
  element = moveQuantizedAxis(element, 1);
  auto storage =
      RankedTensorType::get({cols, rows}, stored.getType().getElementType());
  Value constant = arith::ConstantOp::create(
      rewriter, loc, DenseElementsAttr::get(storage, transposed));
  return StorageCastOp::create(
      rewriter, loc, RankedTensorType::get({cols, rows}, element), constant);
}

/// The constant weight `w` [C, M/G, K...] of a transposed convolution with
/// `group` groups as the weight of the equivalent convolution, [M, C/G,
/// K...] with each kernel flipped: w'[g*M/G + m, c, k] = w[g*C/G + c, m,
/// K-1-k]. Per-axis parameters (along M, one group) move to axis 0.
Value flipTransposedConvWeight(PatternRewriter &rewriter, Location loc, Value w,
                               int64_t group) {
  auto cast = w.getDefiningOp<StorageCastOp>();
  DenseIntElementsAttr stored;
  if (!cast || !matchPattern(cast.getInput(), m_Constant(&stored)))
    return {};
  RankedTensorType type = cast.getType();
  ArrayRef<int64_t> shape = type.getShape();
  int64_t channels = shape[0], groupFilters = shape[1];
  int64_t groupChannels = channels / group, window = 1;
  for (int64_t size : shape.drop_front(2))
    window *= size;
  SmallVector<APInt> values(stored.getValues<APInt>());
  SmallVector<APInt> flipped(values.size(), values.front());
  SmallVector<int64_t> flippedShape = {groupFilters * group, groupChannels};
  flippedShape.append(shape.begin() + 2, shape.end());
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t m = 0; m < groupFilters; ++m)
      for (int64_t k = 0; k < window; ++k) {
        int64_t g = c / groupChannels;
        // Reversing the row-major window index flips every spatial axis.
        int64_t to =
            ((g * groupFilters + m) * groupChannels + c % groupChannels) *
                window +
            (window - 1 - k);
        flipped[to] = values[(c * groupFilters + m) * window + k];
      }
  Type element = moveQuantizedAxis(type.getElementType(), 0);
  auto storage =
      RankedTensorType::get(flippedShape, stored.getType().getElementType());
  Value constant = arith::ConstantOp::create(
      rewriter, loc, DenseElementsAttr::get(storage, flipped));
  return StorageCastOp::create(
      rewriter, loc, RankedTensorType::get(flippedShape, element), constant);
}

/// The bias as int32 values at scale `sa * sb[n]`: the stored values of a
/// dequantized int32 constant at that scale, or a float constant quantized
/// to it (round half to even, saturating). `columns` is N.
FailureOr<DenseElementsAttr> getIntegerBias(Value bias, double lhsScale,
                                            ArrayRef<double> rhsScales,
                                            int64_t columns) {
  auto type = cast<RankedTensorType>(bias.getType());
  int64_t count = type.getNumElements();
  if (!type.hasStaticShape() || (count != 1 && count != columns) ||
      (count == columns && type.getDimSize(type.getRank() - 1) != columns))
    return failure();
  auto scaleOf = [&](int64_t index) {
    return lhsScale * rhsScales[rhsScales.size() == 1 ? 0 : index];
  };
  auto i32 = IntegerType::get(bias.getContext(), 32);
  auto resultType = RankedTensorType::get({count}, i32);
  SmallVector<int32_t> values;
  if (auto dequantize = bias.getDefiningOp<DequantizeOp>()) {
    auto storageCast = dequantize.getInput().getDefiningOp<StorageCastOp>();
    DenseIntElementsAttr stored;
    if (!storageCast ||
        !matchPattern(storageCast.getInput(), m_Constant(&stored)) ||
        stored.getElementType().getIntOrFloatBitWidth() != 32)
      return failure();
    auto element = cast<quant::QuantizedType>(
        dequantize.getInput().getType().getElementType());
    SmallVector<double> scales = getScales(element);
    for (auto [index, value] : llvm::enumerate(stored.getValues<APInt>())) {
      double scale = scales[scales.size() == 1 ? 0 : index];
      double expected = scaleOf(count == 1 ? 0 : index);
      // The exporter computed sa * sb in float32.
      if (std::abs(scale - expected) > 1e-6 * expected)
        return failure();
      values.push_back(int32_t(value.getSExtValue()));
    }
    if (auto perTensor = dyn_cast<quant::UniformQuantizedType>(element))
      if (perTensor.getZeroPoint() != 0)
        return failure();
    if (auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(element))
      if (llvm::any_of(perAxis.getZeroPoints(),
                       [](int64_t zeroPoint) { return zeroPoint != 0; }))
        return failure();
    if (count == 1 && rhsScales.size() > 1)
      return failure();
    return DenseElementsAttr::get(resultType, ArrayRef(values));
  }
  DenseFPElementsAttr floats;
  if (!matchPattern(bias, m_Constant(&floats)))
    return failure();
  if (count == 1 && rhsScales.size() > 1)
    return failure();
  StorageRange range = getStorageRange(32, /*isUnsigned=*/false);
  for (auto [index, value] : llvm::enumerate(floats.getValues<APFloat>()))
    values.push_back(int32_t(quantizeElement(value.convertToDouble(),
                                             {scaleOf(index), 0}, range,
                                             /*wide=*/true)));
  return DenseElementsAttr::get(resultType, ArrayRef(values));
}

/// The largest |a - za| a value of 8-bit `type` can give.
int64_t getMaxCentered(quant::QuantizedType type, int64_t zeroPoint) {
  return std::max(std::abs(type.getStorageTypeMin() - zeroPoint),
                  std::abs(type.getStorageTypeMax() - zeroPoint));
}

/// How far `contraction`'s accumulator can reach and what that follows from.
struct AccumulatorBound {
  int64_t bound;  // max |accumulator|, bias included
  int64_t depth;  // terms per output value (K)
  int64_t maxLhs; // max |a - za|
  int64_t maxRhs; // max |b - zb| over the weights
};

/// max over output channels n of max|a - za| * sum_k |b[k, n] - zb[n]| +
/// |bias[n]|: the weights' own values when they are constant, K times their
/// type's largest |b - zb| otherwise. `weight` is the product op's:
/// [..., K, N] for a matrix product, [F, C/G, K...] for a convolution. Exact
/// arithmetic in int64 (8-bit operands reach 2^31 only past K = 33025;
/// int64 past K = 2^47).
AccumulatorBound getAccumulatorBound(const IntegerContraction &contraction,
                                     Value weight) {
  auto rhsType = cast<RankedTensorType>(weight.getType());
  auto rhsElement = cast<quant::QuantizedType>(rhsType.getElementType());
  bool isConvolution = isa<ConvOp, ConvTransposeOp>(contraction.producer);
  int64_t channelAxis = isConvolution ? 0 : rhsType.getRank() - 1;
  int64_t channels = rhsType.getDimSize(channelAxis);
  SmallVector<int64_t> zeroPoints(channels);
  if (auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(rhsElement))
    llvm::copy(perAxis.getZeroPoints(), zeroPoints.begin());
  else
    llvm::fill(zeroPoints,
               cast<quant::UniformQuantizedType>(rhsElement).getZeroPoint());
  AccumulatorBound result;
  result.maxLhs = getMaxCentered(contraction.lhsElement,
                                 contraction.lhsElement.getZeroPoint());
  int64_t depth = isConvolution ? rhsType.getNumElements() / channels
                                : rhsType.getDimSize(rhsType.getRank() - 2);
  result.depth = depth;
  result.maxRhs = 0;
  SmallVector<int64_t> weightSums(channels, 0);
  auto storageCast = weight.getDefiningOp<StorageCastOp>();
  DenseIntElementsAttr stored;
  if (storageCast &&
      matchPattern(storageCast.getInput(), m_Constant(&stored))) {
    int64_t inner = 1;
    for (int64_t axis = channelAxis + 1; axis < rhsType.getRank(); ++axis)
      inner *= rhsType.getDimSize(axis);
    bool isUnsigned = !rhsElement.isSigned();
    for (auto [index, value] : llvm::enumerate(stored.getValues<APInt>())) {
      int64_t channel = (int64_t(index) / inner) % channels;
      int64_t centered = std::abs(
          (isUnsigned ? int64_t(value.getZExtValue()) : value.getSExtValue()) -
          zeroPoints[channel]);
      weightSums[channel] += centered;
      result.maxRhs = std::max(result.maxRhs, centered);
    }
  } else {
    for (int64_t channel = 0; channel < channels; ++channel) {
      int64_t maxRhs = getMaxCentered(rhsElement, zeroPoints[channel]);
      weightSums[channel] = depth * maxRhs;
      result.maxRhs = std::max(result.maxRhs, maxRhs);
    }
  }
  SmallVector<int64_t> biases(channels, 0);
  if (contraction.bias) {
    SmallVector<APInt> values(contraction.bias->getValues<APInt>());
    for (int64_t channel = 0; channel < channels; ++channel)
      biases[channel] =
          std::abs(values[values.size() == 1 ? 0 : channel].getSExtValue());
  }
  result.bound = 0;
  for (int64_t channel = 0; channel < channels; ++channel)
    result.bound = std::max(result.bound, result.maxLhs * weightSums[channel] +
                                              biases[channel]);
  return result;
}

} // namespace

namespace mlir::quill {

/// The axis of a product's result that its output channels run along: a
/// convolution's filters, a matrix product's columns.
int64_t getChannelAxis(Operation *producer) {
  if (isa<ConvOp, ConvTransposeOp>(producer))
    return 1;
  return cast<RankedTensorType>(producer->getResult(0).getType()).getRank() - 1;
}

/// Matches `producer` (creating nothing) when its product has an exact
/// integer form.
FailureOr<IntegerContraction> matchIntegerContraction(Operation *producer) {
  Value lhs, rhs, bias;
  bool transposeRhs = false, rearrange = false;
  // The axis of the weight that its per-channel scales must run along.
  std::optional<int64_t> weightChannelAxis;
  if (auto matmul = dyn_cast<MatMulOp>(producer)) {
    lhs = matmul.getLhs();
    rhs = matmul.getRhs();
  } else if (auto add = dyn_cast<AddOp>(producer)) {
    // A MatMul plus a constant bias, the form exporters write for Linear.
    for (auto [product, other] : {std::pair(add.getLhs(), add.getRhs()),
                                  std::pair(add.getRhs(), add.getLhs())}) {
      auto matmul = product.getDefiningOp<MatMulOp>();
      if (!matmul || !matmul->hasOneUse() ||
          !matchPattern(other, m_Constant()) ||
          matmul.getType() != add.getType())
        continue;
      lhs = matmul.getLhs();
      rhs = matmul.getRhs();
      bias = other;
      break;
    }
    if (!bias)
      return failure();
  } else if (auto gemm = dyn_cast<GemmOp>(producer)) {
    if (gemm.getTransA() || gemm.getAlpha().convertToDouble() != 1.0 ||
        gemm.getBeta().convertToDouble() != 1.0)
      return failure();
    lhs = gemm.getA();
    rhs = gemm.getB();
    bias = gemm.getC();
    transposeRhs = rearrange = gemm.getTransB();
  } else if (auto conv = dyn_cast<ConvOp>(producer)) {
    lhs = conv.getInput();
    rhs = conv.getWeight();
    bias = conv.getBias();
    weightChannelAxis = 0;
  } else if (auto convTranspose = dyn_cast<ConvTransposeOp>(producer)) {
    // The flipped-kernel convolution over the dilated input pads each side
    // by dilation * (K - 1) - pad, which must not be negative.
    auto weightType = convTranspose.getWeight().getType();
    int64_t spatial = weightType.getRank() - 2;
    ArrayRef<int64_t> pads = convTranspose.getPads();
    for (int64_t axis = 0; axis < spatial; ++axis) {
      int64_t reach = convTranspose.getDilations()[axis] *
                      (weightType.getDimSize(axis + 2) - 1);
      if (pads[axis] > reach || pads[spatial + axis] > reach)
        return failure();
    }
    lhs = convTranspose.getInput();
    rhs = convTranspose.getWeight();
    bias = convTranspose.getBias();
    // Scales per output channel (ONNX Runtime's axis 1), one group; per
    // tensor, any group.
    weightChannelAxis = 1;
    rearrange = true;
  } else {
    return failure();
  }
  Value lhsQuantized = getDequantizedInput(lhs, /*allowPerAxis=*/false);
  Value rhsQuantized = getDequantizedInput(rhs, /*allowPerAxis=*/true);
  if (!lhsQuantized || !rhsQuantized)
    return failure();
  auto rhsType = cast<RankedTensorType>(rhsQuantized.getType());
  bool isTransposedConv = isa<ConvTransposeOp>(producer);
  if (rhsType.getRank() < 2 || (transposeRhs && rhsType.getRank() != 2))
    return failure();
  auto rhsElement = cast<quant::QuantizedType>(rhsType.getElementType());
  // Matrix products: scales along the columns, the last axis of b, or the
  // first of a b that Gemm transposes.
  if (!weightChannelAxis)
    weightChannelAxis = transposeRhs ? 0 : rhsType.getRank() - 1;
  if (auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(rhsElement))
    if (perAxis.getQuantizedDimension() != *weightChannelAxis ||
        (isTransposedConv && cast<ConvTransposeOp>(producer).getGroup() != 1))
      return failure();
  int64_t outputChannels = rhsType.getDimSize(*weightChannelAxis);
  if (isTransposedConv)
    outputChannels *= cast<ConvTransposeOp>(producer).getGroup();
  if (rearrange) {
    auto storageCast = rhsQuantized.getDefiningOp<StorageCastOp>();
    if (!storageCast || !matchPattern(storageCast.getInput(), m_Constant()))
      return failure();
  }
  IntegerContraction contraction{
      producer,
      lhsQuantized,
      rhsQuantized,
      rearrange,
      cast<quant::UniformQuantizedType>(
          cast<RankedTensorType>(lhsQuantized.getType()).getElementType()),
      getScales(rhsElement),
      std::nullopt};
  if (bias) {
    FailureOr<DenseElementsAttr> integerBias =
        getIntegerBias(bias, contraction.lhsElement.getScale(),
                       contraction.rhsScales, outputChannels);
    if (failed(integerBias))
      return failure();
    contraction.bias = *integerBias;
  }
  return contraction;
}

/// The type of a per-channel operand of `producer`'s result (`count` values,
/// one or one per channel), broadcast along the axes after the channel axis.
RankedTensorType getChannelOperandType(Operation *producer,
                                       RankedTensorType resultType,
                                       int64_t count, Type element) {
  int64_t trailing = resultType.getRank() - 1 - getChannelAxis(producer);
  SmallVector<int64_t> shape = {count};
  shape.append(trailing, 1);
  return RankedTensorType::get(shape, element);
}
/// The accumulator of `contraction`, bias included, in `resultType`'s shape:
/// int32 when the bound proves that int32 holds every value it can take,
/// int64 otherwise (with a remark saying why).
Value buildAccumulator(PatternRewriter &rewriter, Location loc,
                       const IntegerContraction &contraction,
                       RankedTensorType resultType) {
  Value weight = contraction.rhs;
  if (contraction.rearrangeRhs) {
    if (auto convTranspose = dyn_cast<ConvTransposeOp>(contraction.producer))
      weight = flipTransposedConvWeight(rewriter, loc, weight,
                                        convTranspose.getGroup());
    else
      weight = transposeConstantWeight(rewriter, loc, weight);
  }
  AccumulatorBound bound = getAccumulatorBound(contraction, weight);
  bool widen = bound.bound > std::numeric_limits<int32_t>::max();
  if (widen)
    emitRemark(loc) << "accumulator widened to int64: " << bound.depth
                    << " products of |a - za| <= " << bound.maxLhs
                    << " and |b - zb| <= " << bound.maxRhs
                    << " (bias included) can reach " << bound.bound
                    << ", beyond int32";
  auto accumulatorType =
      resultType.clone(widen ? rewriter.getI64Type() : rewriter.getI32Type());
  Value accumulator;
  if (auto conv = dyn_cast<ConvOp>(contraction.producer)) {
    accumulator = QuantizedConvOp::create(
        rewriter, loc, accumulatorType, contraction.lhs, weight,
        conv.getStridesAttr(), conv.getPadsAttr(), conv.getDilationsAttr(),
        conv.getGroupAttr(), /*input_dilations=*/DenseI64ArrayAttr());
  } else if (auto convTranspose =
                 dyn_cast<ConvTransposeOp>(contraction.producer)) {
    // The convolution with flipped kernels over the input dilated by the
    // strides, padded by dilation * (K - 1) - pad (+ output padding at the
    // end).
    ArrayRef<int64_t> pads = convTranspose.getPads();
    ArrayRef<int64_t> dilations = convTranspose.getDilations();
    int64_t spatial = dilations.size();
    SmallVector<int64_t> convPads(2 * spatial);
    for (int64_t axis = 0; axis < spatial; ++axis) {
      int64_t reach =
          dilations[axis] *
          (cast<RankedTensorType>(weight.getType()).getDimSize(axis + 2) - 1);
      convPads[axis] = reach - pads[axis];
      convPads[spatial + axis] =
          reach - pads[spatial + axis] + convTranspose.getOutputPadding()[axis];
    }
    accumulator = QuantizedConvOp::create(
        rewriter, loc, accumulatorType, contraction.lhs, weight,
        rewriter.getDenseI64ArrayAttr(SmallVector<int64_t>(spatial, 1)),
        rewriter.getDenseI64ArrayAttr(convPads),
        convTranspose.getDilationsAttr(), convTranspose.getGroupAttr(),
        convTranspose.getStridesAttr());
  } else {
    accumulator = QuantizedMatMulOp::create(rewriter, loc, accumulatorType,
                                            contraction.lhs, weight);
  }
  if (!contraction.bias)
    return accumulator;
  DenseElementsAttr bias = *contraction.bias;
  if (widen)
    bias = cast<DenseIntElementsAttr>(bias).mapValues(
        rewriter.getI64Type(),
        [](const APInt &value) { return value.sext(64); });
  Value biasValue = arith::ConstantOp::create(
      rewriter, loc,
      bias.reshape(getChannelOperandType(contraction.producer, resultType,
                                         bias.getNumElements(),
                                         bias.getElementType())));
  return AddOp::create(rewriter, loc, accumulatorType, accumulator, biasValue);
}

} // namespace mlir::quill
