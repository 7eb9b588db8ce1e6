//===- Pooling.cpp - Lowering of MaxPool and AveragePool ------------------===//
//
// A linalg.generic over [N, C, O..., K...] reading the padded input at
// `o * stride + k * dilation`; a kernel-shaped empty tensor gives the window
// loops their bounds. Average pooling then divides by the number of
// elements each window covers, computed from the output position.
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

/// Number of `k` in [0, kernel) with `low <= start + k * dilation < high`.
Value countTaps(OpBuilder &b, Location loc, Value start, int64_t kernel,
                int64_t dilation, int64_t low, int64_t high) {
  auto constant = [&](int64_t value) {
    return arith::ConstantIndexOp::create(b, loc, value);
  };
  Value d = constant(dilation);
  Value first = arith::CeilDivSIOp::create(
      b, loc, arith::SubIOp::create(b, loc, constant(low), start), d);
  first = arith::MaxSIOp::create(b, loc, first, constant(0));
  Value end = arith::CeilDivSIOp::create(
      b, loc, arith::SubIOp::create(b, loc, constant(high), start), d);
  end = arith::MinSIOp::create(b, loc, end, constant(kernel));
  Value count = arith::SubIOp::create(b, loc, end, first);
  return arith::MaxSIOp::create(b, loc, count, constant(0));
}

template <typename OpTy, bool isMax>
struct PoolLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    auto resultType = getConvertedResultType(*this->getTypeConverter(), op);
    Value input = adaptor.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    Type elementType = inputType.getElementType();
    bool isUnsigned = hasUnsignedElements(op.getInput().getType());
    int64_t rank = inputType.getRank();
    int64_t spatial = rank - 2;
    ArrayRef<int64_t> kernel = op.getKernelShape();
    ArrayRef<int64_t> strides = op.getStrides();
    ArrayRef<int64_t> dilations = op.getDilations();
    ArrayRef<int64_t> pads = op.getPads();

    // Pad so that every window, including ceil mode's last ones, reads
    // inside the tensor; padded elements never win a max and are not
    // counted by an average unless the op says so.
    SmallVector<int64_t> low(rank, 0), high(rank, 0);
    SmallVector<int64_t> paddedShape(inputType.getShape());
    for (int64_t axis = 0; axis < spatial; ++axis) {
      int64_t size = inputType.getDimSize(axis + 2);
      int64_t reach = (resultType.getDimSize(axis + 2) - 1) * strides[axis] +
                      (kernel[axis] - 1) * dilations[axis] + 1;
      low[axis + 2] = pads[axis];
      high[axis + 2] =
          std::max(pads[spatial + axis], reach - size - pads[axis]);
      paddedShape[axis + 2] += low[axis + 2] + high[axis + 2];
    }
    ScalarMath math{rewriter, loc, isUnsigned};
    Value padValue = isMax ? lowestValue(rewriter, loc, elementType, isUnsigned)
                           : math.constant(elementType, 0.0);
    Value padded = input;
    if (llvm::any_of(low, [](int64_t v) { return v != 0; }) ||
        llvm::any_of(high, [](int64_t v) { return v != 0; }))
      padded = tensor::PadOp::create(
          rewriter, loc, inputType.clone(paddedShape), input,
          getAsIndexOpFoldResult(context, low),
          getAsIndexOpFoldResult(context, high), padValue);

    int64_t loops = rank + spatial;
    auto dim = [&](int64_t index) { return getAffineDimExpr(index, context); };
    SmallVector<AffineExpr> inputExprs = {dim(0), dim(1)};
    SmallVector<AffineExpr> windowExprs;
    for (int64_t axis = 0; axis < spatial; ++axis) {
      inputExprs.push_back(dim(2 + axis) * strides[axis] +
                           dim(rank + axis) * dilations[axis]);
      windowExprs.push_back(dim(rank + axis));
    }
    // The output reads the leading loops: n, c, o...
    SmallVector<AffineExpr> outputExprs;
    for (int64_t index = 0; index < rank; ++index)
      outputExprs.push_back(dim(index));
    SmallVector<AffineMap> maps = {
        AffineMap::get(loops, 0, inputExprs, context),
        AffineMap::get(loops, 0, windowExprs, context),
        AffineMap::get(loops, 0, outputExprs, context)};
    SmallVector<utils::IteratorType> iterators(loops,
                                               utils::IteratorType::parallel);
    for (int64_t index = rank; index < loops; ++index)
      iterators[index] = utils::IteratorType::reduction;
    Value window = createEmpty(rewriter, loc, kernel, elementType);
    Value init = createFilled(rewriter, loc, resultType.getShape(), padValue);
    Value pooled =
        linalg::GenericOp::create(
            rewriter, loc, init.getType(), ValueRange{padded, window}, init,
            maps, iterators,
            [&](OpBuilder &b, Location l, ValueRange args) {
              ScalarMath inner{b, l, isUnsigned};
              linalg::YieldOp::create(b, l,
                                      isMax ? inner.max(args[0], args[2])
                                            : inner.add(args[0], args[2]));
            })
            .getResult(0);
    if constexpr (!isMax) {
      bool includePad = op.getCountIncludePad();
      pooled = buildMapped(
          rewriter, loc, resultType.getShape(), elementType, pooled,
          AffineMap::getMultiDimIdentityMap(rank, context),
          [&](OpBuilder &b, Location l, ValueRange args) {
            Value count = arith::ConstantIndexOp::create(b, l, 1);
            for (int64_t axis = 0; axis < spatial; ++axis) {
              Value start = arith::MulIOp::create(
                  b, l, linalg::IndexOp::create(b, l, axis + 2),
                  arith::ConstantIndexOp::create(b, l, strides[axis]));
              int64_t size = inputType.getDimSize(axis + 2);
              int64_t lowBound = includePad ? 0 : pads[axis];
              int64_t highBound = includePad
                                      ? size + pads[axis] + pads[spatial + axis]
                                      : size + pads[axis];
              count = arith::MulIOp::create(b, l, count,
                                            countTaps(b, l, start, kernel[axis],
                                                      dilations[axis], lowBound,
                                                      highBound));
            }
            ScalarMath inner{b, l, isUnsigned};
            Value countInt =
                arith::IndexCastOp::create(b, l, b.getI64Type(), count);
            Value divisor = inner.convert(countInt, elementType, false);
            return inner.div(args[0], divisor);
          });
    }
    rewriter.replaceOp(op, pooled);
    return success();
  }
};

} // namespace

void mlir::quill::lowering::populatePoolingPatterns(
    StorageTypeConverter &converter, RewritePatternSet &patterns) {
  patterns
      .add<PoolLowering<MaxPoolOp, true>, PoolLowering<AveragePoolOp, false>>(
          converter, patterns.getContext());
}
