//===- Options.cpp - The fixed choices of quantization options ------------===//

#include "quill/Quantization/Options.h"

using namespace mlir;
using namespace mlir::quill;

llvm::StringRef mlir::quill::getQuantFormatName(QuantFormat format) {
  switch (format) {
  case QuantFormat::Int8:
    return "int8";
  case QuantFormat::Int4Weights:
    return "int4-weights";
  case QuantFormat::FP8E4M3:
    return "fp8-e4m3";
  case QuantFormat::FP8E5M2:
    return "fp8-e5m2";
  }
  llvm_unreachable("unknown QuantFormat");
}

bool mlir::quill::quantizesActivations(QuantFormat format) {
  return format != QuantFormat::Int4Weights;
}

llvm::cl::ValuesClass mlir::quill::getQuantFormatValues() {
  return llvm::cl::values(
      clEnumValN(QuantFormat::Int8, "int8",
                 "int8 weights per output channel, 8-bit activations, "
                 "integer kernels"),
      clEnumValN(QuantFormat::Int4Weights, "int4-weights",
                 "int4 weights (per output channel or per block), float "
                 "activations, no calibration"),
      clEnumValN(QuantFormat::FP8E4M3, "fp8-e4m3",
                 "fp8 E4M3 weights and activations, f32 products"),
      clEnumValN(QuantFormat::FP8E5M2, "fp8-e5m2",
                 "fp8 E5M2 weights and activations, f32 products"));
}

llvm::cl::ValuesClass mlir::quill::getCalibratorValues() {
  return llvm::cl::values(
      clEnumValN(Calibrator::Max, "max", "the observed range"),
      clEnumValN(Calibrator::Percentile, "percentile",
                 "the given percentile of |x|"),
      clEnumValN(Calibrator::Entropy, "entropy",
                 "TensorRT's KL-divergence threshold"),
      clEnumValN(Calibrator::MSE, "mse",
                 "the threshold of least quantization error"));
}

llvm::cl::ValuesClass mlir::quill::getExpApproximationValues() {
  return llvm::cl::values(
      clEnumValN(ExpApproximation::IExp, "i-exp",
                 "I-BERT's second-order polynomial"),
      clEnumValN(ExpApproximation::Shift, "shift", "I-ViT's Shiftmax"));
}

llvm::cl::ValuesClass mlir::quill::getGeluFormValues() {
  return llvm::cl::values(
      clEnumValN(GeluForm::Table, "table",
                 "a table of the exact quantized function (a gather)"),
      clEnumValN(GeluForm::IGelu, "i-gelu",
                 "I-BERT's integer polynomial (vectorizes)"));
}
