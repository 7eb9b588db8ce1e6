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
  /// int4 weights as Int4Weights and 4-bit activations per tensor (a range
  /// from calibration), quantized and dequantized around f32 products.
  Int4,
  /// fp8 weights and activations (E4M3, finite, max 448), f32 products.
  FP8E4M3,
  /// fp8 weights and activations (E5M2, max 57344), f32 products.
  FP8E5M2,
  /// Block formats (BlockFormat): weights and activations, the activations
  /// quantized per block at run time along the reduction axis ...
  MXFP4,
  MXFP6E3M2,
  MXFP6E2M3,
  MXFP8E4M3,
  MXFP8E5M2,
  MXINT8,
  NVFP4,
  /// ... or weights only, activations float.
  MXFP4Weights,
  MXFP6E3M2Weights,
  MXFP6E2M3Weights,
  MXFP8E4M3Weights,
  MXFP8E5M2Weights,
  MXINT8Weights,
  NVFP4Weights,
};

/// The command-line spelling: "int8", "int4-weights", "mxfp4", ...
llvm::StringRef getQuantFormatName(QuantFormat format);
/// The format named `name` (a spelling of getQuantFormatValues, or "float"
/// for none), or an empty optional for an unknown name.
std::optional<std::optional<QuantFormat>>
parseQuantFormat(llvm::StringRef name);
/// Whether the format quantizes activations.
bool quantizesActivations(QuantFormat format);
/// Whether the format needs calibration statistics: it quantizes
/// activations to a range fixed at compile time (int8, fp8, NVFP4's tensor
/// scale). MX activations take their scales from each block at run time.
bool needsCalibration(QuantFormat format);
/// The block format of an MX / NVFP4 QuantFormat.
std::optional<BlockFormat> getBlockFormat(QuantFormat format);
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

/// What the activations of products with 4-bit weights (int4, uint4,
/// MXFP4, NVFP4; their weight-only formats and MatMulNBits) are multiplied
/// in on the CPU.
enum class LowBitCompute {
  /// f32: the weights' exact values times the float activations.
  F32,
  /// int8: activations quantized per block at run time (ONNX Runtime's
  /// MatMulNBits at accuracy level 4).
  Int8,
};
llvm::cl::ValuesClass getLowBitComputeValues();

} // namespace mlir::quill

#endif // QUILL_QUANTIZATION_OPTIONS_H
