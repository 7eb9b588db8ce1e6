//===- BlockQuantize.h - Quantizing ops to MX and NVFP4 ---------*- C++ -*-===//
//
// The block-format half of quill-quantize: a quantizable op's weight becomes
// block-quantized constants behind quill.block_dequantize, and (unless the
// format is weight-only) its activation is block-quantized at run time, both
// in blocks along the op's reduction axis.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_LIB_QUANTIZATION_BLOCKQUANTIZE_H
#define QUILL_LIB_QUANTIZATION_BLOCKQUANTIZE_H

#include "quill/Dialect/Quill/IR/Quill.h"
#include "quill/Quantization/QuantizableOps.h"

#include <optional>

namespace mlir::quill {

/// Quantizes `op` to `format`. Weights become constants, each block at its
/// least-error scale; with `activations`, the activation is block-quantized
/// at run time with the MX exponent rule `rounding` (NVFP4: its tensor scale
/// from the calibrated `activationAbsMax`). An op whose reduction axis the
/// block size does not divide stays float, with a warning naming it.
void quantizeToBlockFormat(OpBuilder &b, const QuantizableOp &op,
                           BlockFormat format, bool activations,
                           std::optional<double> activationAbsMax,
                           BlockScaleRounding rounding);

/// `activation` quantized to int4 and dequantized at run time in blocks of
/// `blockSize` along `axis`: each block symmetric in [-7, 7] at the scale
/// max|x| / 7 (raised to the smallest normal f32, so an all-zero block stays
/// zero), elements rounded to nearest even; graph ops on f32, the last of
/// which carries `quill.int4_blocks = blockSize` for the report.
Value fakeQuantizeInt4Blocks(OpBuilder &b, Location loc, Value activation,
                             int64_t axis, int64_t blockSize);

} // namespace mlir::quill

#endif // QUILL_LIB_QUANTIZATION_BLOCKQUANTIZE_H
