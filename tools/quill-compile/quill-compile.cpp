//===- quill-compile.cpp - ONNX model to Quill artifacts ------------------===//
//
// quill-compile MODEL.onnx [-o OUT] [--emit=KIND] [-O0..-O3] [--mcpu=NAME]
//               [--quantize=int8 --calibration-data=PATH ...]
//               [--target=nvptx --gpu-arch=sm_NN --gpu-binary=auto|ptx|fatbin]
//               [--target=gpu-emulator]
//
// Imports an ONNX model (binary, or ONNX text syntax for `.onnxtxt`), or
// reads graph IR (`.mlir`, a module with one public function), and writes
// the requested stage: the graph IR as imported or after prepare,
// the kernel IR, LLVM IR, assembly, an object, or (the default) a shared
// library exporting the C ABI of include/quill/Runtime/quill_model.h.
//
//===----------------------------------------------------------------------===//

#include "quill/Driver/Calibrate.h"
#include "quill/Driver/CompileModel.h"
#include "quill/Driver/QuantizationReport.h"
#include "quill/Export/QDQExport.h"
#include "quill/Import/ONNXImporter.h"
#include "quill/Pipelines/Pipelines.h"
#include "quill/Target/CPU/CPUTarget.h"
#include "quill/Target/NVPTX/NVPTXTarget.h"
#include "quill/Transforms/Passes.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"

#include <onnx/onnx_pb.h>

using namespace mlir;

namespace {
enum class EmitKind {
  Import,
  Graph,
  QDQONNX,
  Kernel,
  LLVM,
  Asm,
  Obj,
  Lib,
  PTX
};
enum class Target { CPU, NVPTX, GPUEmulator };
enum class GPUBinaryChoice { Auto, PTX, Fatbin };
} // namespace

static llvm::cl::OptionCategory compilerOptions("Compiler options");
static llvm::cl::opt<std::string>
    inputPath(llvm::cl::Positional,
              llvm::cl::desc("<model.onnx | model.onnxtxt | graph.mlir>"),
              llvm::cl::Required, llvm::cl::cat(compilerOptions));
static llvm::cl::opt<std::string> outputPath(
    "o",
    llvm::cl::desc("Output file ('-' for stdout; default: stdout for text, "
                   "the model's path with .so/.o for libraries and objects)"),
    llvm::cl::value_desc("path"), llvm::cl::cat(compilerOptions));
static llvm::cl::opt<EmitKind> emitKind(
    "emit", llvm::cl::desc("What to write"),
    llvm::cl::values(
        clEnumValN(EmitKind::Import, "import",
                   "the graph IR as imported, before the prepare pipeline"),
        clEnumValN(EmitKind::Graph, "graph", "the graph IR after prepare"),
        clEnumValN(EmitKind::QDQONNX, "qdq-onnx",
                   "the quantized model as a QDQ ONNX model (with "
                   "--quantize; default output MODEL.qdq.onnx)"),
        clEnumValN(EmitKind::Kernel, "kernel",
                   "the kernel IR (linalg/tensor/arith/math on tensors)"),
        clEnumValN(EmitKind::LLVM, "llvm", "optimized LLVM IR (text)"),
        clEnumValN(EmitKind::Asm, "asm", "assembly"),
        clEnumValN(EmitKind::Obj, "obj", "an object file"),
        clEnumValN(EmitKind::Lib, "lib", "a shared library (default)"),
        clEnumValN(EmitKind::PTX, "ptx",
                   "the GPU kernels as PTX (with --target=nvptx)")),
    llvm::cl::init(EmitKind::Lib), llvm::cl::cat(compilerOptions));
static llvm::cl::opt<char> optLevel(
    "O", llvm::cl::desc("Optimization level: -O0, -O1, -O2 or -O3 (default)"),
    llvm::cl::Prefix, llvm::cl::init('3'), llvm::cl::cat(compilerOptions));
static llvm::cl::opt<std::string>
    mcpu("mcpu", llvm::cl::desc("CPU to generate code for (default: the host)"),
         llvm::cl::value_desc("name"), llvm::cl::cat(compilerOptions));
