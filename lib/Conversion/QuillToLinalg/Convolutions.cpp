//===- Convolutions.cpp - Lowering of convolutions ------------------------===//
//
// Convolutions with two spatial axes and one group become an im2col
// linalg.generic feeding a matmul (the product then runs in the packed GEMM);
// every other convolution is one linalg.generic over the grouped iteration
// space. Quantized convolutions take the same two routes on integers, the
// im2col one with pixels as rows (gathered channels last) so that the
// constant weights are the GEMM's B. Transposed convolutions become
// convolutions over the zero-interleaved input with the flipped kernel.
//
//===----------------------------------------------------------------------===//

#include "Products.h"

#include "LoweringUtils.h"

#include "quill/Dialect/Quill/IR/Quill.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::quill;
using namespace mlir::quill::lowering;

namespace {

/// A convolution with explicit attributes, shared by Conv and ConvTranspose.
struct ConvolutionSpec {
  SmallVector<int64_t> strides, pads, dilations;
  int64_t group;
};

/// `input` [N, C, D...] with `dilations[i] - 1` copies of `fill` between
/// neighbouring elements along spatial axis i.
Value dilateSpatial(OpBuilder &b, Location loc, Value input,
                    ArrayRef<int64_t> dilations, Value fill) {
  if (llvm::all_of(dilations, [](int64_t d) { return d == 1; }))
    return input;
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rank = type.getRank();
  SmallVector<int64_t> shape(type.getShape()), strides(rank, 1);
  for (auto [axis, dilation] : llvm::enumerate(dilations)) {
    shape[axis + 2] = (shape[axis + 2] - 1) * dilation + 1;
    strides[axis + 2] = dilation;
  }
  return tensor::InsertSliceOp::create(
      b, loc, input, createFilled(b, loc, shape, fill), ValueRange{},
      ValueRange{}, ValueRange{}, SmallVector<int64_t>(rank, 0),
      type.getShape(), strides);
}

/// Pads the spatial axes of `input` [N, C, D...] with `padValue` (negative
/// pads crop).
Value padSpatial(OpBuilder &b, Location loc, Value input,
                 ArrayRef<int64_t> pads, Value padValue) {
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rank = type.getRank();
  int64_t spatial = rank - 2;
  SmallVector<int64_t> low(rank, 0), high(rank, 0), offsets(rank, 0);
  SmallVector<int64_t> cropped(type.getShape());
  bool crop = false, pad = false;
  for (int64_t axis = 0; axis < spatial; ++axis) {
    int64_t begin = pads[axis], end = pads[spatial + axis];
    if (begin < 0 || end < 0)
      crop = true;
    if (begin > 0 || end > 0)
      pad = true;
    offsets[axis + 2] = std::max<int64_t>(0, -begin);
    cropped[axis + 2] -=
        std::max<int64_t>(0, -begin) + std::max<int64_t>(0, -end);
    low[axis + 2] = std::max<int64_t>(0, begin);
    high[axis + 2] = std::max<int64_t>(0, end);
  }
  if (crop)
    input = tensor::ExtractSliceOp::create(
        b, loc, type.clone(cropped), input, ValueRange{}, ValueRange{},
        ValueRange{}, offsets, cropped, SmallVector<int64_t>(rank, 1));
  if (!pad)
    return input;
  SmallVector<int64_t> paddedShape(cropped);
  for (int64_t dim = 0; dim < rank; ++dim)
    paddedShape[dim] += low[dim] + high[dim];
  return tensor::PadOp::create(b, loc, type.clone(paddedShape), input,
                               getAsIndexOpFoldResult(b.getContext(), low),
                               getAsIndexOpFoldResult(b.getContext(), high),
                               padValue);
}

/// im2col + matmul for 2-d convolutions with one group.
Value buildIm2ColConvolution(OpBuilder &b, Location loc, Value padded,
                             Value weight, Value bias,
                             const ConvolutionSpec &spec,
                             RankedTensorType resultType) {
  MLIRContext *context = b.getContext();
  auto inputType = cast<RankedTensorType>(padded.getType());
  auto weightType = cast<RankedTensorType>(weight.getType());
  Type elementType = resultType.getElementType();
  int64_t batch = inputType.getDimSize(0), channels = inputType.getDimSize(1);
  int64_t filters = weightType.getDimSize(0);
  int64_t kh = weightType.getDimSize(2), kw = weightType.getDimSize(3);
  int64_t oh = resultType.getDimSize(2), ow = resultType.getDimSize(3);
  int64_t depth = channels * kh * kw, pixels = oh * ow;

  Value columns;
  bool pointwise = kh == 1 && kw == 1 && spec.strides[0] == 1 &&
                   spec.strides[1] == 1 && inputType.getDimSize(2) == oh &&
                   inputType.getDimSize(3) == ow;
  if (pointwise) {
    columns = reshapeTo(b, loc, padded, {batch, depth, pixels});
  } else {
    // columns[n, c, i, j, y, x] = input[n, c, y*s0 + i*d0, x*s1 + j*d1]
    AffineExpr n, c, i, j, y, x;
    bindDims(context, n, c, i, j, y, x);
    AffineMap map =
        AffineMap::get(6, 0,
                       {n, c, y * spec.strides[0] + i * spec.dilations[0],
                        x * spec.strides[1] + j * spec.dilations[1]},
                       context);
    Value gathered = gatherThroughMap(b, loc, {batch, channels, kh, kw, oh, ow},
                                      padded, map);
    columns = reshapeTo(b, loc, gathered, {batch, depth, pixels});
  }
  Value filterMatrix = reshapeTo(b, loc, weight, {filters, depth});

  SmallVector<int64_t> initShape = {batch, filters, pixels};
  Value init;
  if (bias) {
    // bias[f] along the filter axis of every image.
    AffineExpr n, f, p;
    bindDims(context, n, f, p);
    init = gatherThroughMap(b, loc, initShape, bias,
                            AffineMap::get(3, 0, {f}, context));
  } else {
    init = createFilled(b, loc, initShape,
                        ScalarMath{b, loc}.constant(elementType, 0.0));
  }
  Value product;
  if (batch == 1) {
    product = buildProduct(b, loc, filterMatrix,
                           reshapeTo(b, loc, columns, {depth, pixels}),
                           reshapeTo(b, loc, init, {filters, pixels}));
  } else {
    product = buildProduct(
        b, loc, broadcastTo(b, loc, filterMatrix, {batch, filters, depth}),
        columns, init);
  }
  return reshapeTo(b, loc, product, resultType.getShape());
}

/// One linalg.generic over [N, G, M/G, O..., C/G, K...].
Value buildGroupedConvolution(OpBuilder &b, Location loc, Value padded,
                              Value weight, Value bias,
                              const ConvolutionSpec &spec,
                              RankedTensorType resultType, bool isUnsigned) {
  MLIRContext *context = b.getContext();
  auto inputType = cast<RankedTensorType>(padded.getType());
  auto weightType = cast<RankedTensorType>(weight.getType());
  Type elementType = resultType.getElementType();
  int64_t spatial = inputType.getRank() - 2;
  int64_t group = spec.group;
  int64_t batch = inputType.getDimSize(0);
  int64_t groupChannels = inputType.getDimSize(1) / group;
  int64_t groupFilters = weightType.getDimSize(0) / group;

  SmallVector<int64_t> inputShape = {batch, group, groupChannels};
  SmallVector<int64_t> weightShape = {group, groupFilters, groupChannels};
  SmallVector<int64_t> outputShape = {batch, group, groupFilters};
  for (int64_t axis = 0; axis < spatial; ++axis) {
    inputShape.push_back(inputType.getDimSize(axis + 2));
    weightShape.push_back(weightType.getDimSize(axis + 2));
    outputShape.push_back(resultType.getDimSize(axis + 2));
  }
  Value groupedInput = reshapeTo(b, loc, padded, inputShape);
  Value groupedWeight = reshapeTo(b, loc, weight, weightShape);

  // Loops: n, g, m, o_1..o_s (parallel), c, k_1..k_s (reduction).
  int64_t loops = 3 + 2 * spatial + 1;
  auto dim = [&](int64_t index) { return getAffineDimExpr(index, context); };
  int64_t channelLoop = 3 + spatial;
  SmallVector<AffineExpr> inputExprs = {dim(0), dim(1), dim(channelLoop)};
  SmallVector<AffineExpr> weightExprs = {dim(1), dim(2), dim(channelLoop)};
  SmallVector<AffineExpr> outputExprs = {dim(0), dim(1), dim(2)};
  for (int64_t axis = 0; axis < spatial; ++axis) {
    AffineExpr out = dim(3 + axis), kernel = dim(channelLoop + 1 + axis);
    inputExprs.push_back(out * spec.strides[axis] +
                         kernel * spec.dilations[axis]);
    weightExprs.push_back(kernel);
    outputExprs.push_back(out);
  }
  SmallVector<utils::IteratorType> iterators(loops,
                                             utils::IteratorType::parallel);
  for (int64_t index = channelLoop; index < loops; ++index)
    iterators[index] = utils::IteratorType::reduction;

  Value init;
  if (bias) {
    Value groupedBias = reshapeTo(b, loc, bias, {group, groupFilters});
    init = buildElementwise(
        b, loc, outputShape, elementType,
        reshapeTo(b, loc, groupedBias,
                  [&] {
                    SmallVector<int64_t> shape = {group, groupFilters};
                    shape.append(spatial, 1);
                    return shape;
                  }()),
        [](OpBuilder &, Location, ValueRange args) { return args[0]; });
  } else {
    init = createFilled(b, loc, outputShape,
                        ScalarMath{b, loc}.constant(elementType, 0.0));
  }
  SmallVector<AffineMap> maps = {
      AffineMap::get(loops, 0, inputExprs, context),
      AffineMap::get(loops, 0, weightExprs, context),
      AffineMap::get(loops, 0, outputExprs, context)};
  Value result =
      linalg::GenericOp::create(
          b, loc, init.getType(), ValueRange{groupedInput, groupedWeight}, init,
          maps, iterators,
          [&](OpBuilder &nested, Location l, ValueRange args) {
            ScalarMath math{nested, l, isUnsigned};
            Value x = math.convert(args[0], elementType, false);
            Value w = math.convert(args[1], elementType, false);
            linalg::YieldOp::create(nested, l,
                                    math.add(args[2], math.mul(x, w)));
          })
          .getResult(0);
  return reshapeTo(b, loc, result, resultType.getShape());
}

Value buildConvolution(OpBuilder &b, Location loc, Value input, Value weight,
                       Value bias, const ConvolutionSpec &spec,
                       RankedTensorType resultType, bool isUnsigned) {
  auto inputType = cast<RankedTensorType>(input.getType());
  Value padded =
      padSpatial(b, loc, input, spec.pads,
                 ScalarMath{b, loc}.constant(inputType.getElementType(), 0.0));
  bool sameTypes = inputType.getElementType() == resultType.getElementType() &&
                   cast<RankedTensorType>(weight.getType()).getElementType() ==
                       resultType.getElementType();
  if (inputType.getRank() == 4 && spec.group == 1 && sameTypes &&
      isa<FloatType>(resultType.getElementType()))
    return buildIm2ColConvolution(b, loc, padded, weight, bias, spec,
                                  resultType);
  return buildGroupedConvolution(b, loc, padded, weight, bias, spec, resultType,
                                 isUnsigned);
}

struct ConvLowering : OpConversionPattern<ConvOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ConvOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = getConvertedResultType(*getTypeConverter(), op);
    ConvolutionSpec spec{llvm::to_vector(op.getStrides()),
                         llvm::to_vector(op.getPads()),
                         llvm::to_vector(op.getDilations()), op.getGroup()};
    rewriter.replaceOp(
        op, buildConvolution(rewriter, op.getLoc(), adaptor.getInput(),
                             adaptor.getWeight(), adaptor.getBias(), spec,
                             resultType,
                             hasUnsignedElements(op.getInput().getType())));
    return success();
  }
};

