//===- IntegerForms.h - Pieces of the integer rewrites ----------*- C++ -*-===//
//
// What quill-qdq-to-integer and quill-dyadic share: reading the quantized
// value behind a dequantize, building requantizations on stored integers,
// and folding a ReLU into a clamp. Internal to lib/Quantization.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_LIB_QUANTIZATION_INTEGERFORMS_H
#define QUILL_LIB_QUANTIZATION_INTEGERFORMS_H

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

/// Bounds on stored results narrower than their storage range: a ReLU's or
/// a Clip's, folded into a requantization.
struct StorageClamp {
  std::optional<int64_t> min, max;

  bool empty() const { return !min && !max; }
};

/// A quill.requantize of the stored integers `input` into `storageType`,
/// one factor per element of `factors` along `axis` (or one for the whole
/// tensor), clamped to `clamp` within the storage range; failure when a
/// factor has no dyadic form.
FailureOr<Value>
buildStorageRequantize(PatternRewriter &rewriter, Location loc, Value input,
                       int64_t inputZeroPoint, bool inputUnsigned,
                       ArrayRef<double> factors, int64_t axis,
                       RankedTensorType storageType, int64_t outputZeroPoint,
                       bool outputUnsigned, StorageClamp clamp);

/// buildStorageRequantize into `resultType` (quantized with `resultElement`),
/// cast back to it.
FailureOr<Value> buildRequantize(PatternRewriter &rewriter, Location loc,
                                 Value input, int64_t inputZeroPoint,
                                 bool inputUnsigned, ArrayRef<double> factors,
                                 int64_t axis,
                                 quant::UniformQuantizedType resultElement,
                                 RankedTensorType resultType,
                                 StorageClamp clamp);

/// The per-tensor quantized value `quantized` times `factor` (times its
/// scale), requantized to `resultType`: a change of scale on stored values.
FailureOr<Value> buildRescale(PatternRewriter &rewriter, Location loc,
                              Value quantized, double factor,
                              quant::UniformQuantizedType resultElement,
                              RankedTensorType resultType, StorageClamp clamp);

/// What a quantize to an 8-bit per-tensor type reads, looking through a
/// ReLU or a Clip with constant bounds whose only user it is, and the clamp
/// that op imposes on the stored result (a ReLU's at the output zero point;
/// a Clip's at its bounds quantized to the output type).
struct QuantizedResult {
  quant::UniformQuantizedType type;
  Value input;
  StorageClamp clamp;
};

/// Fails when `op`'s type is not 8-bit per tensor, or a ReLU or Clip it reads
/// has other users or a Clip bound that is not constant.
FailureOr<QuantizedResult> matchQuantizedResult(QuantizeOp op);

/// quantize(OpTy(dequantize(x), ...)) with 8-bit per-tensor types on both
/// sides: the op, x's quantized value and the result's type.
template <typename OpTy> struct QuantizedUnary {
  OpTy op;
  Value quantized;
  quant::UniformQuantizedType output;
};

/// Matches `quantize` reading an OpTy whose first operand is dequantized
/// from an 8-bit per-tensor value. Other users of the OpTy keep it.
template <typename OpTy>
FailureOr<QuantizedUnary<OpTy>> matchQuantizedUnary(QuantizeOp quantize) {
  quant::UniformQuantizedType output = getPerTensorType(quantize);
  auto op = quantize.getInput().getDefiningOp<OpTy>();
  if (!output || !op)
    return failure();
  Value quantized =
      getDequantizedInput(op->getOperand(0), /*allowPerAxis=*/false);
  if (!quantized)
    return failure();
  return QuantizedUnary<OpTy>{op, quantized, output};
}

/// quill-qdq-to-integer's patterns (quill-dyadic runs them too).
void populateQDQToIntegerPatterns(RewritePatternSet &patterns);

} // namespace mlir::quill

#endif // QUILL_LIB_QUANTIZATION_INTEGERFORMS_H
