//===- Pipelines.cpp - Quill's phases as pass pipelines -------------------===//
//
// Each phase is built with addPass from its options (as upstream's
// GPUToNVVMPipeline and IREE's pipelines are) and registered by name, so
// quill-opt runs any prefix of what quill-compile runs. Comments say why a
// pass sits where it does.
//
//===----------------------------------------------------------------------===//

#include "quill/Pipelines/Pipelines.h"

#include "quill/Conversion/Passes.h"
#include "quill/Dialect/Quill/IR/Quill.h"
#include "quill/Prepare/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/Pipelines/Passes.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::quill;

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

void mlir::quill::buildQuantizationPipeline(OpPassManager &pm,
                                            const QuantizePassOptions &quantize,
                                            bool integerKernels) {
  pm.addNestedPass<func::FuncOp>(createQuantizePass(quantize));
  // Channel reordering and Hadamard rotation run before quill-quantize
  // (they change what it measures), L-Mul after it, as they land.
  if (integerKernels)
    buildQDQToIntegerPipeline(pm);
}

void mlir::quill::buildIntegerOnlyPipeline(OpPassManager &pm,
                                           const DyadicPassOptions &options) {
  OpPassManager &func = pm.nest<func::FuncOp>();
  func.addPass(createDyadicPass(options));
  func.addPass(createCanonicalizerPass());
  func.addPass(createCSEPass());
  func.addPass(createVerifyIntegerOnlyPass());
}

void mlir::quill::buildKernelPipeline(OpPassManager &pm) {
  // The C ABI's entry function, its inputs read-only for bufferization.
  pm.addPass(createPrepareEntryPointPass());
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

/// Bufferization for the C ABI: callers pass every buffer, inputs
/// read-only, outputs written in place.
static void addBufferization(OpPassManager &pm) {
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  bufferization::BufferResultsToOutParamsPassOptions outParams;
  outParams.hoistStaticAllocs = true;
  outParams.modifyPublicFunctions = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addPass(createCanonicalizerPass());
}

/// Loops on buffers, math and arith to the LLVM dialect, for the CPU.
static void addLoopsToLLVM(OpPassManager &pm) {
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  // Intermediate buffers come from the runtime's caching allocator.
  FinalizeMemRefToLLVMConversionPassOptions memrefs;
  memrefs.useGenericFunctions = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefs));
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void mlir::quill::buildCPULLVMPipeline(OpPassManager &pm,
                                       LowBitCompute lowBitCompute) {
  addBufferization(pm);
  LinalgToMicrokernelsPassOptions microkernels;
  microkernels.lowBitCompute = lowBitCompute;
  pm.addPass(createLinalgToMicrokernelsPass(microkernels));
  // Weights the microkernel pass packed anew are left unread.
  pm.addPass(createSymbolDCEPass());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addPass(createApproximateMathPass());
  pm.addPass(createConvertMathToFuncs());
  addLoopsToLLVM(pm);
}

/// The GPU half of the pipeline up to the loop nests that become kernels:
/// every parallel loop nest (copies included, serial work wrapped in a
/// one-iteration one). Transcendental math becomes polynomials, as on the
/// CPU; the rest (abs, sqrt, floor ...) calls CUDA's libdevice, which
/// serialization links in when it finds it (see NVPTXTarget.h). Integer pow
/// becomes a helper function, which outlining copies into the kernels'
/// module. Returns the function pipeline, to be continued.
static OpPassManager &addGPULoopNests(OpPassManager &pm) {
  pm.addPass(createApproximateMathPass());
  pm.addPass(createConvertMathToFuncs());
  OpPassManager &func = pm.nest<func::FuncOp>();
  func.addPass(createMatmulToGPULoopsPass());
  func.addPass(createReductionsToGPULoopsPass());
  func.addPass(createCopiesToLinalgPass());
  func.addPass(createConvertLinalgToParallelLoopsPass());
  func.addPass(createWrapSerialLoopsPass());
  func.addPass(createInnermostDimensionFirstPass());
  return func;
}

