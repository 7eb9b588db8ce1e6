//===- MatMul.cpp - Lowering of matmul and gemm ---------------------------===//
//
// Matrix products become linalg.matmul / linalg.batch_matmul accumulating
// into their bias, so that bias addition costs nothing. Quantized matrix
// products are int8 x int8 -> int32 linalg.matmuls (unsigned operands
// shifted by 128) with the zero points' terms subtracted after.
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

/// The operands of a numpy matmul in the form linalg's products take:
/// `lhs` [B..., M, K] and `rhs` [B..., K, N] with equal batch dimensions
/// (broadcast copies where they differ), or, when `rhs` is one matrix, all
/// rows of `lhs` stacked into one [rows, K] matrix.
struct MatMulOperands {
  Value lhs, rhs;
  SmallVector<int64_t> productShape;
};

MatMulOperands prepareMatMulOperands(OpBuilder &b, Location loc, Value lhs,
                                     Value rhs) {
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  auto rhsType = cast<RankedTensorType>(rhs.getType());
  // Vectors become a row and a column.
  if (lhsType.getRank() == 1)
    lhs = reshapeTo(b, loc, lhs, {1, lhsType.getDimSize(0)});
  if (rhsType.getRank() == 1)
    rhs = reshapeTo(b, loc, rhs, {rhsType.getDimSize(0), 1});
  lhsType = cast<RankedTensorType>(lhs.getType());
  rhsType = cast<RankedTensorType>(rhs.getType());
  int64_t m = lhsType.getDimSize(lhsType.getRank() - 2);
  int64_t k = lhsType.getDimSize(lhsType.getRank() - 1);
  int64_t n = rhsType.getDimSize(rhsType.getRank() - 1);
  if (rhsType.getRank() == 2) {
    // A stack of rows times one matrix is one taller matrix product.
    int64_t rows = lhsType.getNumElements() / k;
    return {reshapeTo(b, loc, lhs, {rows, k}), rhs, {rows, n}};
  }
  SmallVector<int64_t> batchShape;
  int64_t batchRank = std::max(lhsType.getRank(), rhsType.getRank()) - 2;
  for (int64_t dim = 0; dim < batchRank; ++dim) {
    auto sizeOf = [&](RankedTensorType type) -> int64_t {
      int64_t index = dim - (batchRank - (type.getRank() - 2));
      return index < 0 ? 1 : type.getDimSize(index);
    };
    batchShape.push_back(std::max(sizeOf(lhsType), sizeOf(rhsType)));
  }
  SmallVector<int64_t> lhsShape(batchShape), rhsShape(batchShape),
      productShape(batchShape);
  lhsShape.append({m, k});
  rhsShape.append({k, n});
  productShape.append({m, n});
  return {broadcastTo(b, loc, lhs, lhsShape),
          broadcastTo(b, loc, rhs, rhsShape), productShape};
}

struct MatMulLowering : OpConversionPattern<MatMulOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(MatMulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = getConvertedResultType(*getTypeConverter(), op);
    MatMulOperands operands = prepareMatMulOperands(
        rewriter, loc, adaptor.getLhs(), adaptor.getRhs());
    Value zero =
        ScalarMath{rewriter, loc}.constant(resultType.getElementType(), 0.0);
    Value init = createFilled(rewriter, loc, operands.productShape, zero);
    Value result =
        buildProduct(rewriter, loc, operands.lhs, operands.rhs, init);
    rewriter.replaceOp(op,
                       reshapeTo(rewriter, loc, result, resultType.getShape()));
    return success();
  }
};

