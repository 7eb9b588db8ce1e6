//===- DataMovement.cpp - Lowering of shape and data movement ops ---------===//
//
// Reshape, Transpose, Concat, Expand, Gather, Slice, Pad and StorageCast:
// tensor reshapes and slices where they are views, linalg.transpose, and
// linalg.generic with computed indices (tensor.extract) for gathers and the
// reflecting pad modes.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"

#include "quill/Dialect/Quill/IR/Quill.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::quill;
using namespace mlir::quill::lowering;

namespace {

struct ReshapeLowering : OpConversionPattern<ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ReshapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, reshapeTo(rewriter, op.getLoc(), adaptor.getInput(),
                                     op.getResult().getType().getShape()));
    return success();
  }
};

/// A storage cast changes only the element type's interpretation, which the
/// storage types no longer carry.
struct StorageCastLowering : OpConversionPattern<StorageCastOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(StorageCastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType resultType =
        getConvertedResultType(*getTypeConverter(), op);
    if (adaptor.getInput().getType() != resultType)
      return rewriter.notifyMatchFailure(op, "storage widths differ");
    rewriter.replaceOp(op, adaptor.getInput());
    return success();
  }
};

struct TransposeLowering : OpConversionPattern<TransposeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(TransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType resultType =
        getConvertedResultType(*getTypeConverter(), op);
    Value init = createEmpty(rewriter, op.getLoc(), resultType.getShape(),
                             resultType.getElementType());
    rewriter.replaceOp(op, linalg::TransposeOp::create(rewriter, op.getLoc(),
                                                       adaptor.getInput(), init,
                                                       op.getPermutation())
                               ->getResults());
    return success();
  }
};

struct ConcatLowering : OpConversionPattern<ConcatOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ConcatOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType =
        getConvertedResultType(*getTypeConverter(), op);
    int64_t axis = op.getAxis();
    Value result = createEmpty(rewriter, loc, resultType.getShape(),
                               resultType.getElementType());
    SmallVector<int64_t> offsets(resultType.getRank(), 0);
    SmallVector<int64_t> strides(resultType.getRank(), 1);
    for (Value input : adaptor.getInputs()) {
      auto inputType = cast<RankedTensorType>(input.getType());
      if (inputType.getDimSize(axis) == 0)
        continue;
      result = tensor::InsertSliceOp::create(
          rewriter, loc, input, result, ValueRange{}, ValueRange{},
          ValueRange{}, offsets, inputType.getShape(), strides);
      offsets[axis] += inputType.getDimSize(axis);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct ExpandLowering : OpConversionPattern<ExpandOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ExpandOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType resultType =
        getConvertedResultType(*getTypeConverter(), op);
    rewriter.replaceOp(
        op, buildElementwise(rewriter, op.getLoc(), resultType.getShape(),
                             resultType.getElementType(), adaptor.getInput(),
                             [](OpBuilder &, Location, ValueRange args) {
                               return args[0];
                             }));
    return success();
  }
};

struct GatherLowering : OpConversionPattern<GatherOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(GatherOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    RankedTensorType resultType =
        getConvertedResultType(*getTypeConverter(), op);
    auto dataType = cast<RankedTensorType>(adaptor.getData().getType());
    auto indicesType = cast<RankedTensorType>(adaptor.getIndices().getType());
    int64_t axis = op.getAxis();
    int64_t indicesRank = indicesType.getRank();
    int64_t rank = resultType.getRank();
    SmallVector<AffineExpr> indexExprs;
    for (int64_t dim = 0; dim < indicesRank; ++dim)
      indexExprs.push_back(getAffineDimExpr(axis + dim, context));
    Value data = adaptor.getData();
    Value gathered = buildMapped(
        rewriter, loc, resultType.getShape(), resultType.getElementType(),
        adaptor.getIndices(), AffineMap::get(rank, 0, indexExprs, context),
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          SmallVector<Value> coordinates;
          for (int64_t dim = 0; dim < axis; ++dim)
            coordinates.push_back(linalg::IndexOp::create(b, l, dim));
          coordinates.push_back(
              normalizeIndex(b, l, args[0], dataType.getDimSize(axis)));
          for (int64_t dim = axis + 1; dim < dataType.getRank(); ++dim)
            coordinates.push_back(
                linalg::IndexOp::create(b, l, dim - 1 + indicesRank));
          return tensor::ExtractOp::create(b, l, data, coordinates);
        });
    rewriter.replaceOp(op, gathered);
    return success();
  }
};