void mlir::quill::buildNVPTXPipeline(OpPassManager &pm, StringRef gpuArch,
                                     GPUBinary binary) {
  addBufferization(pm);
  OpPassManager &func = addGPULoopNests(pm);
  // 16 x 16 threads per block over the loop nests' first two dimensions;
  // reductions run sequentially inside a thread (large products are already
  // shared-memory tiled gpu.launch kernels, which the mapping leaves alone).
  // Nothing may canonicalize between the tiling and the mapping, and the
  // tiling needs no-min-max-bounds, or the mapping silently fails.
  func.addPass(createParallelLoopTilingPass({16, 16}, /*noMinMaxBounds=*/true));
  func.addPass(createGpuMapParallelLoopsPass());
  func.addPass(createConvertParallelLoopToGpuPass());
  pm.addPass(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(createMergeGPUModulesPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createRemainderToLibdevicePass());
  gpu::GPUToNVVMPipelineOptions nvvm;
  // PTX ISA 8.0 covers sm_90 (the default 6.0 aborts there) and is accepted
  // for every older target.
  nvvm.cubinFeatures = "+ptx80";
  nvvm.optLevel = 3;
  nvvm.cubinFormat = binary == GPUBinary::Fatbin ? "fatbin" : "isa";
  nvvm.cubinChip = gpuArch.str();
  gpu::buildLowerToNVVMPassPipeline(pm, nvvm);
  // The host code's buffers move to GPU memory.
  pm.addPass(createGPUDeviceMemoryPass());
}

void mlir::quill::buildGPUEmulatorPipeline(OpPassManager &pm) {
  addBufferization(pm);
  OpPassManager &func = addGPULoopNests(pm);
  func.addPass(createEmulateDotAccumulatePass());
  func.addPass(createReverseParallelLoopsPass());
  pm.addPass(createEmulateGPULaunchPass());
  addLoopsToLLVM(pm);
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

struct IntegerOnlyPipelineOptions
    : PassPipelineOptions<IntegerOnlyPipelineOptions> {
  Option<quill::ExpApproximation> softmaxExp{
      *this, "softmax-exp", llvm::cl::desc("integer exponential of softmax"),
      llvm::cl::init(quill::ExpApproximation::IExp),
      quill::getExpApproximationValues()};
  Option<quill::GeluForm> gelu{*this, "gelu", llvm::cl::desc("integer GELU"),
                               llvm::cl::init(quill::GeluForm::Table),
                               quill::getGeluFormValues()};
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
  registerQuillPreparePasses();
  registerQuillQuantizationPasses();
  registerQuillConversionPasses();
  PassPipelineRegistration<>(
      "quill-prepare",
      "Normalize an imported graph: fold constants and batch norms, "
      "recognise layer norm and GELU, compute quantized graphs on integers",
      buildPreparePipeline);
  PassPipelineRegistration<IntegerOnlyPipelineOptions>(
      "quill-integer-only",
      "Rewrite a quantized graph to integer arithmetic and check that no "
      "floating point remains between input quantize and output dequantize",
      [](OpPassManager &pm, const IntegerOnlyPipelineOptions &options) {
        DyadicPassOptions dyadic;
        dyadic.softmaxExp = options.softmaxExp;
        dyadic.gelu = options.gelu;
        buildIntegerOnlyPipeline(pm, dyadic);
      });
  PassPipelineRegistration<>(
      "quill-cpu-kernel",
      "Prepare the C ABI's entry function, lower the graph IR to kernel IR "
      "on tensors and fuse elementwise ops",
      buildKernelPipeline);
  PassPipelineRegistration<>(
      "quill-cpu-llvm",
      "Bufferize kernel IR, call Quill's microkernels, lower to the LLVM "
      "dialect",
      [](OpPassManager &pm) { buildCPULLVMPipeline(pm); });
  PassPipelineRegistration<NVPTXPipelineOptions>(
      "quill-nvptx",
      "Map kernel IR to GPU blocks and threads, lower the kernels to NVVM "
      "and serialize them to PTX (in a gpu.binary)",
      [](OpPassManager &pm, const NVPTXPipelineOptions &options) {
        buildNVPTXPipeline(pm, options.gpuArch, options.binary);
      });
  PassPipelineRegistration<>(
      "quill-gpu-emulator",
      "Lower kernel IR as for the GPU up to its kernels' loop nests, then "
      "run those on the CPU: the GPU path's arithmetic without a GPU",
      buildGPUEmulatorPipeline);
}