/// `weight` [F, C, KH, KW] as [F, KH, KW, C]: folded here when constant, so
/// that the packed GEMM still finds constant weights.
static Value moveChannelsLast(OpBuilder &b, Location loc, Value weight) {
  auto type = cast<RankedTensorType>(weight.getType());
  int64_t filters = type.getDimSize(0), channels = type.getDimSize(1);
  int64_t kh = type.getDimSize(2), kw = type.getDimSize(3);
  auto resultType = type.clone({filters, kh, kw, channels});
  DenseIntElementsAttr values;
  if (matchPattern(weight, m_Constant(&values))) {
    SmallVector<APInt> source(values.getValues<APInt>());
    SmallVector<APInt> moved;
    moved.reserve(source.size());
    for (int64_t f = 0; f < filters; ++f)
      for (int64_t i = 0; i < kh; ++i)
        for (int64_t j = 0; j < kw; ++j)
          for (int64_t c = 0; c < channels; ++c)
            moved.push_back(source[((f * channels + c) * kh + i) * kw + j]);
    return arith::ConstantOp::create(
        b, loc, DenseIntElementsAttr::get(resultType, moved));
  }
  AffineExpr f, i, j, c;
  bindDims(b.getContext(), f, i, j, c);
  return gatherThroughMap(b, loc, resultType.getShape(), weight,
                          AffineMap::get(4, 0, {f, c, i, j}, b.getContext()));
}

