//===- Reductions.cpp - Lowering of reductions and normalizations ---------===//
//
// ReduceMean/Sum/Max/Prod, global pooling, Softmax, LogSoftmax and the
// normalizations, as linalg.generic reductions and the elementwise generics
// that consume them (the reduced tensors are read through maps that skip
// the reduced loops).
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"

#include "quill/Dialect/Quill/IR/Quill.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;
using namespace mlir::quill;
using namespace mlir::quill::lowering;

namespace {

int64_t countElements(RankedTensorType type, ArrayRef<int64_t> axes) {
  int64_t count = 1;
  for (int64_t axis : axes)
    count *= type.getDimSize(axis);
  return count;
}

enum class ReduceKind { Sum, Mean, Max, Prod };

/// Reduces `input` over `axes` and reshapes to `resultShape` (which keeps
/// or drops the reduced dimensions).
Value reduce(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes,
             ReduceKind kind, bool isUnsigned, ArrayRef<int64_t> resultShape) {
  auto type = cast<RankedTensorType>(input.getType());
  Type elementType = type.getElementType();
  ScalarMath math{b, loc, isUnsigned};
  Value init = kind == ReduceKind::Max
                   ? lowestValue(b, loc, elementType, isUnsigned)
               : kind == ReduceKind::Prod ? math.constant(elementType, 1.0)
                                          : math.constant(elementType, 0.0);
  Value reduced =
      buildReduction(b, loc, input, axes, init,
                     [&](OpBuilder &nested, Location nestedLoc, Value element,
                         Value accumulator) {
                       ScalarMath inner{nested, nestedLoc, isUnsigned};
                       if (kind == ReduceKind::Max)
                         return inner.max(element, accumulator);
                       if (kind == ReduceKind::Prod)
                         return inner.mul(element, accumulator);
                       return inner.add(element, accumulator);
                     });
  if (kind == ReduceKind::Mean) {
    double count = countElements(type, axes);
    auto reducedType = cast<RankedTensorType>(reduced.getType());
    reduced = buildElementwise(
        b, loc, reducedType.getShape(), elementType, reduced,
        [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
          ScalarMath inner{nested, nestedLoc, isUnsigned};
          return inner.div(args[0], inner.constant(elementType, count));
        });
  }
  return reshapeTo(b, loc, reduced, resultShape);
}

template <typename OpTy, ReduceKind kind>
struct ReduceLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = cast<RankedTensorType>(op.getResult().getType());
    rewriter.replaceOp(op, reduce(rewriter, op.getLoc(), adaptor.getInput(),
                                  op.getAxes(), kind,
                                  hasUnsignedElements(op.getInput().getType()),
                                  resultType.getShape()));
    return success();
  }
};

template <typename OpTy, ReduceKind kind>
struct GlobalPoolLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto inputType = cast<RankedTensorType>(op.getInput().getType());
    auto resultType = cast<RankedTensorType>(op.getResult().getType());
    SmallVector<int64_t> spatial =
        llvm::to_vector(llvm::seq<int64_t>(2, inputType.getRank()));
    rewriter.replaceOp(op, reduce(rewriter, op.getLoc(), adaptor.getInput(),
                                  spatial, kind, hasUnsignedElements(inputType),
                                  resultType.getShape()));
    return success();
  }
};

/// Softmax and LogSoftmax: subtract the row maximum, exponentiate, sum.
template <typename OpTy, bool isLog>
struct SoftmaxLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    Value input = adaptor.getInput();
    auto type = cast<RankedTensorType>(input.getType());
    ArrayRef<int64_t> shape = type.getShape();
    Type elementType = type.getElementType();
    int64_t rank = type.getRank();
    int64_t axis = op.getAxis();
    AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, context);
    AffineMap rowMap = getReducedMap(rank, axis, context);

    Value maximum =
        buildReduction(rewriter, loc, input, axis,
                       lowestValue(rewriter, loc, elementType, false),
                       [](OpBuilder &b, Location l, Value x, Value acc) {
                         return ScalarMath{b, l}.max(x, acc);
                       });
    Value shifted = buildMapped(rewriter, loc, shape, elementType,
                                {input, maximum}, {identity, rowMap},
                                [](OpBuilder &b, Location l, ValueRange args) {
                                  return ScalarMath{b, l}.sub(args[0], args[1]);
                                });
    Value exponentials =
        buildElementwise(rewriter, loc, shape, elementType, shifted,
                         [](OpBuilder &b, Location l, ValueRange args) {
                           return Value(math::ExpOp::create(b, l, args[0]));
                         });
    Value sum =
        buildReduction(rewriter, loc, exponentials, axis,
                       ScalarMath{rewriter, loc}.constant(elementType, 0.0),
                       [](OpBuilder &b, Location l, Value x, Value acc) {
                         return ScalarMath{b, l}.add(x, acc);
                       });
    Value result;
    if (isLog)
      result = buildMapped(rewriter, loc, shape, elementType, {shifted, sum},
                           {identity, rowMap},
                           [](OpBuilder &b, Location l, ValueRange args) {
                             return ScalarMath{b, l}.sub(
                                 args[0], math::LogOp::create(b, l, args[1]));
                           });
    else
      result = buildMapped(rewriter, loc, shape, elementType,
                           {exponentials, sum}, {identity, rowMap},
                           [](OpBuilder &b, Location l, ValueRange args) {
                             return ScalarMath{b, l}.div(args[0], args[1]);
                           });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// `(x - mean) / sqrt(var + epsilon)` over `axes`, then `* scale + bias`
