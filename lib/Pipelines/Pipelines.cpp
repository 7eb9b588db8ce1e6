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

/// Kernel IR to the LLVM dialect, written as pipeline text so that
/// `quill-opt --pass-pipeline` users see exactly what quill-compile runs.
static constexpr StringLiteral kCPULLVMPipeline =
    // Callers pass every buffer: inputs read-only, outputs written in place.
    "one-shot-bufferize{bufferize-function-boundaries "
    "function-boundary-type-conversion=identity-layout-map},"
    "buffer-results-to-out-params{hoist-static-allocs "
    "modify-public-functions},"
    "buffer-deallocation-pipeline,"
    "canonicalize,"
    "quill-linalg-to-microkernels,"
    // Weights the microkernel pass packed anew are left unread.
    "symbol-dce,"
    "func.func(convert-linalg-to-loops),"
    "quill-approximate-math,"
    "convert-math-to-funcs,"
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

LogicalResult mlir::quill::buildCPULLVMPipeline(OpPassManager &pm) {
  return parsePassPipeline(kCPULLVMPipeline, pm, llvm::errs());
}

void mlir::quill::registerQuillDialects(DialectRegistry &registry) {
  registry.insert<QuillDialect>();
  registerAllDialects(registry);
  registerAllExtensions(registry);
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
  PassPipelineRegistration<>(
      "quill-cpu-llvm",
      "Bufferize kernel IR, call Quill's microkernels, lower to the LLVM "
      "dialect",
      [](OpPassManager &pm) {
        if (failed(buildCPULLVMPipeline(pm)))
          llvm::report_fatal_error("quill-cpu-llvm: unregistered pass");
      });
}
