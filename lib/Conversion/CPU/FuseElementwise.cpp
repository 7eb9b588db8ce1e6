//===- FuseElementwise.cpp - Fusing chains of elementwise generics --------===//

#include "quill/Conversion/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::quill {
#define GEN_PASS_DEF_FUSEELEMENTWISEPASS
#include "quill/Conversion/Passes.h.inc"
} // namespace mlir::quill

using namespace mlir;

/// Whether `op` is a generic whose loops are all parallel and whose operands
/// are read through projected permutations (plain or broadcast elementwise),
/// unit dimensions read at 0 allowed (a bias of shape [C, 1, 1]).
static bool isElementwiseGeneric(Operation *op) {
  auto generic = dyn_cast_if_present<linalg::GenericOp>(op);
  return generic && generic.getNumParallelLoops() == generic.getNumLoops() &&
         llvm::all_of(generic.getIndexingMapsArray(), [](AffineMap map) {
           return map.isProjectedPermutation(/*allowZeroInResults=*/true);
         });
}

/// Whether `op`'s body reads a tensor at a computed index (a table lookup).
/// LLVM leaves a loop with such a gather scalar, so fusing it with its
/// neighbours would make their arithmetic scalar too.
static bool hasGather(Operation *op) {
  return op->walk([](tensor::ExtractOp) { return WalkResult::interrupt(); })
      .wasInterrupted();
}

/// Whether `operand`'s generic reads it broadcast (fewer dimensions than its
/// loops). Fusing the producer of such an operand would recompute each of its
/// values once per broadcast element: a per-row division or square root
/// once per element of the row.
static bool isBroadcast(OpOperand *operand) {
  auto consumer = cast<linalg::GenericOp>(operand->getOwner());
  return !consumer.getMatchingIndexingMap(operand).isPermutation();
}

namespace {

struct FuseElementwisePass
    : quill::impl::FuseElementwisePassBase<FuseElementwisePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    // The expand_shape's source becomes the consumer's operand, and the
    // expand_shape moves to the consumer's result.
    linalg::populateFoldReshapeOpsByCollapsingPatterns(
        patterns, [](OpOperand *operand) {
          auto expand = operand->get().getDefiningOp<tensor::ExpandShapeOp>();
          return expand && isElementwiseGeneric(operand->getOwner()) &&
                 isElementwiseGeneric(expand.getSrc().getDefiningOp()) &&
                 expand->hasOneUse();
        });
    // Where the consumer's loops cannot collapse (it reads the expand_shape
    // permuted, as a convolution's move back to channels-first does), the
    // producer's loops expand instead.
    linalg::populateFoldReshapeOpsByExpansionPatterns(
        patterns, [](OpOperand *operand) {
          auto expand = dyn_cast<tensor::ExpandShapeOp>(operand->getOwner());
          return expand &&
                 isElementwiseGeneric(operand->get().getDefiningOp()) &&
                 operand->get().hasOneUse() && expand->hasOneUse() &&
                 isElementwiseGeneric(*expand->user_begin());
        });
    linalg::populateElementwiseOpsFusionPatterns(
        patterns, [](OpOperand *operand) {
          Operation *producer = operand->get().getDefiningOp();
          Operation *consumer = operand->getOwner();
          return isElementwiseGeneric(producer) &&
                 isElementwiseGeneric(consumer) && producer->hasOneUse() &&
                 !hasGather(producer) && !hasGather(consumer) &&
                 !isBroadcast(operand);
        });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
