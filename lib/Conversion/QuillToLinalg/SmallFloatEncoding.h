//===- SmallFloatEncoding.h - fp8 values to and from their bits --------*- C++
//-*-===//
//
// fp8 tensors are stored as i8 bit patterns (LLVM has no fp8 arithmetic), so
// quantize and dequantize with !quill.float_quant convert between f32 and
// those bits with integer operations, by the rules the constant folder uses
// (APFloat): round to nearest even, saturate to the largest finite value,
// subnormals kept, NaN to the format's NaN.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_CONVERSION_QUILLTOLINALG_SMALLFLOATENCODING_H
#define QUILL_CONVERSION_QUILLTOLINALG_SMALLFLOATENCODING_H

#include "mlir/IR/Builders.h"

namespace mlir::quill::lowering {

/// The i8 bits of f32 `value` rounded to `format`, a float type of 8 bits or
/// fewer (f8E4M3FN, f8E5M2, f6E3M2FN, f6E2M3FN, f4E2M1FN).
Value buildSmallFloatFromF32(OpBuilder &b, Location loc, Value value,
                             FloatType format);

/// The f32 value of the `format` number whose i8 bits are `bits`.
Value buildF32FromSmallFloat(OpBuilder &b, Location loc, Value bits,
                             FloatType format);

} // namespace mlir::quill::lowering

#endif // QUILL_CONVERSION_QUILLTOLINALG_SMALLFLOATENCODING_H
