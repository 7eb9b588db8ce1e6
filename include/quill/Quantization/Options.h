//===- Options.h - The fixed choices of quantization options ----*- C++ -*-===//
//
// Every quantization option that takes one of a fixed set of values, as an
// enum with its command-line spellings in one place. The passes' TableGen
// options and quill-compile's flags both take their values from here, so a
// new format or calibrator is added once.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_QUANTIZATION_OPTIONS_H
#define QUILL_QUANTIZATION_OPTIONS_H

#include "quill/Dialect/Quill/IR/Quill.h"
#include "quill/Quantization/Calibration.h"

#include "llvm/Support/CommandLine.h"

namespace mlir::quill {

/// The number formats quill-quantize writes.
enum class QuantFormat {
  /// int8 weights per output channel, 8-bit activations, integer kernels.
  Int8,
  /// int4 weights, per output channel or per block; activations stay float.
  Int4Weights,
  /// fp8 weights and activations (E4M3, finite, max 448), f32 products.
  FP8E4M3,
  /// fp8 weights and activations (E5M2, max 57344), f32 products.
  FP8E5M2,
};

/// "int8", "int4-weights", "fp8-e4m3", "fp8-e5m2".
llvm::StringRef getQuantFormatName(QuantFormat format);
/// Whether the format quantizes activations, which needs calibration.
bool quantizesActivations(QuantFormat format);
llvm::cl::ValuesClass getQuantFormatValues();

/// max, percentile, entropy, mse (Calibration.h).
llvm::cl::ValuesClass getCalibratorValues();

/// i-exp, shift: the integer exponential of quill.integer_softmax.
llvm::cl::ValuesClass getExpApproximationValues();

/// How quill-dyadic computes a quantized GELU.
enum class GeluForm {
  /// A 256-entry table of the exact quantized function.
  Table,
  /// I-BERT's integer polynomial (quill.integer_gelu).
  IGelu,
};
llvm::cl::ValuesClass getGeluFormValues();

} // namespace mlir::quill

#endif // QUILL_QUANTIZATION_OPTIONS_H
