//===- Pipelines.h - Quill's named pass pipelines ---------------*- C++ -*-===//
//
// The pipelines quill-compile runs, built in one place and registered by
// name so quill-opt can run any of them: `quill-prepare` normalizes an
// imported graph (canonicalization and DCE, batch-norm folding, layer-norm
// and GELU recognition) before quantization.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_PIPELINES_PIPELINES_H
#define QUILL_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"

namespace mlir::quill {

/// Appends the prepare phase to a module-level pass manager.
void buildPreparePipeline(OpPassManager &pm);

/// Registers Quill's passes and named pipelines with the global registry.
void registerQuillPassesAndPipelines();

} // namespace mlir::quill

#endif // QUILL_PIPELINES_PIPELINES_H
