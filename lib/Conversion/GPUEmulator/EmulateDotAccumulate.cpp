//===- EmulateDotAccumulate.cpp - dp4a as plain arithmetic ----------------===//

#include "quill/Conversion/Passes.h"

#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::quill {
#define GEN_PASS_DEF_EMULATEDOTACCUMULATEPASS
#include "quill/Conversion/Passes.h.inc"
} // namespace mlir::quill

using namespace mlir;

namespace {

struct DotAccumulateAsArithmetic : OpRewritePattern<NVVM::DotAccumulate4WayOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(NVVM::DotAccumulate4WayOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto words = VectorType::get({4}, rewriter.getI32Type());
    auto extend = [&](Value bytes, NVVM::DotAccumulateType type) -> Value {
      if (type == NVVM::DotAccumulateType::SIGNED)
        return arith::ExtSIOp::create(rewriter, loc, words, bytes);
      return arith::ExtUIOp::create(rewriter, loc, words, bytes);
    };
    Value products =
        arith::MulIOp::create(rewriter, loc, extend(op.getA(), op.getAType()),
                              extend(op.getB(), op.getBType()));
    rewriter.replaceOpWithNewOp<vector::ReductionOp>(
        op, vector::CombiningKind::ADD, products, op.getC());
    return success();
  }
};

struct EmulateDotAccumulatePass
    : quill::impl::EmulateDotAccumulatePassBase<EmulateDotAccumulatePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<DotAccumulateAsArithmetic>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
