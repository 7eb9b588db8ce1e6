//===- quill-compile.cpp - ONNX model to Quill artifacts ------------------===//
//
// quill-compile MODEL.onnx [-o OUT] [--emit=KIND] [-O0..-O3] [--mcpu=NAME]
//               [--quantize=int8 --calibration-data=PATH ...]
//               [--target=nvptx --gpu-arch=sm_NN --gpu-binary=auto|ptx|fatbin]
//               [--target=gpu-emulator]
//
// Parses its flags into a CompileOptions and hands it to the driver
// (quill/Driver/Compiler.h), which imports an ONNX model (binary, or ONNX
// text syntax for `.onnxtxt`) or reads graph IR (`.mlir`), and writes the
// requested stage. This file holds no compilation logic: the flags, and how
// diagnostics are printed.
//
//===----------------------------------------------------------------------===//

#include "quill/Driver/Compiler.h"
#include "quill/Pipelines/Pipelines.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"

using namespace mlir;
using quill::CompileTarget;
using quill::EmitKind;
using quill::GPUBinaryChoice;
using quill::QuantizedOutputs;

namespace cl = llvm::cl;

static cl::OptionCategory compilerOptions("Compiler options");
static cl::opt<std::string>
    inputPath(cl::Positional,
              cl::desc("<model.onnx | model.onnxtxt | graph.mlir>"),
              cl::Required, cl::cat(compilerOptions));
static cl::opt<std::string> outputPath(
    "o",
    cl::desc("Output file ('-' for stdout; default: stdout for text, "
             "the model's path with .so/.o for libraries and objects)"),
    cl::value_desc("path"), cl::cat(compilerOptions));
