//===- Passes.h - Quill's graph-level passes --------------------*- C++ -*-===//

#ifndef QUILL_TRANSFORMS_PASSES_H
#define QUILL_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Pass/Pass.h"

namespace mlir::quill {

#define GEN_PASS_DECL
#include "quill/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "quill/Transforms/Passes.h.inc"

/// The patterns behind each pass, for use in other pattern sets.
void populateFoldBatchNormPatterns(RewritePatternSet &patterns);
void populateFuseLayerNormPatterns(RewritePatternSet &patterns);
void populateFuseGeluPatterns(RewritePatternSet &patterns);

} // namespace mlir::quill

#endif // QUILL_TRANSFORMS_PASSES_H
