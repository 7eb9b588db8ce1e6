//===- IntegerContraction.h - Products on stored 8-bit values ---*- C++ -*-===//
//
// A MatMul, Gemm, Conv or ConvTranspose on dequantized 8-bit operands as an
// integer product: matching it, and building its accumulator (int32, or
// int64 when a bound on its values says int32 could overflow) with the
// weights rearranged and the bias requantized at compile time. Internal to
// lib/Quantization (quill-qdq-to-integer).
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_LIB_QUANTIZATION_INTEGERCONTRACTION_H
#define QUILL_LIB_QUANTIZATION_INTEGERCONTRACTION_H

#include "quill/Dialect/Quill/IR/Quill.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/PatternMatch.h"

#include <optional>

namespace mlir::quill {

/// A MatMul, Gemm, Conv or ConvTranspose on dequantized 8-bit operands,
/// ready to be computed as an int8 product into int32.
struct IntegerContraction {
  Operation *producer;
  Value lhs, rhs;
  /// Whether the constant `rhs` is rearranged at compile time into the
  /// layout the integer op reads: Gemm's transposed B, or a ConvTranspose's
  /// flipped kernels (getProductWeight).
  bool rearrangeRhs;
  quant::UniformQuantizedType lhsElement;
  /// Per output channel of the product (one entry when per tensor).
  SmallVector<double> rhsScales;
  /// The bias in int32 at scale `sa * sb`, if there is one.
  std::optional<DenseElementsAttr> bias;
};

/// Matches `producer` (creating nothing) when its product has an exact
/// integer form.
FailureOr<IntegerContraction> matchIntegerContraction(Operation *producer);

/// The accumulator of `contraction`, bias included, in `resultType`'s shape:
/// int32 when the bound proves that int32 holds every value it can take,
/// int64 otherwise (with a remark saying why).
Value buildAccumulator(PatternRewriter &rewriter, Location loc,
                       const IntegerContraction &contraction,
                       RankedTensorType resultType);

/// The axis of a product's result that its output channels run along: a
/// convolution's filters, a matrix product's columns.
int64_t getChannelAxis(Operation *producer);

/// The type of a per-channel operand of `producer`'s result (`count` values,
/// one or one per channel), broadcast along the axes after the channel axis.
RankedTensorType getChannelOperandType(Operation *producer,
                                       RankedTensorType resultType,
                                       int64_t count, Type element);

} // namespace mlir::quill

#endif // QUILL_LIB_QUANTIZATION_INTEGERCONTRACTION_H
