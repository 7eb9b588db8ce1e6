//===- Compiler.cpp - The compiler driver: options in, artifact out -------===//

#include "quill/Driver/Compiler.h"

#include "InstrumentedModels.h"

#include "quill/Driver/Calibrate.h"
#include "quill/Driver/QuantizationReport.h"
#include "quill/Export/QDQExport.h"
#include "quill/Import/ONNXImporter.h"
#include "quill/Pipelines/Pipelines.h"
#include "quill/Target/NVPTX/NVPTXTarget.h"

#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"

#include <onnx/onnx_pb.h>

using namespace mlir;
using namespace mlir::quill;

namespace {

llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// The error of a phase that reported its own diagnostics.
llvm::Error reported() { return makeError(""); }

/// A new temporary JSON file named after `prefix`, which `remover` deletes
/// when the compilation ends.
llvm::Expected<std::string>
createTemporaryJSONFile(StringRef prefix,
                        std::optional<llvm::FileRemover> &remover) {
  SmallString<128> temporary;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile(prefix, "json", temporary))
    return makeError("cannot create a temporary file: " + ec.message());
  remover.emplace(temporary);
  return std::string(temporary);
}

llvm::Error runPipeline(ModuleOp module,
                        function_ref<void(OpPassManager &)> build) {
  PassManager pm(module.getContext());
  build(pm);
  return failed(pm.run(module)) ? reported() : llvm::Error::success();
}

/// One compilation: the options, and the module as the phases change it.
class Compilation {
public:
  Compilation(const CompileOptions &options, MLIRContext &context)
      : options(options), context(context), outputPath(getOutputPath(options)) {
  }

  llvm::Error run();

private:
  llvm::Error import();
  llvm::Error calibrateAndQuantize();
  llvm::Error rotate(const CalibrationRunOptions &run);
  llvm::Error reorder(const CalibrationStatistics *statistics);
  llvm::Error verifyFloatEquivalence(ModuleOp original,
                                     const CalibrationRunOptions &run);
  llvm::Error writeReport(StringRef statsFile,
                          const CalibrationRunOptions &run);
  llvm::Error compareRotation(QuantizationReport &report,
                              const CalibrationRunOptions &run);
  llvm::Error emitTarget();
  llvm::Error emitFromLLVMDialect(const ModelSignature &signature,
                                  ModelDevice device);
  llvm::Expected<GPUBinary> selectGPUBinary();
  llvm::Error writeQDQModel();
  llvm::Error writeText(function_ref<void(raw_ostream &)> print);
  llvm::Error printModule() {
    return writeText([&](raw_ostream &os) { module->print(os); });
  }

  const CompileOptions &options;
  MLIRContext &context;
  std::string outputPath;
  OwningOpRef<ModuleOp> module;
  /// What channel reordering and rotation did, for the report.
  std::vector<ReorderedLayer> reordered;
  std::vector<RotatedLayer> rotated;
  /// The prepared float graph before rotation, and its calibration
  /// statistics (a temporary file), when the report compares the two.
  OwningOpRef<ModuleOp> unrotated;
  std::string unrotatedStatsFile;
  std::optional<llvm::FileRemover> removeUnrotatedStats;
};

llvm::Error Compilation::run() {
  if (llvm::Error error = import())
    return error;
  if (options.emit == EmitKind::Import)
    return printModule();
  if (llvm::Error error = runPipeline(*module, buildPreparePipeline))
    return error;
  if (options.quantization.format)
    if (llvm::Error error = calibrateAndQuantize())
      return error;
  if (options.integerOnly.enabled) {
    DyadicPassOptions dyadic;
    dyadic.softmaxExp =
        options.integerOnly.softmaxExp.value_or(ExpApproximation::IExp);
    dyadic.gelu = options.integerOnly.gelu.value_or(GeluForm::Table);
    if (llvm::Error error = runPipeline(*module, [&](OpPassManager &pm) {
          buildIntegerOnlyPipeline(pm, dyadic);
        }))
      return error;
  }
  if (options.emit == EmitKind::QDQONNX)
    return writeQDQModel();
  if (options.emit == EmitKind::Graph)
    return printModule();
  return emitTarget();
}

