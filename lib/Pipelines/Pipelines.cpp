//===- Pipelines.cpp - Quill's named pass pipelines -----------------------===//

#include "quill/Pipelines/Pipelines.h"

#include "quill/Conversion/Passes.h"
#include "quill/Dialect/Quill/IR/Quill.h"
#include "quill/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mlir::quill::buildPreparePipeline(OpPassManager &pm) {
  OpPassManager &func = pm.nest<func::FuncOp>();
  // Canonicalization first folds constants and removes the dead shape
  // computations the importer leaves once every shape is static.
  func.addPass(createCanonicalizerPass());
  func.addPass(createFoldBatchNormPass());
  func.addPass(createFuseLayerNormPass());
  func.addPass(createFuseGeluPass());
  // Quantized models (QDQ, QOperator) compute on integers from here on.
  buildQDQToIntegerPipeline(pm);
}

void mlir::quill::buildQDQToIntegerPipeline(OpPassManager &pm) {
  OpPassManager &func = pm.nest<func::FuncOp>();
  func.addPass(createQDQToIntegerPass());
  func.addPass(createCanonicalizerPass());
  func.addPass(createCSEPass());
}

void mlir::quill::buildIntegerOnlyPipeline(OpPassManager &pm,
                                           const DyadicPassOptions &options) {
  OpPassManager &func = pm.nest<func::FuncOp>();
  func.addPass(createDyadicPass(options));
  func.addPass(createCanonicalizerPass());
  func.addPass(createCSEPass());
  func.addPass(createVerifyIntegerOnlyPass());
}

void mlir::quill::buildCPUKernelPipeline(OpPassManager &pm) {
  pm.addPass(createConvertQuillToLinalgPass());
  OpPassManager &func = pm.nest<func::FuncOp>();
  // Upstream math and arith ops on tensors (Sqrt, Exp, Neg ...) become
  // linalg.generic too, then chains of elementwise generics fuse.
  func.addPass(createConvertElementwiseToLinalgPass());
  func.addPass(createFuseElementwisePass());
  func.addPass(createCanonicalizerPass());
  func.addPass(createCSEPass());
  func.addPass(createUntieSharedFillsPass());
}

// The pipelines below are pipeline text so that `quill-opt --pass-pipeline`
// users see exactly what quill-compile runs.

/// Bufferization for the C ABI: callers pass every buffer, inputs
/// read-only, outputs written in place.
static constexpr StringLiteral kBufferize =
    "one-shot-bufferize{bufferize-function-boundaries "
    "function-boundary-type-conversion=identity-layout-map},"
    "buffer-results-to-out-params{hoist-static-allocs "
    "modify-public-functions},"
    "buffer-deallocation-pipeline,"
    "canonicalize,";

/// Loops on buffers, math and arith to the LLVM dialect, for the CPU.
static constexpr StringLiteral kLoopsToLLVM =
    "lower-affine,"
    "convert-scf-to-cf,"
    "expand-strided-metadata,"
    "lower-affine,"
    // Intermediate buffers come from the runtime's caching allocator.
    "finalize-memref-to-llvm{use-generic-functions},"
    "convert-math-to-llvm,"
    "convert-math-to-libm,"
    "convert-vector-to-llvm,"
    "convert-arith-to-llvm,"
    "convert-index-to-llvm,"
    "convert-func-to-llvm,"
    "convert-cf-to-llvm,"
    "reconcile-unrealized-casts";

/// Kernel IR to the LLVM dialect for the CPU.
static constexpr StringLiteral kCPUKernels =
    "quill-linalg-to-microkernels,"
    // Weights the microkernel pass packed anew are left unread.
    "symbol-dce,"
    "func.func(convert-linalg-to-loops),"
    "quill-approximate-math,"
    "convert-math-to-funcs,";

LogicalResult mlir::quill::buildCPULLVMPipeline(OpPassManager &pm) {
  return parsePassPipeline(
      (Twine(kBufferize) + kCPUKernels + kLoopsToLLVM).str(), pm, llvm::errs());
}

/// The GPU half of TOOLCHAIN.md's working pipeline, up to the loop nests
/// that become kernels: every parallel loop nest (copies included, serial
/// work wrapped in a one-iteration one). Transcendental math becomes
/// polynomials, as on the CPU; the rest (abs, sqrt, floor ...) calls CUDA's
/// libdevice, which serialization links in when it finds it (see
/// NVPTXTarget.h). Integer pow becomes a helper function, which outlining
/// copies into the kernels' module. Leaves the func.func pipeline open.
static constexpr StringLiteral kGPULoopNests =
    "quill-approximate-math,"
    "convert-math-to-funcs,"
    "func.func(quill-matmul-to-gpu-loops,"
    "quill-reductions-to-gpu-loops,"
    "quill-copies-to-linalg,"
    "convert-linalg-to-parallel-loops,"
    "quill-wrap-serial-loops,"
    "quill-innermost-dimension-first";

