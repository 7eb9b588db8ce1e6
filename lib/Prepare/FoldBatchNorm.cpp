//===- FoldBatchNorm.cpp - Batch normalization into convolution -----------===//

#include "quill/Dialect/Quill/IR/QuantArithmetic.h"
#include "quill/Dialect/Quill/IR/Quill.h"
#include "quill/Prepare/Passes.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace mlir::quill {
#define GEN_PASS_DEF_FOLDBATCHNORMPASS
#include "quill/Prepare/Passes.h.inc"
} // namespace mlir::quill

using namespace mlir;
using namespace mlir::quill;

namespace {

static std::optional<SmallVector<double>> getConstantValues(Value value) {
  DenseFPElementsAttr attr;
  if (!value || !matchPattern(value, m_Constant(&attr)))
    return std::nullopt;
  return llvm::map_to_vector(attr.getValues<APFloat>(),
                             [](APFloat v) { return v.convertToDouble(); });
}

/// %c = quill.conv %x, %w, %b ; %y = quill.batch_norm %c, %g, %beta, %m, %v
/// becomes %y = quill.conv %x, %w', %b' with
/// W'[m] = W[m] * g[m] / sqrt(v[m] + eps), b'[m] = (b[m] - m[m]) * ... +
/// beta[m].
struct FoldBatchNormIntoConv : OpRewritePattern<BatchNormOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(BatchNormOp norm,
                                PatternRewriter &rewriter) const override {
    auto conv = norm.getInput().getDefiningOp<ConvOp>();
    if (!conv || !conv->hasOneUse())
      return rewriter.notifyMatchFailure(norm,
                                         "input is not a single-use conv");
    auto weight = getConstantValues(conv.getWeight());
    auto gamma = getConstantValues(norm.getScale());
    auto beta = getConstantValues(norm.getBias());
    auto mean = getConstantValues(norm.getMean());
    auto variance = getConstantValues(norm.getVariance());
    std::optional<SmallVector<double>> bias;
    if (conv.getBias() && !(bias = getConstantValues(conv.getBias())))
      return rewriter.notifyMatchFailure(norm, "conv bias is not constant");
    if (!weight || !gamma || !beta || !mean || !variance)
      return rewriter.notifyMatchFailure(norm, "parameters are not constant");

    int64_t channels = gamma->size();
    auto weightType = cast<RankedTensorType>(conv.getWeight().getType());
    if (weightType.getDimSize(0) != channels)
      return rewriter.notifyMatchFailure(norm, "channel count mismatch");
    int64_t perChannel = weightType.getNumElements() / channels;
    double epsilon = norm.getEpsilon().convertToDouble();
    SmallVector<double> newBias(channels);
    for (int64_t m = 0; m < channels; ++m) {
      double factor = (*gamma)[m] / std::sqrt((*variance)[m] + epsilon);
      for (int64_t i = 0; i < perChannel; ++i)
        (*weight)[m * perChannel + i] *= factor;
      double b = bias ? (*bias)[m] : 0.0;
      newBias[m] = (b - (*mean)[m]) * factor + (*beta)[m];
    }
    Location loc = norm.getLoc();
    Value newWeight = arith::ConstantOp::create(
        rewriter, loc, getFloatElements(weightType, *weight));
    auto biasType =
        RankedTensorType::get({channels}, weightType.getElementType());
    Value biasValue = arith::ConstantOp::create(
        rewriter, loc, getFloatElements(biasType, newBias));
    rewriter.replaceOpWithNewOp<ConvOp>(
        norm, norm.getType(), conv.getInput(), newWeight, biasValue,
        conv.getStridesAttr(), conv.getPadsAttr(), conv.getDilationsAttr(),
        conv.getGroupAttr());
    rewriter.eraseOp(conv);
    return success();
  }
};

struct FoldBatchNormPass
    : quill::impl::FoldBatchNormPassBase<FoldBatchNormPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateFoldBatchNormPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void mlir::quill::populateFoldBatchNormPatterns(RewritePatternSet &patterns) {
  patterns.add<FoldBatchNormIntoConv>(patterns.getContext());
}