/// im2col for an integer product, channels last: rows[n*OH*OW + y*OW + x,
/// (i*KW + j)*C + c] = (signed storage of) input[n, c, y*s0 + i*d0 - pad,
/// x*s1 + j*d1 - pad], times the weight matrix [F, KH*KW*C] transposed, so
/// that the constant weights are the packed GEMM's B; the result moves to
/// [N, F, OH, OW]. The padded input is first moved to [N, H, W, C] so that
/// each (pixel, tap) of the rows is C contiguous bytes on both sides: the
/// gather copies vectors (channels-first rows were a byte gather, the
/// largest cost of a quantized ResNet outside its GEMMs).
Value buildIntegerIm2ColConvolution(OpBuilder &b, Location loc, Value input,
                                    Value weight,
                                    const ProductZeroPoints &zeroPoints,
                                    const ConvolutionSpec &spec,
                                    RankedTensorType resultType) {
  MLIRContext *context = b.getContext();
  // Padding holds the input's zero point: real zero.
  Value padValue =
      arith::ConstantOp::create(b, loc, b.getI8IntegerAttr(zeroPoints.lhs));
  Value padded = padSpatial(b, loc, input, spec.pads, padValue);
  auto weightType = cast<RankedTensorType>(weight.getType());
  int64_t batch = resultType.getDimSize(0), filters = resultType.getDimSize(1);
  int64_t oh = resultType.getDimSize(2), ow = resultType.getDimSize(3);
  int64_t channels = weightType.getDimSize(1);
  int64_t kh = weightType.getDimSize(2), kw = weightType.getDimSize(3);
  int64_t depth = channels * kh * kw, rowCount = batch * oh * ow;

  auto paddedType = cast<RankedTensorType>(padded.getType());
  AffineExpr n, h, w, c;
  bindDims(context, n, h, w, c);
  Value channelsLast = gatherThroughMap(
      b, loc,
      {batch, paddedType.getDimSize(2), paddedType.getDimSize(3), channels},
      padded, AffineMap::get(4, 0, {n, c, h, w}, context));
  AffineExpr y, x, i, j;
  bindDims(context, n, y, x, i, j, c);
  AffineMap window =
      AffineMap::get(6, 0,
                     {n, y * spec.strides[0] + i * spec.dilations[0],
                      x * spec.strides[1] + j * spec.dilations[1], c},
                     context);
  Value rows =
      reshapeTo(b, loc,
                gatherThroughMap(b, loc, {batch, oh, ow, kh, kw, channels},
                                 channelsLast, window),
                {rowCount, depth});
  Value filterMatrix =
      reshapeTo(b, loc, moveChannelsLast(b, loc, weight), {filters, depth});

  auto accumulator = cast<IntegerType>(resultType.getElementType());
  Value zero =
      arith::ConstantOp::create(b, loc, b.getIntegerAttr(accumulator, 0));
  Value init = createFilled(b, loc, {rowCount, filters}, zero);
  auto matmul = linalg::MatmulOp::create(b, loc, TypeRange{init.getType()},
                                         ValueRange{rows, filterMatrix},
                                         ValueRange{init});
  AffineExpr m, f, k;
  bindDims(context, m, f, k);
  matmul.setIndexingMapsAttr(
      b.getAffineMapArrayAttr({AffineMap::get(3, 0, {m, k}, context),
                               AffineMap::get(3, 0, {f, k}, context),
                               AffineMap::get(3, 0, {m, f}, context)}));
  Value product = subtractZeroPointTerms(
      b, loc, matmul.getResult(0), depth, zeroPoints,
      [&] { return sumInto(b, loc, filterMatrix, 1, accumulator); },
      [&] { return sumInto(b, loc, rows, 1, accumulator); });

  AffineExpr image, filter, row, column;
  bindDims(context, image, filter, row, column);
  return gatherThroughMap(
      b, loc, resultType.getShape(),
      reshapeTo(b, loc, product, {batch, oh, ow, filters}),
      AffineMap::get(4, 0, {image, row, column, filter}, context));
}