/// An int8 x int8 -> int32 product (the packed integer GEMM; int64, a plain
/// loop nest, when the op is widened) and the correction for the zero
/// points.
struct QuantizedMatMulLowering : OpConversionPattern<QuantizedMatMulOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(QuantizedMatMulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = op.getType();
    auto lhsElement = cast<quant::UniformQuantizedType>(
        op.getLhs().getType().getElementType());
    auto rhsElement =
        cast<quant::QuantizedType>(op.getRhs().getType().getElementType());
    ProductZeroPoints zeroPoints =
        getProductZeroPoints(lhsElement, rhsElement,
                             resultType.getDimSize(resultType.getRank() - 1));

    Value lhs = toSignedStorage(rewriter, loc, adaptor.getLhs(),
                                !lhsElement.isSigned());
    Value rhs = toSignedStorage(rewriter, loc, adaptor.getRhs(),
                                !rhsElement.isSigned());
    MatMulOperands operands = prepareMatMulOperands(rewriter, loc, lhs, rhs);
    auto accumulator = cast<IntegerType>(resultType.getElementType());
    Value zero = arith::ConstantOp::create(
        rewriter, loc, rewriter.getIntegerAttr(accumulator, 0));
    Value init = createFilled(rewriter, loc, operands.productShape, zero);
    Value product =
        buildProduct(rewriter, loc, operands.lhs, operands.rhs, init);
    int64_t rank = operands.productShape.size();
    int64_t depth =
        cast<RankedTensorType>(operands.lhs.getType()).getDimSize(rank - 1);
    product = subtractZeroPointTerms(
        rewriter, loc, product, depth, zeroPoints,
        [&] {
          return sumInto(rewriter, loc, operands.rhs, rank - 2, accumulator);
        },
        [&] {
          return sumInto(rewriter, loc, operands.lhs, rank - 1, accumulator);
        });
    rewriter.replaceOp(
        op, reshapeTo(rewriter, loc, product, resultType.getShape()));
    return success();
  }
};

struct GemmLowering : OpConversionPattern<GemmOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(GemmOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    auto resultType = getConvertedResultType(*getTypeConverter(), op);
    Type elementType = resultType.getElementType();
    ArrayRef<int64_t> shape = resultType.getShape();
    ScalarMath math{rewriter, loc};
    double alpha = op.getAlpha().convertToDouble();
    double beta = op.getBeta().convertToDouble();

    // The bias, scaled by beta, is the accumulator's initial value when
    // alpha is 1; otherwise the product is scaled afterwards.
    Value init =
        createFilled(rewriter, loc, shape, math.constant(elementType, 0.0));
    Value bias = adaptor.getC();
    if (bias && alpha == 1.0) {
      init = buildElementwise(
          rewriter, loc, shape, elementType, bias,
          [&](OpBuilder &b, Location l, ValueRange args) {
            ScalarMath inner{b, l};
            return beta == 1.0
                       ? args[0]
                       : inner.mul(args[0], inner.constant(elementType, beta));
          });
    }
    AffineExpr m, n, k;
    bindDims(context, m, n, k);
    auto matmul = linalg::MatmulOp::create(
        rewriter, loc, TypeRange{init.getType()},
        ValueRange{adaptor.getA(), adaptor.getB()}, ValueRange{init});
    if (op.getTransA() || op.getTransB()) {
      SmallVector<AffineMap> maps = {
          AffineMap::get(3, 0,
                         op.getTransA() ? ArrayRef<AffineExpr>{k, m}
                                        : ArrayRef<AffineExpr>{m, k},
                         context),
          AffineMap::get(3, 0,
                         op.getTransB() ? ArrayRef<AffineExpr>{n, k}
                                        : ArrayRef<AffineExpr>{k, n},
                         context),
          AffineMap::get(3, 0, {m, n}, context)};
      matmul.setIndexingMapsAttr(rewriter.getAffineMapArrayAttr(maps));
    }
    Value result = matmul.getResult(0);
    if (alpha != 1.0) {
      SmallVector<Value> operands = {result};
      if (bias)
        operands.push_back(bias);
      result = buildElementwise(
          rewriter, loc, shape, elementType, operands,
          [&](OpBuilder &b, Location l, ValueRange args) {
            ScalarMath inner{b, l};
            Value scaled =
                inner.mul(args[0], inner.constant(elementType, alpha));
            if (args.size() == 1)
              return scaled;
            return inner.add(
                scaled, inner.mul(args[1], inner.constant(elementType, beta)));
          });
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void mlir::quill::lowering::populateMatMulPatterns(
    StorageTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<MatMulLowering, QuantizedMatMulLowering, GemmLowering>(
      converter, patterns.getContext());
}
