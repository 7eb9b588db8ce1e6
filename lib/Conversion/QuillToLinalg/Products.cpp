//===- Products.cpp - What matmuls and convolutions share -----------------===//
//
// What matmuls and convolutions share: linalg products accumulating into an
// initial value, and the integer products' signed storage and zero-point
// corrections.
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

/// `value` broadcast to `shape` (a copy only when the shapes differ).
Value mlir::quill::lowering::broadcastTo(OpBuilder &b, Location loc,
                                         Value value, ArrayRef<int64_t> shape) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getShape() == shape)
    return value;
  return buildElementwise(
      b, loc, shape, type.getElementType(), value,
      [](OpBuilder &, Location, ValueRange args) { return args[0]; });
}

/// The product of `lhs` [B..., M, K] and `rhs` [B..., K, N] accumulated into
/// `init` [B..., M, N] (batch dimensions already equal).
Value mlir::quill::lowering::buildProduct(OpBuilder &b, Location loc, Value lhs,
                                          Value rhs, Value init) {
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  auto rhsType = cast<RankedTensorType>(rhs.getType());
  auto initType = cast<RankedTensorType>(init.getType());
  int64_t rank = initType.getRank();
  if (rank == 2)
    return linalg::MatmulOp::create(b, loc, TypeRange{initType},
                                    ValueRange{lhs, rhs}, ValueRange{init})
        .getResult(0);
  int64_t batch = 1;
  for (int64_t size : initType.getShape().drop_back(2))
    batch *= size;
  auto collapse = [&](Value value, RankedTensorType type) {
    return reshapeTo(
        b, loc, value,
        {batch, type.getDimSize(rank - 2), type.getDimSize(rank - 1)});
  };
  Value product =
      linalg::BatchMatmulOp::create(
          b, loc,
          TypeRange{cast<RankedTensorType>(collapse(init, initType).getType())},
          ValueRange{collapse(lhs, lhsType), collapse(rhs, rhsType)},
          ValueRange{collapse(init, initType)})
          .getResult(0);
  return reshapeTo(b, loc, product, initType.getShape());
}

/// Stored 8-bit values as signed ones: unsigned storage has its top bit
/// flipped (q - 128), so that every product is int8 x int8; the caller
/// shifts the zero point by 128 to match.
Value mlir::quill::lowering::toSignedStorage(OpBuilder &b, Location loc,
                                             Value stored, bool isUnsigned) {
  if (!isUnsigned)
    return stored;
  auto type = cast<RankedTensorType>(stored.getType());
  DenseIntElementsAttr constant;
  if (matchPattern(stored, m_Constant(&constant)))
    return arith::ConstantOp::create(
        b, loc, constant.mapValues(constant.getElementType(), [](APInt v) {
          return v ^ APInt(v.getBitWidth(), 0x80);
        }));
  return buildElementwise(
      b, loc, type.getShape(), type.getElementType(), stored,
      [](OpBuilder &nested, Location l, ValueRange args) -> Value {
        Value flip = arith::ConstantOp::create(
            nested, l, nested.getIntegerAttr(args[0].getType(), 0x80));
        return arith::XOrIOp::create(nested, l, args[0], flip);
      });
}

/// Sums the constant `values` over `axis` into `accumulator` integers, at
/// compile time.
static DenseElementsAttr foldSum(DenseIntElementsAttr values, int64_t axis,
                                 IntegerType accumulator) {
  auto type = cast<RankedTensorType>(values.getType());
  ArrayRef<int64_t> shape = type.getShape();
  int64_t inner = 1;
  for (int64_t dim = axis + 1; dim < type.getRank(); ++dim)
    inner *= shape[dim];
  int64_t extent = shape[axis];
  SmallVector<int64_t> sumShape(shape);
  sumShape.erase(sumShape.begin() + axis);
  SmallVector<int64_t> sums(type.getNumElements() /
                            std::max<int64_t>(extent, 1));
  int64_t index = 0;
  for (const APInt &value : values.getValues<APInt>()) {
    int64_t outer = index / (extent * inner), within = index % inner;
    sums[outer * inner + within] += value.getSExtValue();
    ++index;
  }
  SmallVector<APInt> bits;
  for (int64_t sum : sums)
    bits.emplace_back(accumulator.getWidth(), sum, /*isSigned=*/true,
                      /*implicitTrunc=*/true);
  return DenseElementsAttr::get(RankedTensorType::get(sumShape, accumulator),
                                bits);
}