llvm::Error Compilation::import() {
  ONNXImportOptions importOptions;
  for (const std::string &spec : options.inputShapes) {
    std::string error;
    if (failed(parseInputShape(spec, importOptions, error)))
      return makeError("--input-shape: " + error);
  }
  for (const std::string &spec : options.frozenInputs) {
    std::string error;
    if (failed(parseFreezeInput(spec, importOptions, error)))
      return makeError("--freeze-input: " + error);
  }
  module = StringRef(options.inputPath).ends_with(".mlir")
               ? parseSourceFile<ModuleOp>(options.inputPath, &context)
               : importONNXFile(options.inputPath, &context, importOptions);
  if (!module || failed(verify(*module)))
    return reported();
  return llvm::Error::success();
}

/// Calibrates when asked to (statistics go to --calibration-stats, or to a
/// temporary file), writes the report, then runs the quantization phase.
llvm::Error Compilation::calibrateAndQuantize() {
  const QuantizationOptions &quantization = options.quantization;
  std::string statsFile = quantization.calibrationStats;
  std::optional<llvm::FileRemover> removeStats;
  CalibrationRunOptions run;
  run.target = getCPUTargetOptions(options);
  run.channelStatistics = quantization.reorderChannels.has_value();
  OwningOpRef<ModuleOp> original;
  if (quantization.verifyFloatEquivalence)
    original = module->clone();
  if (quantization.rotate)
    if (llvm::Error error = rotate(run))
      return error;
  std::optional<CalibrationStatistics> statistics;
  if (!quantization.calibrationData.empty()) {
    llvm::Expected<CalibrationStatistics> calibrated =
        runCalibration(*module, quantization.calibrationData, run);
    if (!calibrated)
      return calibrated.takeError();
    statistics = std::move(*calibrated);
    if (statsFile.empty()) {
      llvm::Expected<std::string> temporary =
          createTemporaryJSONFile("quill-statistics", removeStats);
      if (!temporary)
        return temporary.takeError();
      statsFile = std::move(*temporary);
    }
    if (llvm::Error error = writeCalibrationStatistics(*statistics, statsFile))
      return error;
  } else if (quantization.reorderChannels && !statsFile.empty()) {
    llvm::Expected<CalibrationStatistics> read =
        readCalibrationStatistics(statsFile);
    if (!read)
      return read.takeError();
    statistics = std::move(*read);
  }
  if (quantization.reorderChannels)
    if (llvm::Error error = reorder(statistics ? &*statistics : nullptr))
      return error;
  if (original)
    if (llvm::Error error = verifyFloatEquivalence(*original, run))
      return error;
  if (!quantization.reportPath.empty())
    if (llvm::Error error = writeReport(statsFile, run))
      return error;
  return runPipeline(*module, [&](OpPassManager &pm) {
    buildQuantizationPipeline(pm, getQuantizePassOptions(options, statsFile),
                              /*integerKernels=*/options.emit !=
                                  EmitKind::QDQONNX);
  });
}

/// Folds LayerNorm gammas and betas into the products that read them, then
/// rotates the prepared float graph's products for --quantize's format.
/// --rotate=auto samples the folded graph's activations on the calibration
/// data for its estimates; with --report, the graph as it was and its
/// statistics are kept for the report's comparison.
llvm::Error Compilation::rotate(const CalibrationRunOptions &run) {
  const QuantizationOptions &quantization = options.quantization;
  HadamardRotationOptions rotation;
  rotation.choice = *quantization.rotate;
  rotation.format = quantization.format;
  rotation.weightBlockSize = quantization.weightBlockSize.value_or(0);
  rotation.activationBlockSize = quantization.activationBlockSize.value_or(0);
  bool sample = rotation.choice == RotationChoice::Auto &&
                !quantization.calibrationData.empty();
  if (!quantization.reportPath.empty()) {
    llvm::Expected<CalibrationStatistics> calibrated =
        runCalibration(*module, quantization.calibrationData, run);
    if (!calibrated)
      return calibrated.takeError();
    llvm::Expected<std::string> temporary =
        createTemporaryJSONFile("quill-unrotated", removeUnrotatedStats);
    if (!temporary)
      return temporary.takeError();
    unrotatedStatsFile = std::move(*temporary);
    if (llvm::Error error =
            writeCalibrationStatistics(*calibrated, unrotatedStatsFile))
      return error;
    unrotated = module->clone();
  }
  // Norms first: the activations auto samples are those the rotation sees.
  if (llvm::Error error = runPipeline(*module, [](OpPassManager &pm) {
        pm.addNestedPass<func::FuncOp>(createFoldNormsPass());
      }))
    return error;
  std::optional<CalibrationStatistics> sampled;
  if (sample) {
    CalibrationRunOptions sampling = run;
    sampling.channelStatistics = true;
    llvm::Expected<CalibrationStatistics> calibrated =
        runCalibration(*module, quantization.calibrationData, sampling);
    if (!calibrated)
      return calibrated.takeError();
    sampled = std::move(*calibrated);
    rotation.statistics = &*sampled;
  }
  func::FuncOp entry = getEntryFunction(*module);
  if (!entry)
    return makeError("--rotate: the module has no public function");
  FailureOr<std::vector<RotatedLayer>> layers = rotateHadamard(entry, rotation);
  if (failed(layers))
    return reported();
  rotated = std::move(*layers);
  return llvm::Error::success();
}