static llvm::cl::list<std::string> inputShapes(
    "input-shape",
    llvm::cl::desc(
        "Static shape of a graph input, NAME=D0xD1x... (repeatable)"),
    llvm::cl::value_desc("NAME=SHAPE"), llvm::cl::cat(compilerOptions));

static llvm::cl::OptionCategory quantization("Quantization options");
static llvm::cl::opt<std::string> quantizeMode(
    "quantize",
    llvm::cl::desc("Post-training quantization: int8 (int8 weights per "
                   "output channel, 8-bit activations, integer kernels), "
                   "int4-weights (weight-only, no calibration), fp8-e4m3 or "
                   "fp8-e5m2 (fp8 weights and activations, f32 products)"),
    llvm::cl::value_desc("int8|int4-weights|fp8-e4m3|fp8-e5m2"),
    llvm::cl::cat(quantization));
static llvm::cl::opt<int64_t> weightBlockSize(
    "weight-block-size",
    llvm::cl::desc("With --quantize=int4-weights: one MatMul / Gemm weight "
                   "scale per block of N along the reduction axis (default: "
                   "one per output channel)"),
    llvm::cl::value_desc("N"), llvm::cl::init(0), llvm::cl::cat(quantization));
static llvm::cl::opt<std::string> calibrationData(
    "calibration-data",
    llvm::cl::desc("Calibration samples: a directory with one sub-directory "
                   "of NAME.npy / NAME.pb files per sample, or an .npz "
                   "stacking the samples of each input"),
    llvm::cl::value_desc("PATH"), llvm::cl::cat(quantization));
static llvm::cl::opt<std::string> calibrationStats(
    "calibration-stats",
    llvm::cl::desc("Calibration statistics (JSON): read them, or write them "
                   "when --calibration-data runs a calibration"),
    llvm::cl::value_desc("FILE"), llvm::cl::cat(quantization));
static llvm::cl::opt<std::string> calibrator(
    "calibrator",
    llvm::cl::desc("Range calibrator: max (default), percentile, entropy, mse"),
    llvm::cl::init("max"), llvm::cl::cat(quantization));
static llvm::cl::opt<double>
    percentile("percentile",
               llvm::cl::desc("Percentile kept by --calibrator=percentile "
                              "(default 99.99)"),
               llvm::cl::init(99.99), llvm::cl::cat(quantization));
static llvm::cl::opt<bool> perTensorWeights(
    "per-tensor-weights",
    llvm::cl::desc("One weight scale per tensor, not per output channel"),
    llvm::cl::cat(quantization));
static llvm::cl::opt<bool> symmetricActivations(
    "symmetric-activations",
    llvm::cl::desc("int8 activations with zero point 0 (default: uint8 "
                   "with a zero point)"),
    llvm::cl::cat(quantization));

static llvm::cl::opt<std::string> quantizedOutputs(
    "quantized-outputs",
    llvm::cl::desc("Which MatMul/Gemm outputs are quantized: 'consumed' "
                   "(default; those another quantized op reads, the rest "
                   "come from int32 as float) or 'all' (as ONNX Runtime's "
                   "quantizer does; the default with --emit=qdq-onnx, the "
                   "form ONNX Runtime runs fastest)"),
    llvm::cl::value_desc("consumed|all"), llvm::cl::cat(quantization));

static llvm::cl::opt<bool> quantizeAllActivations(
    "quantize-all-activations",
    llvm::cl::desc("With --quantize=int8: quantize every activation tensor "
                   "(adds, LayerNorm, Softmax, GELU, ... outputs), not only "
                   "the products' inputs and outputs; the ops between run "
                   "in float on dequantized values (float-simulated int8) "
                   "unless --integer-only, which implies this"),
    llvm::cl::cat(quantization));

static llvm::cl::opt<std::string> reportPath(
    "report",
    llvm::cl::desc("Write a quantization report (JSON) and print it as a "
                   "table: per quantized op, its ranges and the SQNR of its "
                   "output against the float model on the calibration data"),
    llvm::cl::value_desc("FILE.json"), llvm::cl::cat(quantization));