/// Any other integer convolution: one linalg.generic over the operands
/// minus their zero points in the accumulator's type (signed storage).
Value buildIntegerGroupedConvolution(OpBuilder &b, Location loc, Value input,
                                     Value weight,
                                     const ProductZeroPoints &zeroPoints,
                                     const ConvolutionSpec &spec,
                                     RankedTensorType resultType) {
  MLIRContext *context = b.getContext();
  auto accumulator = cast<IntegerType>(resultType.getElementType());
  auto inputType = cast<RankedTensorType>(input.getType());
  auto weightType = cast<RankedTensorType>(weight.getType());
  Value wideInput = buildElementwise(
      b, loc, inputType.getShape(), accumulator, input,
      [&](OpBuilder &nested, Location l, ValueRange args) -> Value {
        Value wide = arith::ExtSIOp::create(nested, l, accumulator, args[0]);
        Value zeroPoint = arith::ConstantOp::create(
            nested, l, nested.getIntegerAttr(accumulator, zeroPoints.lhs));
        return arith::SubIOp::create(nested, l, wide, zeroPoint);
      });
  Value weightZeroPoints = zeroPoints.buildRhsConstant(b, loc, accumulator);
  int64_t weightRank = weightType.getRank();
  Value wideWeight = buildMapped(
      b, loc, weightType.getShape(), accumulator, {weight, weightZeroPoints},
      {AffineMap::getMultiDimIdentityMap(weightRank, context),
       AffineMap::get(weightRank, 0, getAffineDimExpr(0, context))},
      [&](OpBuilder &nested, Location l, ValueRange args) -> Value {
        Value wide = arith::ExtSIOp::create(nested, l, accumulator, args[0]);
        return arith::SubIOp::create(nested, l, wide, args[1]);
      });
  Value zero =
      arith::ConstantOp::create(b, loc, b.getIntegerAttr(accumulator, 0));
  Value padded = padSpatial(b, loc, wideInput, spec.pads, zero);
  return buildGroupedConvolution(b, loc, padded, wideWeight, Value(), spec,
                                 resultType, /*isUnsigned=*/false);
}