/// Permutes the channels of the prepared float graph for the blocks of
/// --quantize's format.
llvm::Error Compilation::reorder(const CalibrationStatistics *statistics) {
  const QuantizationOptions &quantization = options.quantization;
  ChannelReorderingOptions reordering;
  reordering.objective = *quantization.reorderChannels;
  reordering.statistic = getChannelStatistic(
      quantization.reorderStatistic.value_or(ReorderStatistic::Auto));
  reordering.format = *quantization.format;
  reordering.blockSize = quantization.weightBlockSize.value_or(0);
  reordering.activationBlockSize = quantization.activationBlockSize.value_or(0);
  reordering.rounding = quantization.blockScaleRounding;
  reordering.statistics = statistics;
  func::FuncOp entry = getEntryFunction(*module);
  if (!entry)
    return makeError("--reorder-channels: the module has no public function");
  FailureOr<std::vector<ReorderedLayer>> layers =
      reorderChannels(entry, reordering);
  if (failed(layers))
    return reported();
  reordered = std::move(*layers);
  return llvm::Error::success();
}

/// --verify-float-equivalence: runs the float graph before and after
/// rotation and reordering on the calibration samples.
llvm::Error
Compilation::verifyFloatEquivalence(ModuleOp original,
                                    const CalibrationRunOptions &run) {
  llvm::Expected<double> difference = measureFloatDifference(
      original, *module, options.quantization.calibrationData, run);
  if (!difference)
    return difference.takeError();
  StringRef transformed = options.quantization.rotate
                              ? (options.quantization.reorderChannels
                                     ? "rotation and channel reordering"
                                     : "rotation")
                              : "channel reordering";
  (outputPath == "-" ? llvm::errs() : llvm::outs())
      << llvm::formatv("{0}: float outputs differ from the original model's "
                       "by at most {1:e2} (relative to each output's largest "
                       "magnitude)\n",
                       transformed, *difference);
  if (*difference > 1e-4)
    return makeError(llvm::formatv(
        "--verify-float-equivalence: after {0} the float model differs from "
        "the original by {1:e2} (relative), more than float reassociation "
        "(1e-4)",
        transformed, *difference));
  return llvm::Error::success();
}

/// Prints the quantization report of the prepared float graph and writes
/// it to --report. The table goes to stderr when stdout carries the
/// compiled output.
llvm::Error Compilation::writeReport(StringRef statsFile,
                                     const CalibrationRunOptions &run) {
  llvm::Expected<QuantizationReport> report =
      reportQuantization(*module, getQuantizePassOptions(options, statsFile),
                         options.quantization.calibrationData, run);
  if (!report)
    return report.takeError();
  report->reordered = reordered;
  if (llvm::Error error = compareRotation(*report, run))
    return error;
  if (llvm::Error error =
          writeQuantizationReport(*report, options.quantization.reportPath))
    return error;
  printQuantizationReport(*report,
                          outputPath == "-" ? llvm::errs() : llvm::outs());
  return llvm::Error::success();
}

/// The report's rotation table: each product's output SQNR in the rotated
/// model's report, and in a report of the unrotated graph when it was kept.
llvm::Error Compilation::compareRotation(QuantizationReport &report,
                                         const CalibrationRunOptions &run) {
  if (rotated.empty())
    return llvm::Error::success();
  llvm::StringMap<double> unrotatedSqnr, rotatedSqnr;
  for (const QuantizedOpReport &op : report.ops)
    rotatedSqnr[op.name] = op.error.getDecibels();
  if (unrotated) {
    llvm::Expected<QuantizationReport> baseline = reportQuantization(
        *unrotated, getQuantizePassOptions(options, unrotatedStatsFile),
        options.quantization.calibrationData, run);
    if (!baseline)
      return baseline.takeError();
    for (const QuantizedOpReport &op : baseline->ops)
      unrotatedSqnr[op.name] = op.error.getDecibels();
  }
  auto lookup = [](const llvm::StringMap<double> &map,
                   StringRef name) -> std::optional<double> {
    auto found = map.find(name);
    if (found == map.end())
      return std::nullopt;
    return found->second;
  };
  for (const RotatedLayer &layer : rotated)
    report.rotated.push_back({layer, lookup(unrotatedSqnr, layer.name),
                              lookup(rotatedSqnr, layer.name)});
  return llvm::Error::success();
}

