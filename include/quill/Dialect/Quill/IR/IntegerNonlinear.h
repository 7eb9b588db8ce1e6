//===- IntegerNonlinear.h - Constants of the integer nonlinears -*- C++ -*-===//
//
// The integer constants quill.integer_softmax, quill.integer_gelu and
// quill.integer_layer_norm compute with, derived in one place from the
// quantization scales: the rewrite that creates the ops checks them, the
// lowering emits them, and python/quill/reference.py derives the same numbers
// independently.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_DIALECT_QUILL_IR_INTEGERNONLINEAR_H
#define QUILL_DIALECT_QUILL_IR_INTEGERNONLINEAR_H

#include "quill/Dialect/Quill/IR/Quill.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"

#include <cstdint>
#include <optional>

namespace mlir::quill {

/// The integer exponential of x * S for x <= 0 (quill.integer_softmax).
struct IntegerExpConstants {
  /// One period in input steps, negative: floor(-ln 2 / S) for i-exp,
  /// floor(-1 / S) for Shiftmax (which first multiplies x by log2(e)).
  int64_t x0;
  /// i-exp's second-order polynomial, floor(b / S) and floor(c / S^2).
  int64_t polyB, polyC;
  /// The left shift that brings the largest exponential just below 2^30.
  int64_t expShift;
};

/// Probabilities carry this many fraction bits before the output
/// requantization.
constexpr int64_t softmaxProbabilityBits = 30;

/// None when the input scale is too coarse (|x0| < 2) or too fine (the
/// exponential of 0 would need 2^31 or more).
std::optional<IntegerExpConstants>
getIntegerExpConstants(ExpApproximation approximation, double inputScale);

/// I-BERT's i-GELU of x = q - z at input scale S (quill.integer_gelu), with
/// S' = S / sqrt(2): erf(x S') ~ sgn(x) * (a (min(|x|, -B) + B)^2 + 1) as
/// the integer y = sgn(x) * ((min(|x|, -B) + B)^2 + C) at scale a S'^2,
/// shifted right by `shift`, and GELU = x * (y + one) at scale
/// S * a S'^2 2^shift / 2 (negative: a < 0).
struct IntegerGeluConstants {
  /// floor(b / S') and floor(1 / (a S'^2)), both negative.
  int64_t polyB, polyC;
  /// The smallest right shift of y that keeps |x * (y + one)| below 2^31.
  int64_t shift;
  /// floor(1 / (a S'^2 2^shift)): 1 at the shifted erf's scale (negative).
  int64_t one;
  /// |S * a S'^2 2^shift / 2|, the scale of -(x * (y + one)).
  double productScale;
};

/// The constants for an input of 8-bit per-tensor type `input` (its scale,
/// and its largest |q - z| for the shift); none when the scale is so fine
/// that the polynomial leaves int32.
std::optional<IntegerGeluConstants>
getIntegerGeluConstants(quant::UniformQuantizedType input);

/// Normalized values carry this many fraction bits.
constexpr int64_t layerNormFractionBits = 16;
/// The per-row reciprocal of the standard deviation is 2^this / D.
constexpr int64_t layerNormReciprocalBits = 46;
/// Rows longer than this could overflow sum(d^2) in 64 bits.
constexpr int64_t layerNormMaxCount = 16384;

} // namespace mlir::quill

#endif // QUILL_DIALECT_QUILL_IR_INTEGERNONLINEAR_H