static llvm::cl::opt<bool> integerOnly(
    "integer-only",
    llvm::cl::desc("Compute everything between the input quantization and "
                   "the output dequantization on integers (quill-dyadic); "
                   "fails naming each op that still computes in float. "
                   "Needs a quantized model or --quantize=int8"),
    llvm::cl::cat(quantization));

static llvm::cl::opt<std::string> softmaxExp(
    "softmax-exp",
    llvm::cl::desc("With --integer-only: softmax's integer exponential, "
                   "i-exp (I-BERT, default) or shift (I-ViT's Shiftmax)"),
    llvm::cl::init("i-exp"), llvm::cl::cat(quantization));

static llvm::cl::opt<std::string> geluForm(
    "gelu",
    llvm::cl::desc("With --integer-only: GELU as a table of its quantized "
                   "values (table, default, exact) or I-BERT's integer "
                   "polynomial (i-gelu, vectorizes)"),
    llvm::cl::init("table"), llvm::cl::cat(quantization));

static llvm::cl::opt<Target> target(
    "target", llvm::cl::desc("What to generate code for"),
    llvm::cl::values(clEnumValN(Target::CPU, "cpu", "x86-64 CPUs (default)"),
                     clEnumValN(Target::NVPTX, "nvptx",
                                "NVIDIA GPUs (a library launching PTX "
                                "kernels through the CUDA driver)"),
                     clEnumValN(Target::GPUEmulator, "gpu-emulator",
                                "this CPU, through the GPU pipeline: the "
                                "kernels' loop nests run serially, to check "
                                "the GPU path's arithmetic without a GPU")),
    llvm::cl::init(Target::CPU), llvm::cl::cat(compilerOptions));

static llvm::cl::opt<std::string>
    gpuArch("gpu-arch",
            llvm::cl::desc("GPU architecture for --target=nvptx: sm_80, "
                           "sm_86, sm_89 or sm_90 (default)"),
            llvm::cl::init("sm_90"), llvm::cl::cat(compilerOptions));

static llvm::cl::opt<GPUBinaryChoice> gpuBinary(
    "gpu-binary", llvm::cl::desc("What a GPU library carries its kernels as"),
    llvm::cl::values(
        clEnumValN(GPUBinaryChoice::Auto, "auto",
                   "a fatbin where the CUDA toolkit is found, else PTX "
                   "(default)"),
        clEnumValN(GPUBinaryChoice::PTX, "ptx",
                   "PTX, JIT-compiled by the driver on first use"),
        clEnumValN(GPUBinaryChoice::Fatbin, "fatbin",
                   "a cubin for --gpu-arch and the PTX for newer GPUs "
                   "(needs ptxas and fatbinary)")),
    llvm::cl::init(GPUBinaryChoice::Auto), llvm::cl::cat(compilerOptions));

/// Checks the target options; the message names the one at fault.
static LogicalResult checkTargetOptions(std::string &error) {
  bool gpu = target == Target::NVPTX;
  if (!quill::isSupportedGPUArch(gpuArch))
    error = "unknown --gpu-arch '" + gpuArch +
            "' (expected sm_80, sm_86, sm_89 or sm_90)";
  else if (gpuArch.getNumOccurrences() && !gpu)
    error = "--gpu-arch needs --target=nvptx";
  else if (emitKind == EmitKind::PTX && !gpu)
    error = "--emit=ptx needs --target=nvptx";
  else if (gpuBinary.getNumOccurrences() && !gpu)
    error = "--gpu-binary needs --target=nvptx";
  else if (emitKind == EmitKind::PTX && gpuBinary == GPUBinaryChoice::Fatbin)
    error = "--emit=ptx writes PTX; --gpu-binary=fatbin is for libraries";
  else if (gpu && mcpu.getNumOccurrences())
    error = "--mcpu is for --target=cpu; use --gpu-arch";
  return success(error.empty());
}

