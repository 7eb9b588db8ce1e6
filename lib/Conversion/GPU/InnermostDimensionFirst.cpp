//===- InnermostDimensionFirst.cpp - Coalesced GPU loop mappings ----------===//

#include "quill/Conversion/Passes.h"

#include "mlir/IR/PatternMatch.h"

namespace mlir::quill {
#define GEN_PASS_DEF_INNERMOSTDIMENSIONFIRSTPASS
#include "quill/Conversion/Passes.h.inc"
} // namespace mlir::quill

using namespace mlir;

namespace {

struct InnermostDimensionFirstPass
    : quill::impl::InnermostDimensionFirstPassBase<
          InnermostDimensionFirstPass> {
  void runOnOperation() override {
    SmallVector<scf::ParallelOp> loops;
    for (Block &block : getOperation().getBody())
      for (auto loop : block.getOps<scf::ParallelOp>())
        if (loop.getNumLoops() > 1 && loop.getNumResults() == 0)
          loops.push_back(loop);
    IRRewriter rewriter(&getContext());
    for (scf::ParallelOp loop : loops) {
      auto reversed = [](OperandRange values) {
        return llvm::to_vector(llvm::reverse(values));
      };
      rewriter.setInsertionPoint(loop);
      auto permuted = scf::ParallelOp::create(
          rewriter, loop.getLoc(), reversed(loop.getLowerBound()),
          reversed(loop.getUpperBound()), reversed(loop.getStep()));
      // The new loop's body comes with a terminator; the old body brings
      // its own.
      rewriter.eraseOp(permuted.getBody()->getTerminator());
      SmallVector<Value> ivs =
          llvm::to_vector(llvm::reverse(permuted.getInductionVars()));
      rewriter.mergeBlocks(loop.getBody(), permuted.getBody(), ivs);
      rewriter.eraseOp(loop);
    }
  }
};

} // namespace