static cl::opt<EmitKind> emitKind(
    "emit", cl::desc("What to write"),
    cl::values(
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
    cl::init(EmitKind::Lib), cl::cat(compilerOptions));
static cl::opt<char>
    optLevel("O",
             cl::desc("Optimization level: -O0, -O1, -O2 or -O3 (default)"),
             cl::Prefix, cl::init('3'), cl::cat(compilerOptions));
static cl::opt<std::string>
    mcpu("mcpu", cl::desc("CPU to generate code for (default: the host)"),
         cl::value_desc("name"), cl::cat(compilerOptions));
static cl::list<std::string> inputShapes(
    "input-shape",
    cl::desc("Static shape of a graph input, NAME=D0xD1x... (repeatable)"),
    cl::value_desc("NAME=SHAPE"), cl::cat(compilerOptions));
static cl::list<std::string> frozenInputs(
    "freeze-input",
    cl::desc("Make a graph input a constant of the model, its value from a "
             ".npy or TensorProto .pb file or the given numbers "
             "(repeatable)"),
    cl::value_desc("NAME=FILE|V0,V1,..."), cl::cat(compilerOptions));
static cl::opt<CompileTarget> target(
    "target", cl::desc("What to generate code for"),
    cl::values(clEnumValN(CompileTarget::CPU, "cpu", "x86-64 CPUs (default)"),
               clEnumValN(CompileTarget::NVPTX, "nvptx",
                          "NVIDIA GPUs (a library launching PTX kernels "
                          "through the CUDA driver)"),
               clEnumValN(CompileTarget::GPUEmulator, "gpu-emulator",
                          "this CPU, through the GPU pipeline: the kernels' "
                          "loop nests run serially, to check the GPU path's "
                          "arithmetic without a GPU")),
    cl::init(CompileTarget::CPU), cl::cat(compilerOptions));
static cl::opt<std::string>
    gpuArch("gpu-arch",
            cl::desc("GPU architecture for --target=nvptx: sm_80, sm_86, "
                     "sm_89 or sm_90 (default)"),
            cl::cat(compilerOptions));
static cl::opt<GPUBinaryChoice> gpuBinary(
    "gpu-binary", cl::desc("What a GPU library carries its kernels as"),
    cl::values(clEnumValN(GPUBinaryChoice::Auto, "auto",
                          "a fatbin where the CUDA toolkit is found, else "
                          "PTX (default)"),
               clEnumValN(GPUBinaryChoice::PTX, "ptx",
                          "PTX, JIT-compiled by the driver on first use"),
               clEnumValN(GPUBinaryChoice::Fatbin, "fatbin",
                          "a cubin for --gpu-arch and the PTX for newer "
                          "GPUs (needs ptxas and fatbinary)")),
    cl::cat(compilerOptions));

static cl::OptionCategory quantization("Quantization options");
static cl::opt<quill::QuantFormat>
    quantizeFormat("quantize", cl::desc("Post-training quantization"),
                   quill::getQuantFormatValues(), cl::cat(quantization));
static cl::opt<int64_t> weightBlockSize(
    "weight-block-size",
    cl::desc("With --quantize=int4-weights or int4: one MatMul / Gemm "
             "weight scale per block of N along the reduction axis (default: "
             "one per "
             "output channel)"),
    cl::value_desc("N"), cl::cat(quantization));
static cl::opt<int64_t> activationBlockSize(
    "activation-block-size",
    cl::desc("With --quantize=int4: activations quantized at run time per "
             "block of N along the reduction axis, symmetric at max|x| / 7 "
             "(default: per tensor, from calibration)"),
    cl::value_desc("N"), cl::cat(quantization));
static cl::opt<quill::BlockScaleRounding> blockScaleRounding(
    "block-scale-rounding",
    cl::desc("MX activations: the shared exponent rule (default: floor)"),
    cl::values(clEnumValN(quill::BlockScaleRounding::Floor, "floor",
                          "OCP: floor(log2(amax)) - emax (may saturate)"),
               clEnumValN(quill::BlockScaleRounding::Up, "up",
                          "ceil(log2(amax / max_element)): nothing "
                          "saturates")),
    cl::init(quill::BlockScaleRounding::Floor), cl::cat(quantization));
static cl::opt<std::string> quantizeRecipe(
    "quantize-recipe",
    cl::desc("Per-layer formats: lines 'PATTERN FORMAT' (a glob over ONNX "
             "node names; a --quantize format or 'float'); the first match "
             "wins, other layers take --quantize"),
    cl::value_desc("FILE"), cl::cat(quantization));
static cl::opt<std::string> calibrationData(
    "calibration-data",
    cl::desc("Calibration samples: a directory with one sub-directory of "
             "NAME.npy / NAME.pb files per sample, or an .npz stacking the "
             "samples of each input"),
    cl::value_desc("PATH"), cl::cat(quantization));
static cl::opt<std::string> calibrationStats(
    "calibration-stats",
    cl::desc("Calibration statistics (JSON): read them, or write them when "
             "--calibration-data runs a calibration"),
    cl::value_desc("FILE"), cl::cat(quantization));
static cl::opt<quill::Calibrator>
    calibrator("calibrator", cl::desc("Range calibrator (default: max)"),
               quill::getCalibratorValues(), cl::init(quill::Calibrator::Max),
               cl::cat(quantization));
static cl::opt<double>
    percentile("percentile",
               cl::desc("Percentile kept by --calibrator=percentile "
                        "(default 99.99)"),
               cl::init(99.99), cl::cat(quantization));
static cl::opt<bool>
    perTensorWeights("per-tensor-weights",
                     cl::desc("One weight scale per tensor, not per output "
                              "channel"),
                     cl::cat(quantization));
static cl::opt<bool> symmetricActivations(
    "symmetric-activations",
    cl::desc("int8 activations with zero point 0 (default: uint8 with a "
             "zero point)"),
    cl::cat(quantization));
static cl::opt<QuantizedOutputs> quantizedOutputs(
    "quantized-outputs",
    cl::desc("Which MatMul/Gemm outputs are quantized (default: consumed; "
             "all with --emit=qdq-onnx and --integer-only)"),
    cl::values(clEnumValN(QuantizedOutputs::Consumed, "consumed",
                          "those another quantized op reads; the rest come "
                          "from int32 as float"),
               clEnumValN(QuantizedOutputs::All, "all",
                          "all, as ONNX Runtime's quantizer does (the form "
                          "ONNX Runtime runs fastest)")),
    cl::cat(quantization));
static cl::opt<bool> quantizeAllActivations(
    "quantize-all-activations",
    cl::desc("With --quantize=int8: quantize every activation tensor (adds, "
             "LayerNorm, Softmax, GELU, ... outputs), not only the "
             "products' inputs and outputs; the ops between run in float on "
             "dequantized values (float-simulated int8) unless "
             "--integer-only, which implies this"),
    cl::cat(quantization));
static cl::opt<std::string> reportPath(
    "report",
    cl::desc("Write a quantization report (JSON) and print it as a table: "
             "per quantized op, its ranges and the SQNR of its output "
             "against the float model on the calibration data"),
    cl::value_desc("FILE.json"), cl::cat(quantization));
static cl::opt<quill::ReorderObjective> reorderChannels(
    "reorder-channels",
    cl::desc("Before quantizing, permute channels (keeping the function) so "
             "that the format's blocks quantize them well: "
             "--reorder-channels[=auto|group|spread] (default: auto)"),
    cl::ValueOptional,
    cl::values(clEnumValN(quill::ReorderObjective::Auto, "", "as auto"),
               clEnumValN(quill::ReorderObjective::Auto, "auto",
                          "per channel group, the least estimated error "
                          "among none, group and spread"),
               clEnumValN(quill::ReorderObjective::Group, "group",
                          "each block holds similar magnitudes"),
               clEnumValN(quill::ReorderObjective::Spread, "spread",
                          "the largest channels dealt over the blocks")),
    cl::cat(quantization));
static cl::opt<quill::ReorderStatistic> reorderStatistic(
    "reorder-statistic",
    cl::desc("With --reorder-channels: what channels are ranked by "
             "(default: auto)"),
    quill::getReorderStatisticValues(), cl::cat(quantization));
static cl::opt<quill::RotationChoice> rotate(
    "rotate",
    cl::desc("Before calibrating, rotate each MatMul / Gemm input by a random "
             "Hadamard matrix (online, inverse folded into the weights; the "
             "function is kept): --rotate[=auto|full|block] (default: auto)"),
    cl::ValueOptional,
    cl::values(clEnumValN(quill::RotationChoice::Auto, "", "as auto"),
               clEnumValN(quill::RotationChoice::Auto, "auto",
                          "per product, the least estimated error among "
                          "none, the whole axis and the format's blocks"),
               clEnumValN(quill::RotationChoice::Full, "full",
                          "the whole reduction axis"),
               clEnumValN(quill::RotationChoice::Block, "block",
                          "blocks of the format's group size")),
    cl::cat(quantization));
static cl::opt<bool> verifyFloatEquivalence(
    "verify-float-equivalence",
    cl::desc("With --reorder-channels or --rotate: run the float model "
             "before and after them on the calibration samples, print the "
             "largest relative difference and fail above 1e-4"),
    cl::cat(quantization));
static cl::opt<bool> integerOnly(
    "integer-only",
    cl::desc("Compute everything between the input quantization and the "
             "output dequantization on integers (quill-dyadic); fails naming "
             "each op that still computes in float. Needs a quantized model "
             "or --quantize=int8"),
    cl::cat(quantization));
static cl::opt<quill::ExpApproximation> softmaxExp(
    "softmax-exp",
    cl::desc("With --integer-only: softmax's integer exponential (default: "
             "i-exp)"),
    quill::getExpApproximationValues(), cl::cat(quantization));
static cl::opt<quill::GeluForm>
    geluForm("gelu",
             cl::desc("With --integer-only: GELU's integer form (default: "
                      "table)"),
             quill::getGeluFormValues(), cl::cat(quantization));

/// A flag's value when it was given.
static cl::opt<quill::LowBitCompute> lowBitCompute(
    "low-bit-compute",
    cl::desc("--target=cpu: what products with 4-bit weights (int4, uint4, "
             "MXFP4, NVFP4 in blocks of a multiple of 8; MatMulNBits) "
             "multiply the activations in (default: f32)"),
    quill::getLowBitComputeValues(), cl::cat(compilerOptions));
template <typename T, typename Option>
static std::optional<T> given(const Option &option) {
  if (!option.getNumOccurrences())
    return std::nullopt;
  return T(option.getValue());
}

static quill::CompileOptions getCompileOptions() {
  quill::CompileOptions options;
  options.inputPath = inputPath;
  options.outputPath = outputPath;
  options.target = target;
  options.emit = emitKind;
  options.optLevel = optLevel >= '0' && optLevel <= '9' ? optLevel - '0' : 10;
  options.cpu = mcpu;
  options.inputShapes.assign(inputShapes.begin(), inputShapes.end());
  options.frozenInputs.assign(frozenInputs.begin(), frozenInputs.end());
  options.gpuArch = given<std::string>(gpuArch);
  options.gpuBinary = given<GPUBinaryChoice>(gpuBinary);
  options.lowBitCompute = given<quill::LowBitCompute>(lowBitCompute);

  quill::QuantizationOptions &quantize = options.quantization;
  quantize.format = given<quill::QuantFormat>(quantizeFormat);
  quantize.weightBlockSize = given<int64_t>(weightBlockSize);
  quantize.activationBlockSize = given<int64_t>(activationBlockSize);
  quantize.recipePath = quantizeRecipe;
  quantize.blockScaleRounding = blockScaleRounding;
  quantize.calibrationData = calibrationData;
  quantize.calibrationStats = calibrationStats;
  quantize.calibrator = calibrator;
  quantize.percentile = percentile;
  quantize.perTensorWeights = perTensorWeights;
  quantize.symmetricActivations = symmetricActivations;
  quantize.quantizeAllActivations = quantizeAllActivations;
  quantize.quantizedOutputs = given<QuantizedOutputs>(quantizedOutputs);
  quantize.reportPath = reportPath;
  quantize.reorderChannels = given<quill::ReorderObjective>(reorderChannels);
  quantize.reorderStatistic = given<quill::ReorderStatistic>(reorderStatistic);
  quantize.rotate = given<quill::RotationChoice>(rotate);
  quantize.verifyFloatEquivalence = verifyFloatEquivalence;

  options.integerOnly.enabled = integerOnly;
  options.integerOnly.softmaxExp = given<quill::ExpApproximation>(softmaxExp);
  options.integerOnly.gelu = given<quill::GeluForm>(geluForm);
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

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  quill::registerQuillPassesAndPipelines();
  // --mlir-print-debuginfo keeps ONNX names (locations) in textual IR.
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  // LLVM's and MLIR's own options still parse (--mlir-print-debuginfo ...),
  // but --help lists Quill's.
  cl::HideUnrelatedOptions({&compilerOptions, &quantization});
  cl::ParseCommandLineOptions(argc, argv, "Quill ONNX compiler\n");

  DialectRegistry registry;
  quill::registerQuillDialects(registry);
  MLIRContext context(registry);
  // Users of an ONNX compiler want the message, not an IR dump.
  context.printOpOnDiagnostic(false);
  context.getDiagEngine().registerHandler(printDiagnostic);
  if (llvm::Error error = quill::compile(getCompileOptions(), context)) {
    std::string message = llvm::toString(std::move(error));
    if (!message.empty())
      llvm::errs() << "quill-compile: " << message << "\n";
    return 1;
  }
  return 0;
}