/// The kernel and target phases, then the requested output.
llvm::Error Compilation::emitTarget() {
  FailureOr<ModelSignature> signature = lowerGraphToKernelIR(*module);
  if (failed(signature))
    return reported();
  if (options.emit == EmitKind::Kernel)
    return printModule();

  switch (options.target) {
  case CompileTarget::CPU:
    if (llvm::Error error = runPipeline(*module, [&](OpPassManager &pm) {
          buildCPULLVMPipeline(
              pm, options.lowBitCompute.value_or(LowBitCompute::F32));
        }))
      return error;
    return emitFromLLVMDialect(*signature, ModelDevice::CPU);
  case CompileTarget::GPUEmulator:
    if (llvm::Error error = runPipeline(*module, buildGPUEmulatorPipeline))
      return error;
    return emitFromLLVMDialect(*signature, ModelDevice::CPU);
  case CompileTarget::NVPTX:
    break;
  }
  llvm::Expected<GPUBinary> binary = selectGPUBinary();
  if (!binary)
    return binary.takeError();
  std::string gpuArch = options.gpuArch.value_or("sm_90");
  if (llvm::Error error = runPipeline(*module, [&](OpPassManager &pm) {
        buildNVPTXPipeline(pm, gpuArch, *binary);
      }))
    return error;
  if (*binary == GPUBinary::Fatbin)
    return emitFromLLVMDialect(*signature, ModelDevice::CUDA);
  // PTX is checked (libdevice calls resolved) whatever is written; ptxas
  // checks a fatbin's.
  FailureOr<std::string> ptx = getModulePTX(*module, gpuArch);
  if (failed(ptx))
    return reported();
  if (options.emit == EmitKind::PTX)
    return writeText([&](raw_ostream &os) { os << *ptx; });
  return emitFromLLVMDialect(*signature, ModelDevice::CUDA);
}

/// Writes the LLVM IR, assembly, object or shared library of the module,
/// whose tensors live on `device`; host code is generated for this CPU.
llvm::Error Compilation::emitFromLLVMDialect(const ModelSignature &signature,
                                             ModelDevice device) {
  CPUTargetOptions target = getCPUTargetOptions(options);
  std::string error;
  auto machine = createCPUTargetMachine(target, error);
  if (failed(machine))
    return makeError(error);
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModelToLLVMIR(*module, signature, llvmContext, device);
  if (!llvmModule)
    return reported();
  optimizeLLVMModule(*llvmModule, **machine, target.optLevel);
  if (options.emit == EmitKind::LLVM)
    return writeText([&](raw_ostream &os) { llvmModule->print(os, nullptr); });
  if (options.emit == EmitKind::Lib)
    return failed(writeSharedLibrary(*llvmModule, **machine, outputPath, device,
                                     error))
               ? makeError(error)
               : llvm::Error::success();
  std::unique_ptr<llvm::ToolOutputFile> object =
      openOutputFile(outputPath, &error);
  if (!object)
    return makeError(error);
  if (failed(emitMachineCode(*llvmModule, **machine, object->os(),
                             options.emit == EmitKind::Asm, error)))
    return makeError(error);
  object->keep();
  return llvm::Error::success();
}

/// What the GPU kernels are serialized to (--gpu-binary): auto picks a
/// fatbin when the CUDA toolkit has ptxas, fatbinary and libdevice (without
/// libdevice PTX gives the clearer error for kernels that need it).
llvm::Expected<GPUBinary> Compilation::selectGPUBinary() {
  // First: findLibdevice points MLIR's serializer at the toolkit it finds.
  bool libdevice = !findLibdevice().empty();
  GPUBinaryChoice choice = options.gpuBinary.value_or(GPUBinaryChoice::Auto);
  if (options.emit == EmitKind::PTX || choice == GPUBinaryChoice::PTX)
    return GPUBinary::PTX;
  bool tools = canWriteFatbin();
  if (choice == GPUBinaryChoice::Fatbin && !tools)
    return makeError("--gpu-binary=fatbin needs ptxas and fatbinary from a "
                     "CUDA toolkit (in the bin directory of CUDA_HOME, "
                     "CUDA_ROOT or CUDA_PATH, or on PATH); neither path has "
                     "them");
  return tools && (libdevice || choice == GPUBinaryChoice::Fatbin)
             ? GPUBinary::Fatbin
             : GPUBinary::PTX;
}

