//===- Indexing.cpp - Lowering of the index-valued graph ops --------------===//
//
// ArgMax/ArgMin, CumSum, TopK, GatherElements and GatherND become parallel
// linalg.generic ops (reductions whose bodies read linalg.index), so that
// both the CPU and the GPU paths tile and fuse them like any other. The
// scatters write in the updates' order, which only a serial loop keeps
// when positions repeat: they become scf.for nests over the updates,
// inserting into the data tensor.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"

#include "quill/Dialect/Quill/IR/Quill.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::quill;
using namespace mlir::quill::lowering;

namespace {

/// `x == y` for floats (ordered) or integers.
Value equal(OpBuilder &b, Location loc, Value x, Value y) {
  if (isa<FloatType>(x.getType()))
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, x, y);
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, x, y);
}

Value indexAsI64(OpBuilder &b, Location loc, Value index) {
  return arith::IndexCastOp::create(b, loc, b.getI64Type(), index);
}

/// A linalg.generic whose loops are the result's dimensions, then one
/// reduction loop of `extent` (the last loop); `inputMaps` read `inputs`
/// from that space and `body` adds one term to the accumulator.
Value buildReductionOverExtraLoop(
    OpBuilder &b, Location loc, ArrayRef<int64_t> resultShape, Value init,
    ValueRange inputs, ArrayRef<AffineMap> inputMaps,
    function_ref<Value(OpBuilder &, Location, ValueRange args)> body) {
  MLIRContext *context = b.getContext();
  int64_t rank = resultShape.size();
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank + 1, context)
                     .getMajorSubMap(rank));
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  Value filled = createFilled(b, loc, resultShape, init);
  return linalg::GenericOp::create(
             b, loc, filled.getType(), inputs, filled, maps, iterators,
             [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
               linalg::YieldOp::create(nested, nestedLoc,
                                       body(nested, nestedLoc, args));
             })
      .getResult(0);
}

/// The map from a (rank + 1)-loop space to a rank-`rank` tensor read at the
/// first `rank` loops, except along `axis`, read at the last loop.
AffineMap getAxisFromLastLoopMap(int64_t rank, int64_t axis,
                                 MLIRContext *context) {
  SmallVector<AffineExpr> exprs;
  for (int64_t dim = 0; dim < rank; ++dim)
    exprs.push_back(getAffineDimExpr(dim == axis ? rank : dim, context));
  return AffineMap::get(rank + 1, 0, exprs, context);
}

/// GatherElements: a tensor of `indices`' shape whose element at `p` is
/// `data`'s at `p` with its `axis` coordinate replaced by `indices[p]`
/// (negative indices counting from the end). TopK gathers its values so.
Value buildGatherElements(OpBuilder &b, Location loc, Value data, Value indices,
                          int64_t axis) {
  auto dataType = cast<RankedTensorType>(data.getType());
  auto indicesType = cast<RankedTensorType>(indices.getType());
  int64_t rank = indicesType.getRank();
  int64_t axisSize = dataType.getDimSize(axis);
  return buildMapped(
      b, loc, indicesType.getShape(), dataType.getElementType(), indices,
      AffineMap::getMultiDimIdentityMap(rank, b.getContext()),
      [&](OpBuilder &nested, Location l, ValueRange args) -> Value {
        SmallVector<Value> coordinates;
        for (int64_t dim = 0; dim < rank; ++dim)
          coordinates.push_back(
              dim == axis ? normalizeIndex(nested, l, args[0], axisSize)
                          : Value(linalg::IndexOp::create(nested, l, dim)));
        return tensor::ExtractOp::create(nested, l, data, coordinates);
      });
}