/// Checks the quantization options; the message names the one at fault.
static LogicalResult checkQuantizationOptions(std::string &error) {
  if (quantizeMode.empty() && !calibrationData.empty())
    error = "--calibration-data needs --quantize";
  else if (quantizeMode.empty() && !calibrationStats.empty())
    error = "--calibration-stats needs --quantize";
  else if (quantizeMode.empty() && emitKind == EmitKind::QDQONNX)
    error = "--emit=qdq-onnx needs --quantize";
  else if (quantizedOutputs.getNumOccurrences() &&
           quantizedOutputs != "consumed" && quantizedOutputs != "all")
    error = "unknown --quantized-outputs '" + quantizedOutputs +
            "' (expected consumed or all)";
  else if (quantizeMode.empty() && !reportPath.empty())
    error = "--report needs --quantize";
  else if (!reportPath.empty() && calibrationData.empty())
    error = "--report needs --calibration-data (it runs the samples)";
  else if (!quantizeMode.empty() && quantizeMode != "int8" &&
           quantizeMode != "int4-weights" && quantizeMode != "fp8-e4m3" &&
           quantizeMode != "fp8-e5m2")
    error = "unknown --quantize mode '" + quantizeMode +
            "' (expected int8, int4-weights, fp8-e4m3 or fp8-e5m2)";
  else if (weightBlockSize.getNumOccurrences() &&
           (quantizeMode != "int4-weights" || weightBlockSize <= 0))
    error = "--weight-block-size needs --quantize=int4-weights and a "
            "positive size";
  else if (quantizeMode != "int4-weights" && !quantizeMode.empty() &&
           calibrationData.empty() && calibrationStats.empty())
    error = "--quantize=" + quantizeMode +
            " needs --calibration-data=PATH or --calibration-stats=FILE";
  else if (integerOnly && !quantizeMode.empty() && quantizeMode != "int8")
    error = "--integer-only needs --quantize=int8 (or an already quantized "
            "model), not --quantize=" +
            quantizeMode;
  else if (quantizeAllActivations && quantizeMode != "int8")
    error = "--quantize-all-activations needs --quantize=int8";
  else if (integerOnly && emitKind == EmitKind::QDQONNX)
    error = "--integer-only compiles the model; --emit=qdq-onnx writes the "
            "quantized graph before that rewrite";
  else if ((softmaxExp.getNumOccurrences() || geluForm.getNumOccurrences()) &&
           !integerOnly)
    error = std::string(softmaxExp.getNumOccurrences() ? "--softmax-exp"
                                                       : "--gelu") +
            " needs --integer-only";
  else if (softmaxExp != "i-exp" && softmaxExp != "shift")
    error =
        "unknown --softmax-exp '" + softmaxExp + "' (expected i-exp or shift)";
  else if (geluForm != "table" && geluForm != "i-gelu")
    error = "unknown --gelu '" + geluForm + "' (expected table or i-gelu)";
  else if (emitKind == EmitKind::QDQONNX && quantizeMode != "int8")
    error = "--emit=qdq-onnx writes int8 models (ONNX's int4 and fp8 "
            "QuantizeLinear need opsets 19 and 21)";
  return success(error.empty());
}

/// quill-quantize's options from the command line.
static quill::QuantizePassOptions getQuantizePassOptions(StringRef statsFile) {
  quill::QuantizePassOptions options;
  options.format = quantizeMode;
  options.weightBlockSize = weightBlockSize;
  options.statsFile = statsFile.str();
  options.calibratorName = calibrator;
  options.percentile = percentile;
  options.perTensorWeights = perTensorWeights;
  options.symmetricActivations = symmetricActivations;
  // Integer-only code has no float tensor inside the model.
  options.quantizeAllActivations = quantizeAllActivations || integerOnly;
  options.quantizeAllOutputs =
      quantizedOutputs.getNumOccurrences()
          ? quantizedOutputs == "all"
          : emitKind == EmitKind::QDQONNX || integerOnly;
  return options;
}