/// Sums `matrix` over `axis` into `accumulator` integers; a constant's sum is
/// a constant.
Value mlir::quill::lowering::sumInto(OpBuilder &b, Location loc, Value matrix,
                                     int64_t axis, IntegerType accumulator) {
  DenseIntElementsAttr constant;
  if (matchPattern(matrix, m_Constant(&constant)))
    return arith::ConstantOp::create(b, loc,
                                     foldSum(constant, axis, accumulator));
  Value zero =
      arith::ConstantOp::create(b, loc, b.getIntegerAttr(accumulator, 0));
  return buildReduction(
      b, loc, matrix, {axis}, zero,
      [&](OpBuilder &nested, Location l, Value element, Value sum) -> Value {
        Value wide = arith::ExtSIOp::create(nested, l, accumulator, element);
        return arith::AddIOp::create(nested, l, sum, wide);
      });
}

/// Unsigned storage is shifted by -128 (toSignedStorage), and so are its
/// zero points.
ProductZeroPoints
mlir::quill::lowering::getProductZeroPoints(quant::UniformQuantizedType lhs,
                                            quant::QuantizedType rhs,
                                            int64_t columns) {
  constexpr int64_t signShift = 128;
  ProductZeroPoints zeroPoints;
  zeroPoints.lhs = lhs.getZeroPoint() - (lhs.isSigned() ? 0 : signShift);
  if (auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(rhs))
    for (int64_t zeroPoint : perAxis.getZeroPoints())
      zeroPoints.rhs.push_back(zeroPoint);
  else
    zeroPoints.rhs.assign(
        columns, cast<quant::UniformQuantizedType>(rhs).getZeroPoint());
  if (!rhs.isSigned())
    for (int32_t &zeroPoint : zeroPoints.rhs)
      zeroPoint -= signShift;
  return zeroPoints;
}

/// sum_k (a - za)(b - zb[n]) = sum_k a*b - za * colsum(b)[n]
///   - zb[n] * rowsum(a)[..., m] + K * za * zb[n]: the terms of the zero
/// points that are not 0 subtracted from the int8 x int8 -> int32 (or
/// int64) `product` [B..., M, N]. `columnSums` (colsum(b), [B..., N]) and
/// `rowSums` (rowsum(a), [B..., M]), in the product's type, are built only
/// when needed.
Value mlir::quill::lowering::subtractZeroPointTerms(
    OpBuilder &b, Location loc, Value product, int64_t depth,
    const ProductZeroPoints &zeroPoints, function_ref<Value()> columnSums,
    function_ref<Value()> rowSums) {
  bool rhsHasZeroPoints = zeroPoints.rhsHasNonZero();
  if (zeroPoints.lhs == 0 && !rhsHasZeroPoints)
    return product;
  MLIRContext *context = b.getContext();
  auto productType = cast<RankedTensorType>(product.getType());
  int64_t rank = productType.getRank();
  auto accumulator = cast<IntegerType>(productType.getElementType());
  SmallVector<Value> inputs = {product};
  SmallVector<AffineMap> maps = {
      AffineMap::getMultiDimIdentityMap(rank, context)};
  SmallVector<AffineExpr> batchAndColumn, batchAndRow;
  for (int64_t dim = 0; dim < rank - 2; ++dim) {
    batchAndColumn.push_back(getAffineDimExpr(dim, context));
    batchAndRow.push_back(getAffineDimExpr(dim, context));
  }
  batchAndColumn.push_back(getAffineDimExpr(rank - 1, context));
  batchAndRow.push_back(getAffineDimExpr(rank - 2, context));
  if (zeroPoints.lhs != 0) {
    inputs.push_back(columnSums());
    maps.push_back(AffineMap::get(rank, 0, batchAndColumn, context));
  }
  if (rhsHasZeroPoints) {
    inputs.push_back(rowSums());
    maps.push_back(AffineMap::get(rank, 0, batchAndRow, context));
    inputs.push_back(zeroPoints.buildRhsConstant(b, loc, accumulator));
    maps.push_back(
        AffineMap::get(rank, 0, getAffineDimExpr(rank - 1, context)));
  }
  int64_t lhsZeroPoint = zeroPoints.lhs;
  return buildMapped(
      b, loc, productType.getShape(), accumulator, inputs, maps,
      [&](OpBuilder &nested, Location l, ValueRange args) -> Value {
        auto constant = [&](int64_t value) -> Value {
          return arith::ConstantOp::create(
              nested, l, nested.getIntegerAttr(accumulator, value));
        };
        Value result = args[0];
        unsigned next = 1;
        if (lhsZeroPoint != 0) {
          Value term = arith::MulIOp::create(nested, l, args[next++],
                                             constant(lhsZeroPoint));
          result = arith::SubIOp::create(nested, l, result, term);
        }
        if (rhsHasZeroPoints) {
          Value rowSum = args[next++], rhsZeroPoint = args[next++];
          Value term = arith::MulIOp::create(nested, l, rowSum, rhsZeroPoint);
          result = arith::SubIOp::create(nested, l, result, term);
          Value both = arith::MulIOp::create(nested, l, rhsZeroPoint,
                                             constant(depth * lhsZeroPoint));
          result = arith::AddIOp::create(nested, l, result, both);
        }
        return result;
      });
}
