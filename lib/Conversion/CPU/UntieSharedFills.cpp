//===- UntieSharedFills.cpp - One linalg.fill per accumulating op ---------===//

#include "quill/Conversion/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::quill {
#define GEN_PASS_DEF_UNTIESHAREDFILLSPASS
#include "quill/Conversion/Passes.h.inc"
} // namespace mlir::quill

using namespace mlir;

namespace {

/// A fill on tensors read by more than one op: every destination-style op
/// that writes into it, past its first user, gets a clone of its own.
struct UntieSharedFill : OpRewritePattern<linalg::FillOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::FillOp fill,
                                PatternRewriter &rewriter) const override {
    if (!fill.hasPureTensorSemantics() || fill->getResult(0).hasOneUse())
      return failure();
    SmallVector<OpOperand *> inits;
    for (OpOperand &use : fill->getResult(0).getUses()) {
      auto user = dyn_cast<DestinationStyleOpInterface>(use.getOwner());
      if (user && user.isDpsInit(&use))
        inits.push_back(&use);
    }
    // Untie all writers but one when nothing else reads the fill.
    if (inits.size() == llvm::range_size(fill->getResult(0).getUses()))
      inits.pop_back();
    if (inits.empty())
      return failure();
    for (OpOperand *init : inits) {
      rewriter.setInsertionPoint(init->getOwner());
      Operation *clone = rewriter.clone(*fill);
      rewriter.modifyOpInPlace(init->getOwner(),
                               [&] { init->set(clone->getResult(0)); });
    }
    return success();
  }
};

struct UntieSharedFillsPass
    : quill::impl::UntieSharedFillsPassBase<UntieSharedFillsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<UntieSharedFill>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
