//===- IntegerForms.h - Pieces of the integer rewrites ----------*- C++ -*-===//
//
// What quill-qdq-to-integer and quill-dyadic share: reading the quantized
// value behind a dequantize, building requantizations on stored integers,
// and folding a ReLU into a clamp. Internal to lib/Transforms.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_LIB_TRANSFORMS_INTEGERFORMS_H
#define QUILL_LIB_TRANSFORMS_INTEGERFORMS_H

#include "quill/Dialect/Quill/IR/Quill.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/PatternMatch.h"

#include <optional>

namespace mlir::quill {

/// The quantized value a dequantize reads, when its type is 8-bit uniform
/// per tensor (or per axis, if allowed).
Value getDequantizedInput(Value floatValue, bool allowPerAxis);

/// The 8-bit per-tensor type of a quantize's result, or null.
quant::UniformQuantizedType getPerTensorType(QuantizeOp op);

/// The signless storage tensor type of a quantized tensor type.
RankedTensorType getStorageTensorType(RankedTensorType type);

/// A quantized value as its storage integers.
Value toStorage(PatternRewriter &rewriter, Location loc, Value quantized);

/// A quill.requantize of the stored integers `input` into `storageType`,
/// one factor per element of `factors` along `axis` (or one for the whole
/// tensor), with the clamp starting at `clampMin` when given; failure when
/// a factor has no dyadic form.
FailureOr<Value>
buildStorageRequantize(PatternRewriter &rewriter, Location loc, Value input,
                       int64_t inputZeroPoint, bool inputUnsigned,
                       ArrayRef<double> factors, int64_t axis,
                       RankedTensorType storageType, int64_t outputZeroPoint,
                       bool outputUnsigned, std::optional<int64_t> clampMin);

/// buildStorageRequantize into `resultType` (quantized with `resultElement`),
/// cast back to it.
FailureOr<Value> buildRequantize(PatternRewriter &rewriter, Location loc,
                                 Value input, int64_t inputZeroPoint,
                                 bool inputUnsigned, ArrayRef<double> factors,
                                 int64_t axis,
                                 quant::UniformQuantizedType resultElement,
                                 RankedTensorType resultType,
                                 std::optional<int64_t> clampMin);

/// The per-tensor quantized value `quantized` times `factor` (times its
/// scale), requantized to `resultType`: a change of scale on stored values.
FailureOr<Value> buildRescale(PatternRewriter &rewriter, Location loc,
                              Value quantized, double factor,
                              quant::UniformQuantizedType resultElement,
                              RankedTensorType resultType,
                              std::optional<int64_t> clampMin);

/// What a quantize to an 8-bit per-tensor type reads, looking through a
/// ReLU whose only user it is, and the lower clamp that ReLU imposes (the
/// output zero point).
struct QuantizedResult {
  quant::UniformQuantizedType type;
  Value input;
  std::optional<int64_t> clampMin;
};

/// Fails when `op`'s type is not 8-bit per tensor or a ReLU it reads has
/// other users.
FailureOr<QuantizedResult> matchQuantizedResult(QuantizeOp op);

/// quill-qdq-to-integer's patterns (quill-dyadic runs them too).
void populateQDQToIntegerPatterns(RewritePatternSet &patterns);

} // namespace mlir::quill

#endif // QUILL_LIB_TRANSFORMS_INTEGERFORMS_H
