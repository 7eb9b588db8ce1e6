//===- CompileOptions.cpp - Checking a compilation's options --------------===//

#include "quill/Driver/CompileOptions.h"
#include "quill/Quantization/Recipe.h"

#include "quill/Target/NVPTX/NVPTXTarget.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"

using namespace mlir;
using namespace mlir::quill;

namespace {

llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

llvm::Error validateTargetOptions(const CompileOptions &options) {
  bool gpu = options.target == CompileTarget::NVPTX;
  if (options.optLevel > 3)
    return makeError("unknown optimization level -O" +
                     llvm::Twine(options.optLevel) + " (use -O0 to -O3)");
  if (options.gpuArch && !isSupportedGPUArch(*options.gpuArch))
    return makeError("unknown --gpu-arch '" + *options.gpuArch +
                     "' (expected sm_80, sm_86, sm_89 or sm_90)");
  if (options.gpuArch && !gpu)
    return makeError("--gpu-arch needs --target=nvptx");
  if (options.emit == EmitKind::PTX && !gpu)
    return makeError("--emit=ptx needs --target=nvptx");
  if (options.gpuBinary && !gpu)
    return makeError("--gpu-binary needs --target=nvptx");
  if (options.emit == EmitKind::PTX &&
      options.gpuBinary == GPUBinaryChoice::Fatbin)
    return makeError(
        "--emit=ptx writes PTX; --gpu-binary=fatbin is for libraries");
  if (options.lowBitCompute && options.target != CompileTarget::CPU)
    return makeError("--low-bit-compute is for --target=cpu");
  if (gpu && !options.cpu.empty())
    return makeError("--mcpu is for --target=cpu; use --gpu-arch");
  return llvm::Error::success();
}

llvm::Error validateQuantizationOptions(const CompileOptions &options) {
  const QuantizationOptions &quantization = options.quantization;
  const std::optional<QuantFormat> &format = quantization.format;
  bool qdqExport = options.emit == EmitKind::QDQONNX;
  bool integerOnly = options.integerOnly.enabled;
  if (!format && !quantization.calibrationData.empty())
    return makeError("--calibration-data needs --quantize");
  if (!format && !quantization.calibrationStats.empty())
    return makeError("--calibration-stats needs --quantize");
  if (!format && qdqExport)
    return makeError("--emit=qdq-onnx needs --quantize");
  if (!format && !quantization.reportPath.empty())
    return makeError("--report needs --quantize");
  if (!quantization.reportPath.empty() && quantization.calibrationData.empty())
    return makeError("--report needs --calibration-data (it runs the samples)");
  if (quantization.weightBlockSize &&
      ((format != QuantFormat::Int4Weights && format != QuantFormat::Int4) ||
       *quantization.weightBlockSize <= 0))
    return makeError("--weight-block-size needs --quantize=int4-weights or "
                     "int4 and a positive size");
  if (quantization.reorderChannels) {
    bool blocks =
        (format && getBlockFormat(*format)) ||
        ((format == QuantFormat::Int4Weights || format == QuantFormat::Int4) &&
         quantization.weightBlockSize);
    if (!blocks)
      return makeError("--reorder-channels needs a block format (--quantize="
                       "mxfp4, nvfp4, ...) or --quantize=int4-weights or "
                       "int4 with --weight-block-size: the permutation "
                       "serves their blocks");
  }
  if (quantization.reorderChannels && qdqExport)
    return makeError("--reorder-channels permutes the graph's constants and "
                     "adds gathers, which --emit=qdq-onnx (quantization "
                     "written onto the input model's nodes) cannot carry");
  if (quantization.reorderStatistic && !quantization.reorderChannels)
    return makeError("--reorder-statistic needs --reorder-channels");
  if (quantization.rotate && !format)
    return makeError("--rotate needs --quantize: it rotates for the format's "
                     "quantization");
  if (quantization.rotate && qdqExport)
    return makeError("--rotate adds quill.hadamard rotations, which "
                     "--emit=qdq-onnx (quantization written onto the input "
                     "model's nodes) cannot carry");
  if (quantization.rotate && options.integerOnly.enabled)
    return makeError("--rotate rotates activations online in float, which "
                     "--integer-only forbids");
  if (quantization.rotate == RotationChoice::Block &&
      !(format && getBlockFormat(*format)) && !quantization.weightBlockSize &&
      !quantization.activationBlockSize)
    return makeError("--rotate=block needs a block format (--quantize=mxfp4, "
                     "nvfp4, ...) or int4 blocks (--weight-block-size): the "
                     "rotation stays within their groups");
  if (quantization.rotate && format && needsCalibration(*format) &&
      quantization.calibrationData.empty())
    return makeError("--rotate changes the tensors that calibration "
                     "measures: it needs --calibration-data (statistics of "
                     "the unrotated model cannot serve)");
  if (quantization.verifyFloatEquivalence &&
      ((!quantization.reorderChannels && !quantization.rotate) ||
       quantization.calibrationData.empty()))
    return makeError("--verify-float-equivalence needs --reorder-channels or "
                     "--rotate, and --calibration-data (it runs the samples)");
  if (quantization.activationBlockSize &&
      (format != QuantFormat::Int4 || *quantization.activationBlockSize <= 0))
    return makeError("--activation-block-size needs --quantize=int4 and a "
                     "positive size");
  if (quantization.percentile <= 0.0 || quantization.percentile > 100.0)
    return makeError("--percentile must be in (0, 100], got " +
                     llvm::formatv("{0}", quantization.percentile));
  if (!format && !quantization.recipePath.empty())
    return makeError("--quantize-recipe needs --quantize (the format of the "
                     "layers no rule names)");
  // The formats in use: --quantize's and every one a recipe names.
  std::vector<QuantFormat> formats;
  if (format)
    formats.push_back(*format);
  if (!quantization.recipePath.empty()) {
    llvm::Expected<QuantizationRecipe> recipe =
        QuantizationRecipe::read(quantization.recipePath);
    if (!recipe)
      return recipe.takeError();
    llvm::append_range(formats, recipe->getNamedFormats());
  }
  for (QuantFormat used : formats)
    if (needsCalibration(used) &&
        !(used == QuantFormat::Int4 && quantization.activationBlockSize) &&
        quantization.calibrationData.empty() &&
        quantization.calibrationStats.empty())
      return makeError("--quantize=" + getQuantFormatName(used) +
                       " needs --calibration-data=PATH or "
                       "--calibration-stats=FILE");
  if (integerOnly && format && format != QuantFormat::Int8)
    return makeError("--integer-only needs --quantize=int8 (or an already "
                     "quantized model), not --quantize=" +
                     getQuantFormatName(*format));
  if (integerOnly && !quantization.recipePath.empty())
    return makeError("--integer-only quantizes every layer to int8; it takes "
                     "no --quantize-recipe");
  if (quantization.quantizeAllActivations && format != QuantFormat::Int8)
    return makeError("--quantize-all-activations needs --quantize=int8");
  if (integerOnly && qdqExport)
    return makeError("--integer-only compiles the model; --emit=qdq-onnx "
                     "writes the quantized graph before that rewrite");
  if (options.integerOnly.softmaxExp && !integerOnly)
    return makeError("--softmax-exp needs --integer-only");
  if (options.integerOnly.gelu && !integerOnly)
    return makeError("--gelu needs --integer-only");
  if (qdqExport && !quantization.recipePath.empty())
    return makeError("--emit=qdq-onnx writes one int8 format, not a recipe");
  if (qdqExport && format != QuantFormat::Int8 &&
      format != QuantFormat::Int4Weights)
    return makeError("--emit=qdq-onnx writes int8 models and int4-weights "
                     "(as MatMulNBits); ONNX's fp8 and block QuantizeLinear "
                     "need opsets 19 and 21");
  if (qdqExport && llvm::StringRef(options.inputPath).ends_with(".mlir"))
    return makeError("--emit=qdq-onnx needs an ONNX model, not graph IR");
  return llvm::Error::success();
}

} // namespace

llvm::Error mlir::quill::validateCompileOptions(const CompileOptions &options) {
  if (options.inputPath.empty())
    return makeError("no input model");
  if (llvm::Error error = validateTargetOptions(options))
    return error;
  return validateQuantizationOptions(options);
}

bool mlir::quill::isTextual(EmitKind kind) {
  return kind != EmitKind::Obj && kind != EmitKind::Lib &&
         kind != EmitKind::QDQONNX;
}

std::string mlir::quill::getOutputPath(const CompileOptions &options) {
  if (!options.outputPath.empty())
    return options.outputPath;
  if (isTextual(options.emit))
    return "-";
  llvm::SmallString<256> path(options.inputPath);
  llvm::sys::path::replace_extension(path, options.emit == EmitKind::Lib ? "so"
                                           : options.emit == EmitKind::QDQONNX
                                               ? "qdq.onnx"
                                               : "o");
  return std::string(path);
}