/// The file (and line, when there is one) a location points into.
static std::string describeLocation(Location loc) {
  if (auto named = dyn_cast<NameLoc>(loc))
    return describeLocation(named.getChildLoc());
  if (auto fused = dyn_cast<FusedLoc>(loc))
    return fused.getLocations().empty()
               ? std::string("<unknown>")
               : describeLocation(fused.getLocations().front());
  if (auto file = dyn_cast<FileLineColLoc>(loc)) {
    std::string text = file.getFilename().str();
    if (file.getLine() != 0)
      text += ":" + std::to_string(file.getLine()) + ":" +
              std::to_string(file.getColumn());
    return text;
  }
  return "<unknown>";
}

/// Prints `FILE: error: MESSAGE`, ONNX models having no lines to point at.
static void printDiagnostic(Diagnostic &diag) {
  StringRef severity = "error";
  if (diag.getSeverity() == DiagnosticSeverity::Warning)
    severity = "warning";
  else if (diag.getSeverity() == DiagnosticSeverity::Note)
    severity = "note";
  else if (diag.getSeverity() == DiagnosticSeverity::Remark)
    severity = "remark";
  llvm::errs() << describeLocation(diag.getLocation()) << ": " << severity
               << ": " << diag << "\n";
  for (Diagnostic &note : diag.getNotes())
    printDiagnostic(note);
}

static bool isTextual(EmitKind kind) {
  return kind != EmitKind::Obj && kind != EmitKind::Lib &&
         kind != EmitKind::QDQONNX;
}

static std::string defaultOutputPath() {
  if (isTextual(emitKind))
    return "-";
  SmallString<256> path(inputPath.getValue());
  llvm::sys::path::replace_extension(path, emitKind == EmitKind::Lib ? "so"
                                           : emitKind == EmitKind::QDQONNX
                                               ? "qdq.onnx"
                                               : "o");
  return std::string(path);
}

static int fail(const Twine &message) {
  llvm::errs() << "quill-compile: " << message << "\n";
  return 1;
}

static LogicalResult writeText(function_ref<void(raw_ostream &)> print) {
  std::string error;
  std::unique_ptr<llvm::ToolOutputFile> output =
      openOutputFile(outputPath, &error);
  if (!output) {
    fail(error);
    return failure();
  }
  print(output->os());
  output->keep();
  return success();
}

static quill::CPUTargetOptions getTargetOptions() {
  quill::CPUTargetOptions options;
  options.cpu = mcpu;
  options.optLevel = static_cast<llvm::CodeGenOptLevel>(optLevel - '0');
  return options;
}

/// Writes the LLVM IR, assembly, object or shared library of `module`, whose
/// tensors live on `device`; host code is generated for this CPU.
static int emitFromLLVMDialect(ModuleOp module,
                               const quill::ModelSignature &signature,
                               quill::ModelDevice device) {
  quill::CPUTargetOptions options = getTargetOptions();
  std::string error;
  auto machine = quill::createCPUTargetMachine(options, error);
  if (failed(machine))
    return fail(error);
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      quill::translateModelToLLVMIR(module, signature, llvmContext, device);
  if (!llvmModule)
    return 1;
  quill::optimizeLLVMModule(*llvmModule, **machine, options.optLevel);
  if (emitKind == EmitKind::LLVM)
    return failed(
        writeText([&](raw_ostream &os) { llvmModule->print(os, nullptr); }));
  if (emitKind == EmitKind::Lib)
    return failed(quill::writeSharedLibrary(*llvmModule, **machine, outputPath,
                                            device, error))
               ? fail(error)
               : 0;
  std::unique_ptr<llvm::ToolOutputFile> object =
      openOutputFile(outputPath, &error);
  if (!object)
    return fail(error);
  if (failed(quill::emitMachineCode(*llvmModule, **machine, object->os(),
                                    emitKind == EmitKind::Asm, error)))
    return fail(error);
  object->keep();
  return 0;
}

