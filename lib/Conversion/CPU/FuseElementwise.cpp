//===- FuseElementwise.cpp - Fusing chains of elementwise generics --------===//

#include "quill/Conversion/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::quill {
#define GEN_PASS_DEF_FUSEELEMENTWISEPASS
#include "quill/Conversion/Passes.h.inc"
} // namespace mlir::quill

using namespace mlir;

/// Whether `op` is a generic whose loops are all parallel and whose operands
/// are read through projected permutations (plain or broadcast elementwise).
static bool isElementwiseGeneric(Operation *op) {
  auto generic = dyn_cast_if_present<linalg::GenericOp>(op);
  return generic && generic.getNumParallelLoops() == generic.getNumLoops() &&
         llvm::all_of(generic.getIndexingMapsArray(), [](AffineMap map) {
           return map.isProjectedPermutation();
         });
}

namespace {

struct FuseElementwisePass
    : quill::impl::FuseElementwisePassBase<FuseElementwisePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    linalg::populateElementwiseOpsFusionPatterns(
        patterns, [](OpOperand *operand) {
          Operation *producer = operand->get().getDefiningOp();
          return isElementwiseGeneric(producer) &&
                 isElementwiseGeneric(operand->getOwner()) &&
                 producer->hasOneUse();
        });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
