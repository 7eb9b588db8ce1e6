//===- Pipelines.cpp - Quill's named pass pipelines -----------------------===//

#include "quill/Pipelines/Pipelines.h"

#include "quill/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
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
  func.addPass(createCanonicalizerPass());
  func.addPass(createCSEPass());
}

void mlir::quill::registerQuillPassesAndPipelines() {
  registerQuillTransformsPasses();
  PassPipelineRegistration<>(
      "quill-prepare",
      "Normalize an imported graph: fold constants and batch norms, "
      "recognise layer norm and GELU",
      buildPreparePipeline);
}