/// What the GPU kernels are serialized to (--gpu-binary): auto picks a
/// fatbin when the CUDA toolkit has ptxas, fatbinary and libdevice (without
/// libdevice PTX gives the clearer error for kernels that need it).
static FailureOr<quill::GPUBinary> selectGPUBinary() {
  bool libdevice = !quill::findLibdevice().empty();
  if (emitKind == EmitKind::PTX || gpuBinary == GPUBinaryChoice::PTX)
    return quill::GPUBinary::PTX;
  bool tools = quill::canWriteFatbin();
  if (gpuBinary == GPUBinaryChoice::Fatbin && !tools) {
    fail("--gpu-binary=fatbin needs ptxas and fatbinary from a CUDA toolkit "
         "(in the bin directory of CUDA_HOME, CUDA_ROOT or CUDA_PATH, or on "
         "PATH); neither path has them");
    return failure();
  }
  return tools && (libdevice || gpuBinary == GPUBinaryChoice::Fatbin)
             ? quill::GPUBinary::Fatbin
             : quill::GPUBinary::PTX;
}

/// Writes the input model with the quantization of `module` as QDQ nodes.
static int writeQDQModel(ModuleOp module) {
  onnx::ModelProto model;
  std::string error;
  if (failed(quill::readONNXModelFile(inputPath, model, error)))
    return fail(error);
  if (failed(quill::exportQDQModel(module, model)))
    return 1;
  std::string bytes;
  if (!model.SerializeToString(&bytes))
    return fail("cannot serialize the QDQ model (over 2 GiB?)");
  std::unique_ptr<llvm::ToolOutputFile> output =
      openOutputFile(outputPath, &error);
  if (!output)
    return fail(error);
  output->os() << bytes;
  output->keep();
  return 0;
}

/// Prints the quantization report of the prepared float graph `module` and
/// writes it to --report. The table goes to stderr when stdout carries the
/// compiled output.
static LogicalResult writeReport(ModuleOp module, StringRef statsFile,
                                 const quill::CalibrationRunOptions &run) {
  llvm::Expected<quill::QuantizationReport> report = quill::reportQuantization(
      module, getQuantizePassOptions(statsFile), calibrationData, run);
  llvm::Error error = report
                          ? quill::writeQuantizationReport(*report, reportPath)
                          : report.takeError();
  if (error) {
    std::string message = llvm::toString(std::move(error));
    if (!message.empty())
      fail(message);
    return failure();
  }
  quill::printQuantizationReport(*report, outputPath == "-" ? llvm::errs()
                                                            : llvm::outs());
  return success();
}

