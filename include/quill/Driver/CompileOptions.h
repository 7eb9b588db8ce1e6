//===- CompileOptions.h - Everything a compilation is asked for -*- C++ -*-===//
//
// One struct holds every choice a compilation makes; quill-compile fills it
// from its flags (the Python package goes through quill-compile), and
// validateCompileOptions checks it once. An option left unset is an empty
// std::optional, so the validator can say that a flag needs another one.
// Messages name options by their quill-compile flag.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_DRIVER_COMPILEOPTIONS_H
#define QUILL_DRIVER_COMPILEOPTIONS_H

#include "quill/Quantization/ChannelReordering.h"
#include "quill/Quantization/HadamardRotation.h"
#include "quill/Quantization/Options.h"

#include "llvm/Support/Error.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir::quill {

/// What the compiled code runs on.
enum class CompileTarget {
  /// x86-64 CPUs.
  CPU,
  /// NVIDIA GPUs: a library launching PTX kernels through the CUDA driver.
  NVPTX,
  /// This CPU through the GPU pipeline: its kernels' loop nests run
  /// serially, to check the GPU path's arithmetic without a GPU.
  GPUEmulator,
};

/// Where compilation stops and what it writes.
enum class EmitKind {
  Import,  ///< The graph IR as imported.
  Graph,   ///< The graph IR after prepare (and quantization).
  QDQONNX, ///< The quantized model as a QDQ ONNX model.
  Kernel,  ///< The kernel IR (linalg, tensor, arith, math on tensors).
  LLVM,    ///< Optimized LLVM IR (text).
  Asm,     ///< Assembly.
  Obj,     ///< An object file.
  Lib,     ///< A shared library with the C ABI of quill_model.h.
  PTX,     ///< The GPU kernels as PTX.
};

/// What a GPU library carries its kernels as.
enum class GPUBinaryChoice {
  /// A fatbin where the CUDA toolkit is found, else PTX.
  Auto,
  /// PTX, JIT-compiled by the driver on first use.
  PTX,
  /// A cubin for the architecture and the PTX for newer GPUs.
  Fatbin,
};

/// Which quantized MatMul/Gemm outputs are quantized.
enum class QuantizedOutputs {
  /// Those another quantized op reads; the rest come from int32 as float.
  Consumed,
  /// All of them, as ONNX Runtime's quantizer does.
  All,
};

/// Post-training quantization (--quantize and the options it enables).
struct QuantizationOptions {
  /// None: the model is compiled as it is.
  std::optional<QuantFormat> format;
  /// int4-weights: one scale per block of this many along the reduction
  /// axis (none: per output channel).
  std::optional<int64_t> weightBlockSize;
  /// int4: activations quantized at run time per block of this many along
  /// the reduction axis (none: per tensor, from calibration).
  std::optional<int64_t> activationBlockSize;
  /// MX activations' shared exponent rule.
  BlockScaleRounding blockScaleRounding = BlockScaleRounding::Floor;
  /// Per-layer formats (Recipe.h); empty: every op takes `format`.
  std::string recipePath;
  /// Samples to calibrate on; statistics to read (or to write, with data).
  std::string calibrationData, calibrationStats;
  Calibrator calibrator = Calibrator::Max;
  /// Share of |x| the percentile calibrator keeps, in percent.
  double percentile = 99.99;
  bool perTensorWeights = false;
  bool symmetricActivations = false;
  bool quantizeAllActivations = false;
  /// None: Consumed, or All for QDQ export and integer-only code.
  std::optional<QuantizedOutputs> quantizedOutputs;
  /// Where to write the quantization report (JSON); empty: none.
  std::string reportPath;
  /// --reorder-channels: permute channels for the format's blocks before
  /// quantizing (none: channels stay in order), ranked by
  /// --reorder-statistic (none: the pass chooses).
  std::optional<ReorderObjective> reorderChannels;
  std::optional<ReorderStatistic> reorderStatistic;
  /// --rotate: rotate products' inputs by random Hadamard matrices before
  /// calibrating (none: no rotation), block sizes chosen as the choice says.
  std::optional<RotationChoice> rotate;
  /// Check that the reordered or rotated float model gives the original's
  /// outputs on the calibration samples.
  bool verifyFloatEquivalence = false;
  // L-Mul options join here as its pass lands; the quantization phase
  // (Compiler.h) runs it.
};

/// The integer-only rewrite (--integer-only).
struct IntegerOnlyOptions {
  bool enabled = false;
  /// None: i-exp.
  std::optional<ExpApproximation> softmaxExp;
  /// None: the table.
  std::optional<GeluForm> gelu;
};

struct CompileOptions {
  /// An ONNX model (binary, or text syntax for .onnxtxt) or graph IR (.mlir).
  std::string inputPath;
  /// Empty: stdout for text, the input's path with the emitted file's
  /// extension otherwise (getOutputPath).
  std::string outputPath;
  CompileTarget target = CompileTarget::CPU;
  EmitKind emit = EmitKind::Lib;
  /// LLVM's optimization level, 0 to 3.
  unsigned optLevel = 3;
  /// --target=cpu: the CPU to generate code for; empty: the host.
  std::string cpu;
  /// Static shapes of graph inputs, NAME=D0xD1x...
  std::vector<std::string> inputShapes;
  /// Graph inputs made constants of the model: NAME=FILE.npy, NAME=FILE.pb
  /// or NAME=V0,V1,...
  std::vector<std::string> frozenInputs;
  /// --target=nvptx: sm_80, sm_86, sm_89 or sm_90 (none: sm_90).
  std::optional<std::string> gpuArch;
  std::optional<GPUBinaryChoice> gpuBinary;
  /// --target=cpu: what products with 4-bit weights multiply activations in
  /// (none: f32).
  std::optional<LowBitCompute> lowBitCompute;
  QuantizationOptions quantization;
  IntegerOnlyOptions integerOnly;
};

/// Checks the options against each other; the error names the flag at
/// fault ("--gpu-arch needs --target=nvptx").
llvm::Error validateCompileOptions(const CompileOptions &options);

/// The output path `options` write to ('-' is stdout).
std::string getOutputPath(const CompileOptions &options);

/// Whether `kind` is written as text.
bool isTextual(EmitKind kind);

} // namespace mlir::quill

#endif // QUILL_DRIVER_COMPILEOPTIONS_H
