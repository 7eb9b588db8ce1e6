//===- FuseLayerNorm.cpp - Recognise decomposed layer normalization -------===//

#include "Matchers.h"

#include "quill/Dialect/Quill/IR/Quill.h"
#include "quill/Prepare/Passes.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Traits.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::quill {
#define GEN_PASS_DEF_FUSELAYERNORMPASS
#include "quill/Prepare/Passes.h.inc"
} // namespace mlir::quill

using namespace mlir;
using namespace mlir::quill;

namespace {

/// The first normalized axis when `mean` reduces the trailing axes of its
/// input with keepdims, else nullopt.
static std::optional<int64_t> getTrailingAxis(ReduceMeanOp mean) {
  if (!mean || !mean.getKeepdims())
    return std::nullopt;
  int64_t rank = mean.getInput().getType().getRank();
  ArrayRef<int64_t> axes = mean.getAxes();
  if (axes.empty() || axes.back() != rank - 1)
    return std::nullopt;
  for (size_t i = 1; i < axes.size(); ++i)
    if (axes[i] != axes[i - 1] + 1)
      return std::nullopt;
  return axes.front();
}

/// Whether `square` is d^2, written Pow(d, 2) or d * d.
static bool isSquareOf(Value square, Value d) {
  if (auto pow = square.getDefiningOp<PowOp>())
    return pow.getBase() == d && isSplatNear(pow.getExponent(), 2.0);
  if (auto mul = square.getDefiningOp<MulOp>())
    return mul.getLhs() == d && mul.getRhs() == d;
  return false;
}

/// d = x - ReduceMean(x); y = d / Sqrt(ReduceMean(d^2) + eps)
/// becomes y = quill.layer_norm x, ones {axis, epsilon}.
struct FuseNormalization : OpRewritePattern<DivOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DivOp div,
                                PatternRewriter &rewriter) const override {
    auto sub = div.getLhs().getDefiningOp<SubOp>();
    if (!sub)
      return rewriter.notifyMatchFailure(div, "numerator is not x - mean");
    Value x = sub.getLhs();
    auto mean = sub.getRhs().getDefiningOp<ReduceMeanOp>();
    std::optional<int64_t> axis = getTrailingAxis(mean);
    if (!mean || mean.getInput() != x || !axis)
      return rewriter.notifyMatchFailure(div, "no trailing mean of x");

    auto sqrt = div.getRhs().getDefiningOp<math::SqrtOp>();
    auto add = sqrt ? sqrt.getOperand().getDefiningOp<AddOp>() : AddOp();
    if (!add)
      return rewriter.notifyMatchFailure(div, "denominator is not sqrt(v+e)");
    Value variance = add.getLhs(), epsilon = add.getRhs();
    if (!getSplatFloat(epsilon))
      std::swap(variance, epsilon);
    std::optional<double> eps = getSplatFloat(epsilon);
    auto varianceMean = variance.getDefiningOp<ReduceMeanOp>();
    if (!eps || !varianceMean || getTrailingAxis(varianceMean) != axis ||
        !isSquareOf(varianceMean.getInput(), sub.getResult()))
      return rewriter.notifyMatchFailure(div, "no variance of x - mean");

    auto type = cast<RankedTensorType>(div.getType());
    if (type != x.getType() || !isa<FloatType>(type.getElementType()))
      return rewriter.notifyMatchFailure(div, "shape or type changes");
    auto scaleType = RankedTensorType::get(type.getShape().drop_front(*axis),
                                           type.getElementType());
    Value ones = arith::ConstantOp::create(
        rewriter, div.getLoc(),
        DenseElementsAttr::get(
            scaleType, rewriter.getFloatAttr(type.getElementType(), 1.0)));
    rewriter.replaceOpWithNewOp<LayerNormOp>(div, type, x, ones, Value(),
                                             rewriter.getI64IntegerAttr(*axis),
                                             rewriter.getF32FloatAttr(*eps));
    return success();
  }
};

/// The layer_norm among a binary op's operands whose scale may still absorb
/// the other, constant, operand: single use, no bias, a unit scale when
/// `needUnitScale`, the constant broadcasting to the normalized axes.
static std::optional<std::pair<LayerNormOp, Value>>
matchAffineOperand(Value lhs, Value rhs, bool needUnitScale) {
  for (auto [candidate, other] : {std::pair(lhs, rhs), std::pair(rhs, lhs)}) {
    auto norm = candidate.getDefiningOp<LayerNormOp>();
    DenseElementsAttr constant;
    if (!norm || !norm->hasOneUse() || norm.getBias() ||
        !matchPattern(other, m_Constant(&constant)))
      continue;
    if (needUnitScale && !isSplatNear(norm.getScale(), 1.0))
      continue;
    ArrayRef<int64_t> normalized =
        norm.getType().getShape().drop_front(norm.getAxis());
    SmallVector<int64_t> broadcast;
    if (!OpTrait::util::getBroadcastedShape(constant.getType().getShape(),
                                            normalized, broadcast) ||
        ArrayRef<int64_t>(broadcast) != normalized)
      continue;
    return std::pair(norm, other);
  }
  return std::nullopt;
}

/// layer_norm(x, ones) * gamma becomes layer_norm(x, gamma).
struct AbsorbScale : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MulOp mul,
                                PatternRewriter &rewriter) const override {
    auto match = matchAffineOperand(mul.getLhs(), mul.getRhs(),
                                    /*needUnitScale=*/true);
    if (!match || mul.getType() != match->first.getType())
      return rewriter.notifyMatchFailure(mul, "not layer_norm * constant");
    LayerNormOp norm = match->first;
    rewriter.replaceOpWithNewOp<LayerNormOp>(
        mul, norm.getType(), norm.getInput(), match->second, Value(),
        norm.getAxisAttr(), norm.getEpsilonAttr());
    rewriter.eraseOp(norm);
    return success();
  }
};

/// layer_norm(x, gamma) + beta becomes layer_norm(x, gamma, beta).
struct AbsorbBias : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AddOp add,
                                PatternRewriter &rewriter) const override {
    auto match = matchAffineOperand(add.getLhs(), add.getRhs(),
                                    /*needUnitScale=*/false);
    if (!match || add.getType() != match->first.getType())
      return rewriter.notifyMatchFailure(add, "not layer_norm + constant");
    LayerNormOp norm = match->first;
    rewriter.replaceOpWithNewOp<LayerNormOp>(
        add, norm.getType(), norm.getInput(), norm.getScale(), match->second,
        norm.getAxisAttr(), norm.getEpsilonAttr());
    rewriter.eraseOp(norm);
    return success();
  }
};

struct FuseLayerNormPass
    : quill::impl::FuseLayerNormPassBase<FuseLayerNormPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateFuseLayerNormPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void mlir::quill::populateFuseLayerNormPatterns(RewritePatternSet &patterns) {
  patterns.add<FuseNormalization, AbsorbScale, AbsorbBias>(
      patterns.getContext());
}