/// Writes the input model with the quantization of the module as QDQ nodes.
llvm::Error Compilation::writeQDQModel() {
  onnx::ModelProto model;
  std::string error;
  if (failed(readONNXModelFile(options.inputPath, model, error)))
    return makeError(error);
  if (failed(exportQDQModel(*module, model)))
    return reported();
  std::string bytes;
  if (!model.SerializeToString(&bytes))
    return makeError("cannot serialize the QDQ model (over 2 GiB?)");
  std::unique_ptr<llvm::ToolOutputFile> output =
      openOutputFile(outputPath, &error);
  if (!output)
    return makeError(error);
  output->os() << bytes;
  output->keep();
  return llvm::Error::success();
}

llvm::Error Compilation::writeText(function_ref<void(raw_ostream &)> print) {
  std::string error;
  std::unique_ptr<llvm::ToolOutputFile> output =
      openOutputFile(outputPath, &error);
  if (!output)
    return makeError(error);
  print(output->os());
  output->keep();
  return llvm::Error::success();
}

} // namespace

llvm::Error mlir::quill::compile(const CompileOptions &options,
                                 MLIRContext &context) {
  if (llvm::Error error = validateCompileOptions(options))
    return error;
  return Compilation(options, context).run();
}

QuantizePassOptions
mlir::quill::getQuantizePassOptions(const CompileOptions &options,
                                    StringRef statsFile) {
  const QuantizationOptions &quantization = options.quantization;
  QuantizePassOptions pass;
  pass.format = quantization.format.value_or(QuantFormat::Int8);
  pass.weightBlockSize = quantization.weightBlockSize.value_or(0);
  pass.activationBlockSize = quantization.activationBlockSize.value_or(0);
  pass.recipeFile = quantization.recipePath;
  pass.blockScaleRounding = quantization.blockScaleRounding;
  pass.statsFile = statsFile.str();
  pass.calibrator = quantization.calibrator;
  pass.percentile = quantization.percentile;
  pass.perTensorWeights = quantization.perTensorWeights;
  pass.symmetricActivations = quantization.symmetricActivations;
  // Integer-only code has no float tensor inside the model.
  pass.quantizeAllActivations =
      quantization.quantizeAllActivations || options.integerOnly.enabled;
  pass.quantizeAllOutputs =
      quantization.quantizedOutputs
          ? *quantization.quantizedOutputs == QuantizedOutputs::All
          : options.emit == EmitKind::QDQONNX || options.integerOnly.enabled;
  return pass;
}

CPUTargetOptions
mlir::quill::getCPUTargetOptions(const CompileOptions &options) {
  CPUTargetOptions target;
  target.cpu = options.cpu;
  target.optLevel = static_cast<llvm::CodeGenOptLevel>(options.optLevel);
  return target;
}

FailureOr<ModelSignature> mlir::quill::lowerGraphToKernelIR(ModuleOp module) {
  FailureOr<ModelSignature> signature = readModelSignature(module);
  if (failed(signature))
    return failure();
  PassManager kernel(module.getContext());
  buildKernelPipeline(kernel);
  if (failed(kernel.run(module)))
    return failure();
  return signature;
}

LogicalResult
mlir::quill::compileGraphToSharedLibrary(ModuleOp module, StringRef outputPath,
                                         const CPUTargetOptions &options,
                                         std::string &error) {
  FailureOr<ModelSignature> signature = lowerGraphToKernelIR(module);
  if (failed(signature))
    return failure();
  PassManager lowering(module.getContext());
  buildCPULLVMPipeline(lowering);
  if (failed(lowering.run(module)))
    return failure();
  auto machine = createCPUTargetMachine(options, error);
  if (failed(machine))
    return failure();
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModelToLLVMIR(module, *signature, llvmContext);
  if (!llvmModule)
    return failure();
  optimizeLLVMModule(*llvmModule, **machine, options.optLevel);
  return writeSharedLibrary(*llvmModule, **machine, outputPath,
                            ModelDevice::CPU, error);
}