/// Calibrates when asked to, then runs the quantization pipeline.
static LogicalResult quantize(ModuleOp module) {
  std::string statsFile = calibrationStats;
  std::optional<llvm::FileRemover> removeStats;
  quill::CalibrationRunOptions options;
  options.target = getTargetOptions();
  if (!calibrationData.empty()) {
    llvm::Expected<quill::CalibrationStatistics> statistics =
        quill::runCalibration(module, calibrationData, options);
    if (!statistics) {
      std::string message = llvm::toString(statistics.takeError());
      if (!message.empty())
        fail(message);
      return failure();
    }
    if (statsFile.empty()) {
      SmallString<128> temporary;
      if (std::error_code ec = llvm::sys::fs::createTemporaryFile(
              "quill-statistics", "json", temporary)) {
        fail("cannot create a temporary file: " + ec.message());
        return failure();
      }
      statsFile = std::string(temporary);
      removeStats.emplace(statsFile);
    }
    if (llvm::Error error =
            quill::writeCalibrationStatistics(*statistics, statsFile)) {
      fail(llvm::toString(std::move(error)));
      return failure();
    }
  }
  if (!reportPath.empty() && failed(writeReport(module, statsFile, options)))
    return failure();
  PassManager pm(module.getContext());
  pm.addNestedPass<func::FuncOp>(
      quill::createQuantizePass(getQuantizePassOptions(statsFile)));
  if (emitKind != EmitKind::QDQONNX)
    quill::buildQDQToIntegerPipeline(pm);
  return pm.run(module);
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  quill::registerQuillPassesAndPipelines();
  // --mlir-print-debuginfo keeps ONNX names (locations) in textual IR.
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  // LLVM's and MLIR's own options still parse (--mlir-print-debuginfo ...),
  // but --help lists Quill's.
  llvm::cl::HideUnrelatedOptions({&compilerOptions, &quantization});
  llvm::cl::ParseCommandLineOptions(argc, argv, "Quill ONNX compiler\n");
  if (optLevel < '0' || optLevel > '3')
    return fail("unknown optimization level -O" + std::string(1, optLevel) +
                " (use -O0 to -O3)");
  if (outputPath.empty())
    outputPath = defaultOutputPath();

  std::string optionError;
  if (failed(checkTargetOptions(optionError)) ||
      failed(checkQuantizationOptions(optionError)))
    return fail(optionError);

  quill::ONNXImportOptions options;
  for (const std::string &spec : inputShapes) {
    std::string error;
    if (failed(quill::parseInputShape(spec, options, error)))
      return fail("--input-shape: " + error);
  }

  DialectRegistry registry;
  quill::registerQuillDialects(registry);
  MLIRContext context(registry);
  // Users of an ONNX compiler want the message, not an IR dump.
  context.printOpOnDiagnostic(false);
  context.getDiagEngine().registerHandler(printDiagnostic);
  bool isGraphIR = StringRef(inputPath).ends_with(".mlir");
  if (isGraphIR && emitKind == EmitKind::QDQONNX)
    return fail("--emit=qdq-onnx needs an ONNX model, not graph IR");
  OwningOpRef<ModuleOp> module =
      isGraphIR ? parseSourceFile<ModuleOp>(inputPath, &context)
                : quill::importONNXFile(inputPath, &context, options);
  if (!module || failed(verify(*module)))
    return 1;
  if (emitKind == EmitKind::Import)
    return failed(writeText([&](raw_ostream &os) { module->print(os); }));

  PassManager prepare(&context);
  quill::buildPreparePipeline(prepare);
  if (failed(prepare.run(*module)))
    return 1;
  if (!quantizeMode.empty() && failed(quantize(*module)))
    return 1;
  if (integerOnly) {
    PassManager rewrite(&context);
    quill::DyadicPassOptions options;
    options.softmaxExp = softmaxExp;
    options.gelu = geluForm;
    quill::buildIntegerOnlyPipeline(rewrite, options);
    if (failed(rewrite.run(*module)))
      return 1;
  }
  if (emitKind == EmitKind::QDQONNX)
    return writeQDQModel(*module);
  if (emitKind == EmitKind::Graph)
    return failed(writeText([&](raw_ostream &os) { module->print(os); }));

  FailureOr<quill::ModelSignature> signature =
      quill::lowerGraphToKernelIR(*module);
  if (failed(signature))
    return 1;
  if (emitKind == EmitKind::Kernel)
    return failed(writeText([&](raw_ostream &os) { module->print(os); }));

  if (target == Target::GPUEmulator) {
    PassManager emulator(&context);
    if (failed(quill::buildGPUEmulatorPipeline(emulator)) ||
        failed(emulator.run(*module)))
      return 1;
    return emitFromLLVMDialect(*module, *signature, quill::ModelDevice::CPU);
  }
  if (target == Target::NVPTX) {
    FailureOr<quill::GPUBinary> binary = selectGPUBinary();
    if (failed(binary))
      return 1;
    PassManager gpu(&context);
    if (failed(quill::buildNVPTXPipeline(gpu, gpuArch, *binary)) ||
        failed(gpu.run(*module)))
      return 1;
    if (*binary == quill::GPUBinary::Fatbin)
      return emitFromLLVMDialect(*module, *signature, quill::ModelDevice::CUDA);
    // PTX is checked (libdevice calls resolved) whatever is written; ptxas
    // checks a fatbin's.
    FailureOr<std::string> ptx = quill::getModulePTX(*module, gpuArch);
    if (failed(ptx))
      return 1;
    if (emitKind == EmitKind::PTX)
      return failed(writeText([&](raw_ostream &os) { os << *ptx; }));
    return emitFromLLVMDialect(*module, *signature, quill::ModelDevice::CUDA);
  }

  if (failed(quill::lowerKernelIRToLLVMDialect(*module)))
    return 1;
  return emitFromLLVMDialect(*module, *signature, quill::ModelDevice::CPU);
}