/// ArgMax and ArgMin: the extremum of each row, then the lowest (or
/// highest) index holding it.
template <typename OpTy, bool isMax>
struct ArgExtremumLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    Value input = adaptor.getInput();
    auto type = cast<RankedTensorType>(input.getType());
    Type elementType = type.getElementType();
    bool isUnsigned = hasUnsignedElements(op.getInput().getType());
    int64_t rank = type.getRank(), axis = op.getAxis();
    Value init = isMax ? lowestValue(rewriter, loc, elementType, isUnsigned)
                       : highestValue(rewriter, loc, elementType, isUnsigned);
    Value extremum =
        buildReduction(rewriter, loc, input, axis, init,
                       [&](OpBuilder &b, Location l, Value x, Value acc) {
                         ScalarMath math{b, l, isUnsigned};
                         return isMax ? math.max(x, acc) : math.min(x, acc);
                       });
    bool last = op.getSelectLastIndex();
    int64_t missing = last ? -1 : type.getDimSize(axis);
    Type i64 = rewriter.getI64Type();
    Value candidates = buildMapped(
        rewriter, loc, type.getShape(), i64, {input, extremum},
        {AffineMap::getMultiDimIdentityMap(rank, context),
         getReducedMap(rank, axis, context)},
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value index = indexAsI64(b, l, linalg::IndexOp::create(b, l, axis));
          return arith::SelectOp::create(b, l, equal(b, l, args[0], args[1]),
                                         index,
                                         IntegerMath(b, l).constant(missing));
        });
    Value indices = buildReduction(
        rewriter, loc, candidates, axis,
        IntegerMath(rewriter, loc).constant(missing),
        [&](OpBuilder &b, Location l, Value index, Value acc) {
          IntegerMath math(b, l);
          return last ? math.max(index, acc) : math.min(index, acc);
        });
    rewriter.replaceOp(op, reshapeTo(rewriter, loc, indices,
                                     op.getResult().getType().getShape()));
    return success();
  }
};

/// CumSum: each element sums the row's elements on its side of it, a
/// reduction over a second loop along the axis (quadratic in the axis'
/// length, parallel across it).
struct CumSumLowering : OpConversionPattern<CumSumOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(CumSumOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(adaptor.getInput().getType());
    int64_t rank = type.getRank(), axis = op.getAxis();
    bool exclusive = op.getExclusive(), reverse = op.getReverse();
    using P = arith::CmpIPredicate;
    // Whether source index j adds to result index i.
    P predicate =
        reverse ? (exclusive ? P::sgt : P::sge) : (exclusive ? P::slt : P::sle);
    ScalarMath zeroMath{rewriter, loc};
    Value result = buildReductionOverExtraLoop(
        rewriter, loc, type.getShape(),
        zeroMath.constant(type.getElementType(), 0), adaptor.getInput(),
        getAxisFromLastLoopMap(rank, axis, rewriter.getContext()),
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          ScalarMath math{b, l};
          Value i = linalg::IndexOp::create(b, l, axis);
          Value j = linalg::IndexOp::create(b, l, rank);
          Value adds = arith::CmpIOp::create(b, l, predicate, j, i);
          Value term = arith::SelectOp::create(
              b, l, adds, args[0], math.constant(args[0].getType(), 0));
          return math.add(args[1], term);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// TopK by ranks: each element's rank is the number of elements of its row
/// that come before it (greater, or equal at a lower index); result slot r
/// takes the element of rank r. Quadratic in the axis' length.
struct TopKLowering : OpConversionPattern<TopKOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(TopKOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    Value input = adaptor.getInput();
    auto type = cast<RankedTensorType>(input.getType());
    int64_t rank = type.getRank(), axis = op.getAxis();
    bool largest = op.getLargest();
    bool isUnsigned = hasUnsignedElements(op.getInput().getType());
    AffineMap ownElement = AffineMap::getMultiDimIdentityMap(rank + 1, context)
                               .getMajorSubMap(rank);
    AffineMap otherElement = getAxisFromLastLoopMap(rank, axis, context);
    IntegerMath zeroMath(rewriter, loc);
    Value ranks = buildReductionOverExtraLoop(
        rewriter, loc, type.getShape(), zeroMath.constant(0), {input, input},
        {ownElement, otherElement},
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          ScalarMath math{b, l, isUnsigned};
          IntegerMath integers(b, l);
          Value own = args[0], other = args[1];
          Value beats =
              largest ? math.lessThan(own, other) : math.lessThan(other, own);
          Value i = linalg::IndexOp::create(b, l, axis);
          Value j = linalg::IndexOp::create(b, l, rank);
          Value earlier =
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, j, i);
          Value tiedEarlier =
              arith::AndIOp::create(b, l, equal(b, l, own, other), earlier);
          Value before = arith::OrIOp::create(b, l, beats, tiedEarlier);
          return integers.add(
              args[2], arith::ExtUIOp::create(b, l, b.getI64Type(), before));
        });

    auto indicesType = cast<RankedTensorType>(op.getIndices().getType());
    Value indices = buildReductionOverExtraLoop(
        rewriter, loc, indicesType.getShape(), zeroMath.constant(0), ranks,
        getAxisFromLastLoopMap(rank, axis, context),
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          IntegerMath integers(b, l);
          Value slot = indexAsI64(b, l, linalg::IndexOp::create(b, l, axis));
          Value j = indexAsI64(b, l, linalg::IndexOp::create(b, l, rank));
          Value holds = equal(b, l, args[0], slot);
          return integers.add(
              args[1],
              arith::SelectOp::create(b, l, holds, j, integers.constant(0)));
        });
    Value values = buildGatherElements(rewriter, loc, input, indices, axis);
    rewriter.replaceOp(op, {values, indices});
    return success();
  }
};

