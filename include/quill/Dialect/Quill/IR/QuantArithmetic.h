//===- QuantArithmetic.h - Scalar quantization rules ------------*- C++ -*-===//
//
// The exact arithmetic of quill.quantize, quill.dequantize and
// quill.requantize on one element. Constant folding uses it; the numpy
// reference in python/quill/reference.py implements the same rules
// independently and the tests compare the two bit for bit.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_DIALECT_QUILL_IR_QUANTARITHMETIC_H
#define QUILL_DIALECT_QUILL_IR_QUANTARITHMETIC_H

#include "quill/Dialect/Quill/IR/QuantParams.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/APFloat.h"

#include <cstdint>
#include <functional>
#include <optional>

namespace mlir::quill {

/// Scale and zero point of one element.
struct ElementParams {
  double scale;
  int64_t zeroPoint;
};

/// Maps an element's row-major linear index in a tensor of `shape` to its
/// quantization parameters, for per-tensor, per-axis and per-block
/// !quant.uniform types and !quill.float_quant (zero point 0). `shape` must
/// be static.
std::function<ElementParams(int64_t)>
getElementParams(Type quantizedElementType, ArrayRef<int64_t> shape);

/// ONNX QuantizeLinear: clamp(round_half_even(x / scale) + zp, min, max),
/// the division done in float (double when `wide`). NaN maps to the zero
/// point.
int64_t quantizeElement(double x, ElementParams params, StorageRange range,
                        bool wide);

/// ONNX DequantizeLinear: (q - zp) * scale, in float (double when `wide`).
double dequantizeElement(int64_t q, ElementParams params, bool wide);

/// !quill.float_quant quantization: x / scale (in float, double when
/// `wide`), saturated to the storage format's largest finite magnitude, then
/// rounded to nearest even in `storage`; NaN stays NaN.
APFloat quantizeFloatElement(double x, double scale, FloatType storage,
                             bool wide);

/// !quill.float_quant dequantization: q * scale (in float, double when
/// `wide`).
double dequantizeFloatElement(const APFloat &q, double scale, bool wide);

/// A dense constant of `type` (float elements) holding `values`, each
/// rounded to the element type to nearest even.
DenseElementsAttr getFloatElements(RankedTensorType type,
                                   ArrayRef<double> values);

/// quill.requantize on one element: (a * multiplier + 2^(shift-1)) >> shift
/// with a = x - inputZeroPoint, then + outputZeroPoint and the clamp.
int64_t requantizeElement(int64_t x, int32_t multiplier, int8_t shift,
                          int64_t inputZeroPoint, int64_t outputZeroPoint,
                          int64_t clampMin, int64_t clampMax);

/// A positive real factor as quill.requantize's (multiplier, shift), the
/// HAWQ-V3 / TOSA split: (m, e) = frexp(M), multiplier = round(m * 2^31),
/// shift = 31 - e, renormalised when the mantissa rounds up to 2^31; a shift
/// above 62 moves into the multiplier. None when M is not positive and
/// finite or needs a shift below 1 (M >= 2^30).
struct DyadicMultiplier {
  int32_t multiplier;
  int8_t shift;
};
std::optional<DyadicMultiplier> getDyadicMultiplier(double realMultiplier);

} // namespace mlir::quill

#endif // QUILL_DIALECT_QUILL_IR_QUANTARITHMETIC_H