/// Loop nests to kernels: 16 x 16 threads per block over their first two
/// dimensions; reductions run sequentially inside a thread (large products
/// are already shared-memory tiled gpu.launch kernels, which the mapping
/// leaves alone). Outlined into one gpu.module, lowered to NVVM
/// and serialized; the host code's buffers then move to GPU memory
/// (quill-gpu-device-memory). Nothing may canonicalize between the tiling
/// and the mapping, and the tiling needs no-min-max-bounds, or the mapping
/// silently fails.
static constexpr StringLiteral kLoopNestsToKernels =
    ",scf-parallel-loop-tiling{parallel-loop-tile-sizes=16,16 "
    "no-min-max-bounds=true},"
    "gpu-map-parallel-loops,"
    "convert-parallel-loops-to-gpu),"
    "gpu-launch-sink-index-computations,"
    "gpu-kernel-outlining,"
    "quill-merge-gpu-modules,"
    // PTX ISA 8.0 covers sm_90 (the default 6.0 aborts there) and is
    // accepted for every older target.
    "gpu-lower-to-nvvm-pipeline{cubin-features=+ptx80 opt-level=3 ";

LogicalResult mlir::quill::buildNVPTXPipeline(OpPassManager &pm,
                                              StringRef gpuArch,
                                              GPUBinary binary) {
  StringRef format = binary == GPUBinary::Fatbin ? "fatbin" : "isa";
  return parsePassPipeline((Twine(kBufferize) + kGPULoopNests +
                            kLoopNestsToKernels + "cubin-format=" + format +
                            " cubin-chip=" + gpuArch +
                            "},quill-gpu-device-memory")
                               .str(),
                           pm, llvm::errs());
}

LogicalResult mlir::quill::buildGPUEmulatorPipeline(OpPassManager &pm) {
  return parsePassPipeline((Twine(kBufferize) + kGPULoopNests +
                            ",quill-emulate-dot-accumulate,"
                            "quill-reverse-parallel-loops),"
                            "quill-emulate-gpu-launch," +
                            kLoopsToLLVM)
                               .str(),
                           pm, llvm::errs());
}

namespace {
struct NVPTXPipelineOptions : PassPipelineOptions<NVPTXPipelineOptions> {
  Option<std::string> gpuArch{*this, "gpu-arch",
                              llvm::cl::desc("the GPU architecture (sm_NN)"),
                              llvm::cl::init("sm_90")};
  Option<quill::GPUBinary> binary{
      *this, "gpu-binary", llvm::cl::desc("what the gpu.binary holds"),
      llvm::cl::init(quill::GPUBinary::PTX),
      llvm::cl::values(
          clEnumValN(quill::GPUBinary::PTX, "ptx",
                     "PTX, JIT-compiled by the driver"),
          clEnumValN(quill::GPUBinary::Fatbin, "fatbin",
                     "a cubin and the PTX (needs ptxas and fatbinary)"))};
};
} // namespace

void mlir::quill::registerQuillDialects(DialectRegistry &registry) {
  registry.insert<QuillDialect>();
  registerAllDialects(registry);
  registerAllExtensions(registry);
  // gpu-module-to-binary translates each kernel module to LLVM IR.
  registerAllToLLVMIRTranslations(registry);
}

void mlir::quill::registerQuillPassesAndPipelines() {
  registerAllPasses();
  registerQuillTransformsPasses();
  registerQuillConversionPasses();
  PassPipelineRegistration<>(
      "quill-prepare",
      "Normalize an imported graph: fold constants and batch norms, "
      "recognise layer norm and GELU",
      buildPreparePipeline);
  PassPipelineRegistration<>(
      "quill-integer-only",
      "Rewrite a quantized graph to integer arithmetic and check that no "
      "floating point remains between input quantize and output dequantize",
      [](OpPassManager &pm) { buildIntegerOnlyPipeline(pm); });
  PassPipelineRegistration<>(
      "quill-cpu-kernel",
      "Lower the graph IR to kernel IR on tensors and fuse elementwise ops",
      buildCPUKernelPipeline);
  PassPipelineRegistration<NVPTXPipelineOptions>(
      "quill-nvptx",
      "Map kernel IR to GPU blocks and threads, lower the kernels to NVVM "
      "and serialize them to PTX (in a gpu.binary)",
      [](OpPassManager &pm, const NVPTXPipelineOptions &options) {
        if (failed(buildNVPTXPipeline(pm, options.gpuArch, options.binary)))
          llvm::report_fatal_error("quill-nvptx: unregistered pass");
      });
  PassPipelineRegistration<>(
      "quill-gpu-emulator",
      "Lower kernel IR as for the GPU up to its kernels' loop nests, then "
      "run those on the CPU: the GPU path's arithmetic without a GPU",
      [](OpPassManager &pm) {
        if (failed(buildGPUEmulatorPipeline(pm)))
          llvm::report_fatal_error("quill-gpu-emulator: unregistered pass");
      });
  PassPipelineRegistration<>(
      "quill-cpu-llvm",
      "Bufferize kernel IR, call Quill's microkernels, lower to the LLVM "
      "dialect",
      [](OpPassManager &pm) {
        if (failed(buildCPULLVMPipeline(pm)))
          llvm::report_fatal_error("quill-cpu-llvm: unregistered pass");
      });
}