struct SliceLowering : OpConversionPattern<SliceOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(SliceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    RankedTensorType resultType =
        getConvertedResultType(*getTypeConverter(), op);
    ArrayRef<int64_t> starts = op.getStarts();
    ArrayRef<int64_t> steps = op.getSteps();
    // An empty slice may start at the end, which a slice op rejects.
    if (resultType.getNumElements() == 0) {
      rewriter.replaceOp(op, createEmpty(rewriter, loc, resultType.getShape(),
                                         resultType.getElementType()));
      return success();
    }
    if (llvm::all_of(steps, [](int64_t step) { return step > 0; })) {
      rewriter.replaceOpWithNewOp<tensor::ExtractSliceOp>(
          op, resultType, adaptor.getInput(), ValueRange{}, ValueRange{},
          ValueRange{}, starts, resultType.getShape(), steps);
      return success();
    }
    // Negative steps walk backwards, which a slice cannot express.
    int64_t rank = resultType.getRank();
    SmallVector<AffineExpr> exprs;
    for (int64_t dim = 0; dim < rank; ++dim)
      exprs.push_back(getAffineDimExpr(dim, context) * steps[dim] +
                      starts[dim]);
    rewriter.replaceOp(
        op, gatherThroughMap(rewriter, loc, resultType.getShape(),
                             adaptor.getInput(),
                             AffineMap::get(rank, 0, exprs, context)));
    return success();
  }
};

/// The source index of output index `index` for reflect and edge padding.
Value paddedSourceIndex(OpBuilder &b, Location loc, Value index,
                        int64_t padBegin, int64_t size, PadMode mode) {
  Value last = arith::ConstantIndexOp::create(b, loc, size - 1);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value shifted = arith::SubIOp::create(
      b, loc, index, arith::ConstantIndexOp::create(b, loc, padBegin));
  if (mode == PadMode::Edge)
    return arith::MinSIOp::create(
        b, loc, arith::MaxSIOp::create(b, loc, shifted, zero), last);
  // Reflect without repeating the edge: the index folds into [0, 2*(size-1))
  // periodically, then mirrors its upper half.
  if (size == 1)
    return zero;
  Value period = arith::ConstantIndexOp::create(b, loc, 2 * (size - 1));
  Value folded = arith::RemSIOp::create(b, loc, shifted, period);
  Value negative =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, folded, zero);
  folded = arith::SelectOp::create(
      b, loc, negative, arith::AddIOp::create(b, loc, folded, period), folded);
  Value mirrored = arith::SubIOp::create(b, loc, period, folded);
  return arith::MinSIOp::create(b, loc, folded, mirrored);
}

struct PadLowering : OpConversionPattern<PadOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(PadOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType =
        getConvertedResultType(*getTypeConverter(), op);
    Value input = adaptor.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    int64_t rank = inputType.getRank();
    ArrayRef<int64_t> pads = op.getPads();

    // Negative pads crop first.
    SmallVector<int64_t> cropOffsets(rank, 0), croppedShape, padLow, padHigh;
    for (int64_t dim = 0; dim < rank; ++dim) {
      int64_t low = pads[dim], high = pads[rank + dim];
      cropOffsets[dim] = std::max<int64_t>(0, -low);
      croppedShape.push_back(inputType.getDimSize(dim) -
                             std::max<int64_t>(0, -low) -
                             std::max<int64_t>(0, -high));
      padLow.push_back(std::max<int64_t>(0, low));
      padHigh.push_back(std::max<int64_t>(0, high));
    }
    if (croppedShape != inputType.getShape())
      input = tensor::ExtractSliceOp::create(
          rewriter, loc, inputType.clone(croppedShape), input, ValueRange{},
          ValueRange{}, ValueRange{}, cropOffsets, croppedShape,
          SmallVector<int64_t>(rank, 1));

    if (op.getMode() == PadMode::Constant) {
      Value padValue;
      if (Value value = adaptor.getValue()) {
        auto valueType = cast<RankedTensorType>(value.getType());
        SmallVector<Value> zeros(
            valueType.getRank(),
            arith::ConstantIndexOp::create(rewriter, loc, 0));
        padValue = tensor::ExtractOp::create(rewriter, loc, value, zeros);
      } else {
        padValue = ScalarMath{rewriter, loc}.constant(
            resultType.getElementType(), 0.0);
      }
      SmallVector<OpFoldResult> low =
          getAsIndexOpFoldResult(rewriter.getContext(), padLow);
      SmallVector<OpFoldResult> high =
          getAsIndexOpFoldResult(rewriter.getContext(), padHigh);
      rewriter.replaceOpWithNewOp<tensor::PadOp>(op, resultType, input, low,
                                                 high, padValue);
      return success();
    }

    PadMode mode = op.getMode();
    Value padded = buildMapped(
        rewriter, loc, resultType.getShape(), resultType.getElementType(),
        ValueRange{}, {}, [&](OpBuilder &b, Location l, ValueRange) -> Value {
          SmallVector<Value> coordinates;
          for (int64_t dim = 0; dim < rank; ++dim)
            coordinates.push_back(
                paddedSourceIndex(b, l, linalg::IndexOp::create(b, l, dim),
                                  padLow[dim], croppedShape[dim], mode));
          return tensor::ExtractOp::create(b, l, input, coordinates);
        });
    rewriter.replaceOp(op, padded);
    return success();
  }
};

} // namespace

void mlir::quill::lowering::populateDataMovementPatterns(
    StorageTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ReshapeLowering, StorageCastLowering, TransposeLowering,
               ConcatLowering, ExpandLowering, GatherLowering, SliceLowering,
               PadLowering>(converter, patterns.getContext());
}