struct GatherElementsLowering : OpConversionPattern<GatherElementsOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(GatherElementsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(
        op, buildGatherElements(rewriter, op.getLoc(), adaptor.getData(),
                                adaptor.getIndices(), op.getAxis()));
    return success();
  }
};

/// The data coordinates that the index tuple at `indexPosition` of
/// `indices` (its last axis, `tupleSize` long) names for the data's axes
/// from `firstAxis` on, negative indices normalized against them.
SmallVector<Value> readIndexTuple(OpBuilder &b, Location loc, Value indices,
                                  SmallVector<Value> indexPosition,
                                  ArrayRef<int64_t> dataShape,
                                  int64_t firstAxis, int64_t tupleSize) {
  SmallVector<Value> coordinates;
  indexPosition.push_back(Value());
  for (int64_t m = 0; m < tupleSize; ++m) {
    indexPosition.back() = arith::ConstantIndexOp::create(b, loc, m);
    Value index = tensor::ExtractOp::create(b, loc, indices, indexPosition);
    coordinates.push_back(
        normalizeIndex(b, loc, index, dataShape[firstAxis + m]));
  }
  return coordinates;
}

struct GatherNDLowering : OpConversionPattern<GatherNDOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(GatherNDOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType =
        getConvertedResultType(*getTypeConverter(), op);
    Value data = adaptor.getData(), indices = adaptor.getIndices();
    ArrayRef<int64_t> dataShape =
        cast<RankedTensorType>(data.getType()).getShape();
    auto indicesType = cast<RankedTensorType>(indices.getType());
    int64_t batchDims = op.getBatchDims();
    int64_t tupleSize = indicesType.getShape().back();
    int64_t positions = indicesType.getRank() - 1;
    int64_t trailing = dataShape.size() - batchDims - tupleSize;
    Value gathered = buildMapped(
        rewriter, loc, resultType.getShape(), resultType.getElementType(),
        ValueRange{}, {}, [&](OpBuilder &b, Location l, ValueRange) -> Value {
          SmallVector<Value> position;
          for (int64_t dim = 0; dim < positions; ++dim)
            position.push_back(linalg::IndexOp::create(b, l, dim));
          SmallVector<Value> coordinates(position.begin(),
                                         position.begin() + batchDims);
          llvm::append_range(coordinates,
                             readIndexTuple(b, l, indices, position, dataShape,
                                            batchDims, tupleSize));
          for (int64_t dim = 0; dim < trailing; ++dim)
            coordinates.push_back(
                linalg::IndexOp::create(b, l, positions + dim));
          return tensor::ExtractOp::create(b, l, data, coordinates);
        });
    rewriter.replaceOp(op, gathered);
    return success();
  }
};