/// Both operands as signed storage (zero points shifted to match); 2-d
/// convolutions with one group run in the packed integer GEMM.
struct QuantizedConvLowering : OpConversionPattern<QuantizedConvOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(QuantizedConvOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType = op.getType();
    auto inputElement = cast<quant::UniformQuantizedType>(
        op.getInput().getType().getElementType());
    auto weightElement =
        cast<quant::QuantizedType>(op.getWeight().getType().getElementType());
    ProductZeroPoints zeroPoints = getProductZeroPoints(
        inputElement, weightElement, resultType.getDimSize(1));
    Value input = toSignedStorage(rewriter, loc, adaptor.getInput(),
                                  !inputElement.isSigned());
    Value weight = toSignedStorage(rewriter, loc, adaptor.getWeight(),
                                   !weightElement.isSigned());
    if (std::optional<ArrayRef<int64_t>> inputDilations =
            op.getInputDilations())
      input = dilateSpatial(
          rewriter, loc, input, *inputDilations,
          arith::ConstantOp::create(rewriter, loc,
                                    rewriter.getI8IntegerAttr(zeroPoints.lhs)));
    ConvolutionSpec spec{llvm::to_vector(op.getStrides()),
                         llvm::to_vector(op.getPads()),
                         llvm::to_vector(op.getDilations()), op.getGroup()};
    Value result;
    if (resultType.getRank() == 4 && spec.group == 1)
      result = buildIntegerIm2ColConvolution(rewriter, loc, input, weight,
                                             zeroPoints, spec, resultType);
    else
      result = buildIntegerGroupedConvolution(rewriter, loc, input, weight,
                                              zeroPoints, spec, resultType);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// A transposed convolution is a stride-1 convolution over the input with
/// `stride - 1` zeros between elements, padded by `dilation * (K - 1)` minus
/// the original pads, with each group's kernel flipped and its in/out
/// channels swapped.
struct ConvTransposeLowering : OpConversionPattern<ConvTransposeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ConvTransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    auto resultType = getConvertedResultType(*getTypeConverter(), op);
    Value input = adaptor.getInput();
    Value weight = adaptor.getWeight();
    auto inputType = cast<RankedTensorType>(input.getType());
    auto weightType = cast<RankedTensorType>(weight.getType());
    Type elementType = inputType.getElementType();
    int64_t rank = inputType.getRank();
    int64_t spatial = rank - 2;
    int64_t group = op.getGroup();
    ArrayRef<int64_t> strides = op.getStrides();
    ArrayRef<int64_t> dilations = op.getDilations();
    ArrayRef<int64_t> pads = op.getPads();
    ArrayRef<int64_t> outputPadding = op.getOutputPadding();

    // Interleave zeros.
    Value dilated =
        dilateSpatial(rewriter, loc, input, strides,
                      ScalarMath{rewriter, loc}.constant(elementType, 0.0));

    // Flip the kernel and swap channels: [C, M/G, K...] -> [M, C/G, K...].
    int64_t channels = weightType.getDimSize(0);
    int64_t groupChannels = channels / group;
    int64_t groupFilters = weightType.getDimSize(1);
    SmallVector<int64_t> flippedShape = {groupFilters * group, groupChannels};
    SmallVector<AffineExpr> sourceExprs;
    AffineExpr filter = getAffineDimExpr(0, context);
    AffineExpr channel = getAffineDimExpr(1, context);
    sourceExprs.push_back(filter.floorDiv(groupFilters) * groupChannels +
                          channel);
    sourceExprs.push_back(filter % groupFilters);
    ConvolutionSpec spec{SmallVector<int64_t>(spatial, 1),
                         SmallVector<int64_t>(2 * spatial, 0),
                         llvm::to_vector(dilations), group};
    for (int64_t axis = 0; axis < spatial; ++axis) {
      int64_t kernel = weightType.getDimSize(axis + 2);
      flippedShape.push_back(kernel);
      sourceExprs.push_back(kernel - 1 - getAffineDimExpr(axis + 2, context));
      int64_t reach = dilations[axis] * (kernel - 1);
      spec.pads[axis] = reach - pads[axis];
      spec.pads[spatial + axis] =
          reach - pads[spatial + axis] + outputPadding[axis];
    }
    Value flipped =
        gatherThroughMap(rewriter, loc, flippedShape, weight,
                         AffineMap::get(rank, 0, sourceExprs, context));
    rewriter.replaceOp(op, buildConvolution(rewriter, loc, dilated, flipped,
                                            adaptor.getBias(), spec, resultType,
                                            false));
    return success();
  }
};

} // namespace

void mlir::quill::lowering::populateConvolutionPatterns(
    StorageTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ConvLowering, QuantizedConvLowering, ConvTransposeLowering>(
      converter, patterns.getContext());
}
