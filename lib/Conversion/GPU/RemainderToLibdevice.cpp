//===- RemainderToLibdevice.cpp - Float remainders as libdevice calls -----===//

#include "quill/Conversion/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::quill {
#define GEN_PASS_DEF_REMAINDERTOLIBDEVICEPASS
#include "quill/Conversion/Passes.h.inc"
} // namespace mlir::quill

using namespace mlir;

namespace {

/// The declaration of libdevice's `name` for `type`, added to `module` on
/// first use.
func::FuncOp getOrDeclare(PatternRewriter &rewriter, gpu::GPUModuleOp module,
                          StringRef name, FloatType type) {
  if (auto existing = module.lookupSymbol<func::FuncOp>(name))
    return existing;
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPointToStart(module.getBody());
  auto declaration =
      func::FuncOp::create(rewriter, module.getLoc(), name,
                           rewriter.getFunctionType({type, type}, {type}));
  declaration.setPrivate();
  return declaration;
}

struct RemainderToCall : OpRewritePattern<arith::RemFOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(arith::RemFOp op,
                                PatternRewriter &rewriter) const override {
    auto type = dyn_cast<FloatType>(op.getType());
    if (!type)
      return rewriter.notifyMatchFailure(op, "vector remainders are unrolled "
                                             "before kernels are outlined");
    auto module = op->getParentOfType<gpu::GPUModuleOp>();
    if (!module)
      return rewriter.notifyMatchFailure(op, "not inside a gpu.module");
    Location loc = op.getLoc();
    bool isDouble = type.isF64();
    FloatType callType =
        isDouble ? rewriter.getF64Type() : rewriter.getF32Type();
    if (type.getWidth() > 64)
      return rewriter.notifyMatchFailure(op, "libdevice has no remainder "
                                             "wider than f64");
    func::FuncOp callee = getOrDeclare(
        rewriter, module, isDouble ? "__nv_fmod" : "__nv_fmodf", callType);
    Value lhs = op.getLhs(), rhs = op.getRhs();
    if (type != callType) {
      lhs = arith::ExtFOp::create(rewriter, loc, callType, lhs);
      rhs = arith::ExtFOp::create(rewriter, loc, callType, rhs);
    }
    Value result =
        func::CallOp::create(rewriter, loc, callee, ValueRange{lhs, rhs})
            .getResult(0);
    if (type != callType)
      result = arith::TruncFOp::create(rewriter, loc, type, result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct RemainderToLibdevicePass
    : quill::impl::RemainderToLibdevicePassBase<RemainderToLibdevicePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<RemainderToCall>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