/// `current` combined with `update` by a scatter's reduction.
Value combine(OpBuilder &b, Location loc, ScatterReduction reduction,
              bool isUnsigned, Value current, Value update) {
  ScalarMath math{b, loc, isUnsigned};
  switch (reduction) {
  case ScatterReduction::None:
    return update;
  case ScatterReduction::Add:
    return math.add(current, update);
  case ScatterReduction::Mul:
    return math.mul(current, update);
  case ScatterReduction::Max:
    return math.max(current, update);
  case ScatterReduction::Min:
    return math.min(current, update);
  }
  llvm_unreachable("unknown scatter reduction");
}

/// A serial loop nest over the elements of `updates` that writes each into
/// `data` at the coordinates `target` computes from the loop indices.
template <typename OpTy>
Value buildScatter(
    OpBuilder &b, Location loc, OpTy op, Value data, Value updates,
    function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange ivs)>
        target) {
  auto updatesType = cast<RankedTensorType>(updates.getType());
  if (updatesType.getNumElements() == 0)
    return data;
  SmallVector<Value> lower, upper, steps;
  for (int64_t size : updatesType.getShape()) {
    lower.push_back(arith::ConstantIndexOp::create(b, loc, 0));
    upper.push_back(arith::ConstantIndexOp::create(b, loc, size));
    steps.push_back(arith::ConstantIndexOp::create(b, loc, 1));
  }
  bool isUnsigned = hasUnsignedElements(op.getData().getType());
  ScatterReduction reduction = op.getReduction();
  scf::LoopNest nest = scf::buildLoopNest(
      b, loc, lower, upper, steps, data,
      [&](OpBuilder &nested, Location l, ValueRange ivs,
          ValueRange iterArgs) -> scf::ValueVector {
        Value update = tensor::ExtractOp::create(nested, l, updates, ivs);
        SmallVector<Value> coordinates = target(nested, l, ivs);
        Value current =
            tensor::ExtractOp::create(nested, l, iterArgs[0], coordinates);
        Value combined =
            combine(nested, l, reduction, isUnsigned, current, update);
        return {tensor::InsertOp::create(nested, l, combined, iterArgs[0],
                                         coordinates)};
      });
  return nest.results.front();
}

struct ScatterElementsLowering : OpConversionPattern<ScatterElementsOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ScatterElementsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value indices = adaptor.getIndices();
    int64_t axis = op.getAxis();
    int64_t axisSize =
        cast<RankedTensorType>(adaptor.getData().getType()).getDimSize(axis);
    rewriter.replaceOp(
        op, buildScatter(rewriter, op.getLoc(), op, adaptor.getData(),
                         adaptor.getUpdates(),
                         [&](OpBuilder &b, Location l, ValueRange ivs) {
                           SmallVector<Value> coordinates(ivs);
                           coordinates[axis] = normalizeIndex(
                               b, l,
                               tensor::ExtractOp::create(b, l, indices, ivs),
                               axisSize);
                           return coordinates;
                         }));
    return success();
  }
};

struct ScatterNDLowering : OpConversionPattern<ScatterNDOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ScatterNDOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value indices = adaptor.getIndices();
    auto indicesType = cast<RankedTensorType>(indices.getType());
    ArrayRef<int64_t> dataShape =
        cast<RankedTensorType>(adaptor.getData().getType()).getShape();
    int64_t positions = indicesType.getRank() - 1;
    int64_t tupleSize = indicesType.getShape().back();
    rewriter.replaceOp(
        op,
        buildScatter(
            rewriter, op.getLoc(), op, adaptor.getData(), adaptor.getUpdates(),
            [&](OpBuilder &b, Location l, ValueRange ivs) {
              SmallVector<Value> coordinates = readIndexTuple(
                  b, l, indices, SmallVector<Value>(ivs.take_front(positions)),
                  dataShape, 0, tupleSize);
              llvm::append_range(coordinates, ivs.drop_front(positions));
              return coordinates;
            }));
    return success();
  }
};

} // namespace

void mlir::quill::lowering::populateIndexingPatterns(
    StorageTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ArgExtremumLowering<ArgMaxOp, true>,
               ArgExtremumLowering<ArgMinOp, false>, CumSumLowering,
               TopKLowering, GatherElementsLowering, GatherNDLowering,
               ScatterElementsLowering, ScatterNDLowering>(
      converter, patterns.getContext());
}
