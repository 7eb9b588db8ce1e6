//===- Options.cpp - The fixed choices of quantization options ------------===//

#include "quill/Quantization/Options.h"

using namespace mlir;
using namespace mlir::quill;

namespace {
/// One row per QuantFormat: its spelling and, for block formats, what it
/// quantizes.
struct QuantFormatInfo {
  QuantFormat format;
  llvm::StringLiteral name;
  std::optional<BlockFormat> block;
  bool activations;
};

constexpr QuantFormatInfo quantFormats[] = {
    {QuantFormat::Int8, "int8", std::nullopt, true},
    {QuantFormat::Int4Weights, "int4-weights", std::nullopt, false},
    {QuantFormat::Int4, "int4", std::nullopt, true},
    {QuantFormat::FP8E4M3, "fp8-e4m3", std::nullopt, true},
    {QuantFormat::FP8E5M2, "fp8-e5m2", std::nullopt, true},
    {QuantFormat::MXFP4, "mxfp4", BlockFormat::MXFP4_E2M1, true},
    {QuantFormat::MXFP6E3M2, "mxfp6-e3m2", BlockFormat::MXFP6_E3M2, true},
    {QuantFormat::MXFP6E2M3, "mxfp6-e2m3", BlockFormat::MXFP6_E2M3, true},
    {QuantFormat::MXFP8E4M3, "mxfp8-e4m3", BlockFormat::MXFP8_E4M3, true},
    {QuantFormat::MXFP8E5M2, "mxfp8-e5m2", BlockFormat::MXFP8_E5M2, true},
    {QuantFormat::MXINT8, "mxint8", BlockFormat::MXINT8, true},
    {QuantFormat::NVFP4, "nvfp4", BlockFormat::NVFP4, true},
    {QuantFormat::MXFP4Weights, "mxfp4-weights", BlockFormat::MXFP4_E2M1,
     false},
    {QuantFormat::MXFP6E3M2Weights, "mxfp6-e3m2-weights",
     BlockFormat::MXFP6_E3M2, false},
    {QuantFormat::MXFP6E2M3Weights, "mxfp6-e2m3-weights",
     BlockFormat::MXFP6_E2M3, false},
    {QuantFormat::MXFP8E4M3Weights, "mxfp8-e4m3-weights",
     BlockFormat::MXFP8_E4M3, false},
    {QuantFormat::MXFP8E5M2Weights, "mxfp8-e5m2-weights",
     BlockFormat::MXFP8_E5M2, false},
    {QuantFormat::MXINT8Weights, "mxint8-weights", BlockFormat::MXINT8, false},
    {QuantFormat::NVFP4Weights, "nvfp4-weights", BlockFormat::NVFP4, false},
};

const QuantFormatInfo &getInfo(QuantFormat format) {
  for (const QuantFormatInfo &info : quantFormats)
    if (info.format == format)
      return info;
  llvm_unreachable("unknown QuantFormat");
}
} // namespace

llvm::StringRef mlir::quill::getQuantFormatName(QuantFormat format) {
  return getInfo(format).name;
}

std::optional<std::optional<QuantFormat>>
mlir::quill::parseQuantFormat(llvm::StringRef name) {
  if (name == "float")
    return std::optional<QuantFormat>();
  for (const QuantFormatInfo &info : quantFormats)
    if (info.name == name)
      return std::optional<QuantFormat>(info.format);
  return std::nullopt;
}

bool mlir::quill::quantizesActivations(QuantFormat format) {
  return getInfo(format).activations;
}

bool mlir::quill::needsCalibration(QuantFormat format) {
  const QuantFormatInfo &info = getInfo(format);
  return info.activations && (!info.block || *info.block == BlockFormat::NVFP4);
}

std::optional<BlockFormat> mlir::quill::getBlockFormat(QuantFormat format) {
  return getInfo(format).block;
}

llvm::cl::ValuesClass mlir::quill::getQuantFormatValues() {
  // Each spelling is getQuantFormatName's.
  return llvm::cl::values(
      clEnumValN(QuantFormat::Int8, "int8",
                 "int8 weights per output channel, 8-bit activations, "
                 "integer kernels"),
      clEnumValN(QuantFormat::Int4Weights, "int4-weights",
                 "int4 weights (per output channel or per block), float "
                 "activations, no calibration"),
      clEnumValN(QuantFormat::Int4, "int4",
                 "int4 weights (per output channel or per block) and 4-bit "
                 "activations per tensor (calibrated), f32 products"),
      clEnumValN(QuantFormat::FP8E4M3, "fp8-e4m3",
                 "fp8 E4M3 weights and activations, f32 products"),
      clEnumValN(QuantFormat::FP8E5M2, "fp8-e5m2",
                 "fp8 E5M2 weights and activations, f32 products"),
      clEnumValN(QuantFormat::MXFP4, "mxfp4",
                 "MXFP4 (E2M1, blocks of 32) weights and activations"),
      clEnumValN(QuantFormat::MXFP6E3M2, "mxfp6-e3m2",
                 "MXFP6 E3M2 weights and activations"),
      clEnumValN(QuantFormat::MXFP6E2M3, "mxfp6-e2m3",
                 "MXFP6 E2M3 weights and activations"),
      clEnumValN(QuantFormat::MXFP8E4M3, "mxfp8-e4m3",
                 "MXFP8 E4M3 weights and activations"),
      clEnumValN(QuantFormat::MXFP8E5M2, "mxfp8-e5m2",
                 "MXFP8 E5M2 weights and activations"),
      clEnumValN(QuantFormat::MXINT8, "mxint8",
                 "MXINT8 weights and activations"),
      clEnumValN(QuantFormat::NVFP4, "nvfp4",
                 "NVFP4 (E2M1, blocks of 16, E4M3 scales) weights and "
                 "activations; calibration sets the activations' tensor "
                 "scales"),
      clEnumValN(QuantFormat::MXFP4Weights, "mxfp4-weights",
                 "MXFP4 weights, float activations"),
      clEnumValN(QuantFormat::MXFP6E3M2Weights, "mxfp6-e3m2-weights",
                 "MXFP6 E3M2 weights, float activations"),
      clEnumValN(QuantFormat::MXFP6E2M3Weights, "mxfp6-e2m3-weights",
                 "MXFP6 E2M3 weights, float activations"),
      clEnumValN(QuantFormat::MXFP8E4M3Weights, "mxfp8-e4m3-weights",
                 "MXFP8 E4M3 weights, float activations"),
      clEnumValN(QuantFormat::MXFP8E5M2Weights, "mxfp8-e5m2-weights",
                 "MXFP8 E5M2 weights, float activations"),
      clEnumValN(QuantFormat::MXINT8Weights, "mxint8-weights",
                 "MXINT8 weights, float activations"),
      clEnumValN(QuantFormat::NVFP4Weights, "nvfp4-weights",
                 "NVFP4 weights, float activations"));
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

llvm::cl::ValuesClass mlir::quill::getLowBitComputeValues() {
  return llvm::cl::values(
      clEnumValN(LowBitCompute::F32, "f32",
                 "decoded weights times float activations"),
      clEnumValN(LowBitCompute::Int8, "int8",
                 "activations quantized to int8 per block at run time, "
                 "products summed in int32 (VNNI)"));
}
