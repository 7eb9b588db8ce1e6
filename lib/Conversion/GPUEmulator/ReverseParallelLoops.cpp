//===- ReverseParallelLoops.cpp - scf.parallel iterations backwards -------===//

#include "quill/Conversion/Passes.h"

#include "mlir/IR/PatternMatch.h"

namespace mlir::quill {
#define GEN_PASS_DEF_REVERSEPARALLELLOOPSPASS
#include "quill/Conversion/Passes.h.inc"
} // namespace mlir::quill

using namespace mlir;

namespace {

struct ReverseParallelLoopsPass
    : quill::impl::ReverseParallelLoopsPassBase<ReverseParallelLoopsPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    getOperation().walk([&](scf::ParallelOp loop) {
      Block *body = loop.getBody();
      rewriter.setInsertionPointToStart(body);
      Location loc = loop.getLoc();
      for (auto [iv, lower, upper, step] :
           llvm::zip(loop.getInductionVars(), loop.getLowerBound(),
                     loop.getUpperBound(), loop.getStep())) {
        // last = lower + ((upper - lower - 1) / step) * step
        Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
        Value span = arith::SubIOp::create(
            rewriter, loc, arith::SubIOp::create(rewriter, loc, upper, lower),
            one);
        Value last = arith::AddIOp::create(
            rewriter, loc, lower,
            arith::MulIOp::create(
                rewriter, loc,
                arith::DivUIOp::create(rewriter, loc, span, step), step));
        Value reversed = arith::SubIOp::create(
            rewriter, loc, arith::AddIOp::create(rewriter, loc, last, lower),
            iv);
        rewriter.replaceAllUsesExcept(iv, reversed, reversed.getDefiningOp());
      }
    });
  }
};

} // namespace
