//===- Passes.h - Preparing an imported graph -------------------*- C++ -*-===//

#ifndef QUILL_PREPARE_PASSES_H
#define QUILL_PREPARE_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::quill {

#define GEN_PASS_DECL
#include "quill/Prepare/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "quill/Prepare/Passes.h.inc"

/// The patterns behind each pass, for use in other pattern sets.
void populateFoldBatchNormPatterns(RewritePatternSet &patterns);
void populateFuseLayerNormPatterns(RewritePatternSet &patterns);
void populateFuseGeluPatterns(RewritePatternSet &patterns);

} // namespace mlir::quill

#endif // QUILL_PREPARE_PASSES_H
