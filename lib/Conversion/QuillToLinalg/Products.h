//===- Products.h - Building blocks of matrix products ---------*- C++ -*-===//
//
// Shared by the matmul and the convolution lowerings.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_CONVERSION_QUILLTOLINALG_PRODUCTS_H
#define QUILL_CONVERSION_QUILLTOLINALG_PRODUCTS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/Builders.h"

namespace mlir::quill::lowering {

/// `value` broadcast to `shape` (a copy only when the shapes differ).
Value broadcastTo(OpBuilder &b, Location loc, Value value,
                  ArrayRef<int64_t> shape);

/// The product of `lhs` [B..., M, K] and `rhs` [B..., K, N] accumulated into
/// `init` [B..., M, N] (batch dimensions already equal).
Value buildProduct(OpBuilder &b, Location loc, Value lhs, Value rhs,
                   Value init);

/// Stored 8-bit values as signed ones: unsigned storage has its top bit
/// flipped (q - 128), so that every product is int8 x int8; the caller
/// shifts the zero point by 128 to match.
Value toSignedStorage(OpBuilder &b, Location loc, Value stored,
                      bool isUnsigned);

/// Sums `matrix` over `axis` into `accumulator` integers; a constant's sum is
/// a constant.
Value sumInto(OpBuilder &b, Location loc, Value matrix, int64_t axis,
              IntegerType accumulator);

/// The zero points of an int8 product once both operands are signed
/// storage (toSignedStorage): `lhs`'s, and `rhs`'s per column.
struct ProductZeroPoints {
  int64_t lhs;
  SmallVector<int32_t> rhs;

  bool rhsHasNonZero() const {
    return llvm::any_of(rhs, [](int32_t zeroPoint) { return zeroPoint != 0; });
  }

  /// `rhs` as a constant of `accumulator` integers, one per channel.
  Value buildRhsConstant(OpBuilder &b, Location loc,
                         IntegerType accumulator) const {
    SmallVector<APInt> values;
    for (int32_t zeroPoint : rhs)
      values.emplace_back(accumulator.getWidth(), zeroPoint,
                          /*isSigned=*/true);
    return arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(
            RankedTensorType::get({int64_t(rhs.size())}, accumulator), values));
  }
};

/// Unsigned storage is shifted by -128 (toSignedStorage), and so are its
/// zero points.
ProductZeroPoints getProductZeroPoints(quant::UniformQuantizedType lhs,
                                       quant::QuantizedType rhs,
                                       int64_t columns);

/// sum_k (a - za)(b - zb[n]) = sum_k a*b - za * colsum(b)[n]
///   - zb[n] * rowsum(a)[..., m] + K * za * zb[n]: the terms of the zero
/// points that are not 0 subtracted from the int8 x int8 -> int32 (or
/// int64) `product` [B..., M, N]. `columnSums` (colsum(b), [B..., N]) and
/// `rowSums` (rowsum(a), [B..., M]), in the product's type, are built only
/// when needed.
Value subtractZeroPointTerms(OpBuilder &b, Location loc, Value product,
                             int64_t depth, const ProductZeroPoints &zeroPoints,
                             function_ref<Value()> columnSums,
                             function_ref<Value()> rowSums);

} // namespace mlir::quill::lowering

#endif // QUILL_CONVERSION_QUILLTOLINALG_PRODUCTS_H