/// with the parameters read through `parameterMap`.
Value normalize(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes,
                double epsilon, Value scale, Value bias,
                AffineMap parameterMap) {
  MLIRContext *context = b.getContext();
  auto type = cast<RankedTensorType>(input.getType());
  ArrayRef<int64_t> shape = type.getShape();
  Type elementType = type.getElementType();
  int64_t rank = type.getRank();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, context);
  AffineMap statMap = getReducedMap(rank, axes, context);
  double count = countElements(type, axes);
  Value zero = ScalarMath{b, loc}.constant(elementType, 0.0);
  auto sum = [](OpBuilder &nested, Location l, Value x, Value acc) {
    return ScalarMath{nested, l}.add(x, acc);
  };

  Value total = buildReduction(b, loc, input, axes, zero, sum);
  Value centered = buildMapped(
      b, loc, shape, elementType, {input, total}, {identity, statMap},
      [&](OpBuilder &nested, Location l, ValueRange args) {
        ScalarMath math{nested, l};
        return math.sub(args[0],
                        math.div(args[1], math.constant(elementType, count)));
      });
  Value squares =
      buildElementwise(b, loc, shape, elementType, centered,
                       [](OpBuilder &nested, Location l, ValueRange args) {
                         return ScalarMath{nested, l}.mul(args[0], args[0]);
                       });
  Value squareSum = buildReduction(b, loc, squares, axes, zero, sum);
  SmallVector<Value> operands = {centered, squareSum, scale};
  SmallVector<AffineMap> maps = {identity, statMap, parameterMap};
  if (bias) {
    operands.push_back(bias);
    maps.push_back(parameterMap);
  }
  return buildMapped(
      b, loc, shape, elementType, operands, maps,
      [&](OpBuilder &nested, Location l, ValueRange args) {
        ScalarMath math{nested, l};
        Value variance = math.div(args[1], math.constant(elementType, count));
        Value shifted = math.add(variance, math.constant(elementType, epsilon));
        Value inverse = math::RsqrtOp::create(nested, l, shifted);
        Value result = math.mul(math.mul(args[0], inverse), args[2]);
        return args.size() > 3 ? math.add(result, args[3]) : result;
      });
}

struct LayerNormLowering : OpConversionPattern<LayerNormOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(LayerNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(adaptor.getInput().getType());
    SmallVector<int64_t> axes =
        llvm::to_vector(llvm::seq<int64_t>(op.getAxis(), type.getRank()));
    AffineMap parameterMap = getBroadcastMap(
        cast<RankedTensorType>(adaptor.getScale().getType()).getShape(),
        type.getShape(), rewriter.getContext());
    if (adaptor.getBias() &&
        cast<RankedTensorType>(adaptor.getBias().getType()).getShape() !=
            cast<RankedTensorType>(adaptor.getScale().getType()).getShape())
      return rewriter.notifyMatchFailure(op, "scale and bias shapes differ");
    rewriter.replaceOp(op, normalize(rewriter, op.getLoc(), adaptor.getInput(),
                                     axes, op.getEpsilon().convertToDouble(),
                                     adaptor.getScale(), adaptor.getBias(),
                                     parameterMap));
    return success();
  }
};

AffineMap getChannelMap(int64_t rank, MLIRContext *context) {
  return AffineMap::get(rank, 0, getAffineDimExpr(1, context), context);
}

struct InstanceNormLowering : OpConversionPattern<InstanceNormOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(InstanceNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(adaptor.getInput().getType());
    SmallVector<int64_t> axes =
        llvm::to_vector(llvm::seq<int64_t>(2, type.getRank()));
    rewriter.replaceOp(
        op, normalize(rewriter, op.getLoc(), adaptor.getInput(), axes,
                      op.getEpsilon().convertToDouble(), adaptor.getScale(),
                      adaptor.getBias(),
                      getChannelMap(type.getRank(), rewriter.getContext())));
    return success();
  }
};

struct BatchNormLowering : OpConversionPattern<BatchNormOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(BatchNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(adaptor.getInput().getType());
    int64_t rank = type.getRank();
    MLIRContext *context = rewriter.getContext();
    AffineMap channel = getChannelMap(rank, context);
    AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, context);
    double epsilon = op.getEpsilon().convertToDouble();
    Type elementType = type.getElementType();
    Value result = buildMapped(
        rewriter, op.getLoc(), type.getShape(), elementType,
        {adaptor.getInput(), adaptor.getScale(), adaptor.getBias(),
         adaptor.getMean(), adaptor.getVariance()},
        {identity, channel, channel, channel, channel},
        [&](OpBuilder &b, Location l, ValueRange args) {
          ScalarMath math{b, l};
          Value shifted =
              math.add(args[4], math.constant(elementType, epsilon));
          Value inverse = math::RsqrtOp::create(b, l, shifted);
          Value centered = math.sub(args[0], args[3]);
          return math.add(math.mul(math.mul(centered, inverse), args[1]),
                          args[2]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void mlir::quill::lowering::populateReductionPatterns(
    StorageTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ReduceLowering<ReduceSumOp, ReduceKind::Sum>,
               ReduceLowering<ReduceMeanOp, ReduceKind::Mean>,
               ReduceLowering<ReduceMaxOp, ReduceKind::Max>,
               ReduceLowering<ReduceProdOp, ReduceKind::Prod>,
               GlobalPoolLowering<GlobalAveragePoolOp, ReduceKind::Mean>,
               GlobalPoolLowering<GlobalMaxPoolOp, ReduceKind::Max>,
               SoftmaxLowering<SoftmaxOp, false>,
               SoftmaxLowering<LogSoftmaxOp, true>, LayerNormLowering,
               InstanceNormLowering, BatchNormLowering>(converter,
                                                        patterns.getContext());
}
