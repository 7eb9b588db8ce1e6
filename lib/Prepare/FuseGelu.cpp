//===- FuseGelu.cpp - Recognise decomposed GELU ---------------------------===//

#include "Matchers.h"

#include "quill/Dialect/Quill/IR/Quill.h"
#include "quill/Prepare/Passes.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace mlir::quill {
#define GEN_PASS_DEF_FUSEGELUPASS
#include "quill/Prepare/Passes.h.inc"
} // namespace mlir::quill

using namespace mlir;
using namespace mlir::quill;

namespace {

constexpr double kSqrt2 = 1.4142135623730951;
constexpr double kSqrt2OverPi = 0.7978845608028654;
constexpr double kCubicCoefficient = 0.044715;

/// The factors of a product tree: the operands of nested single-use
/// quill.mul ops under `value` (which itself may have any number of uses).
static void collectFactors(Value value, SmallVectorImpl<Value> &factors,
                           bool isRoot) {
  auto mul = value.getDefiningOp<MulOp>();
  if (mul && (isRoot || mul->hasOneUse()) && factors.size() < 8) {
    collectFactors(mul.getLhs(), factors, false);
    collectFactors(mul.getRhs(), factors, false);
    return;
  }
  factors.push_back(value);
}

/// `value` is `x * c` or `c * x` with c near `factor`, or `x / c` with c
/// near 1 / `factor`.
static bool isScaled(Value value, Value x, double factor) {
  if (auto mul = value.getDefiningOp<MulOp>())
    return (mul.getLhs() == x && isSplatNear(mul.getRhs(), factor)) ||
           (mul.getRhs() == x && isSplatNear(mul.getLhs(), factor));
  if (auto div = value.getDefiningOp<DivOp>())
    return div.getLhs() == x && isSplatNear(div.getRhs(), 1.0 / factor);
  return false;
}

/// `value` is x^3: Pow(x, 3) or a product of three x.
static bool isCube(Value value, Value x) {
  if (auto pow = value.getDefiningOp<PowOp>())
    return pow.getBase() == x && isSplatNear(pow.getExponent(), 3.0);
  SmallVector<Value> factors;
  collectFactors(value, factors, /*isRoot=*/true);
  return factors.size() == 3 && llvm::all_equal(factors) && factors[0] == x;
}

/// `value` is sqrt(2/pi) * (x + 0.044715 * x^3), in any operand order.
static bool isTanhArgument(Value value, Value x) {
  auto mul = value.getDefiningOp<MulOp>();
  if (!mul)
    return false;
  Value inner = mul.getRhs(), coefficient = mul.getLhs();
  if (!isSplatNear(coefficient, kSqrt2OverPi))
    std::swap(inner, coefficient);
  auto add = inner.getDefiningOp<AddOp>();
  if (!isSplatNear(coefficient, kSqrt2OverPi) || !add)
    return false;
  Value cubic = add.getLhs() == x ? add.getRhs() : add.getLhs();
  if (add.getLhs() != x && add.getRhs() != x)
    return false;
  auto cubicMul = cubic.getDefiningOp<MulOp>();
  if (!cubicMul)
    return false;
  return (isSplatNear(cubicMul.getLhs(), kCubicCoefficient) &&
          isCube(cubicMul.getRhs(), x)) ||
         (isSplatNear(cubicMul.getRhs(), kCubicCoefficient) &&
          isCube(cubicMul.getLhs(), x));
}

/// Which GELU `onePlus` = 1 + erf(x / sqrt 2) or 1 + tanh(...) belongs to.
enum class GeluForm { None, Erf, Tanh };
static GeluForm classify(Value onePlus, Value x) {
  auto add = onePlus.getDefiningOp<AddOp>();
  if (!add)
    return GeluForm::None;
  Value inner = isSplatNear(add.getLhs(), 1.0) ? add.getRhs() : add.getLhs();
  if (!isSplatNear(add.getLhs(), 1.0) && !isSplatNear(add.getRhs(), 1.0))
    return GeluForm::None;
  if (auto erf = inner.getDefiningOp<math::ErfOp>())
    return isScaled(erf.getOperand(), x, 1.0 / kSqrt2) ? GeluForm::Erf
                                                       : GeluForm::None;
  if (auto tanh = inner.getDefiningOp<math::TanhOp>())
    return isTanhArgument(tanh.getOperand(), x) ? GeluForm::Tanh
                                                : GeluForm::None;
  return GeluForm::None;
}

/// x * 0.5 * (1 + erf(x / sqrt 2)) (or the tanh form), any association,
/// becomes quill.gelu x.
struct FuseGelu : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MulOp mul,
                                PatternRewriter &rewriter) const override {
    SmallVector<Value> factors;
    collectFactors(mul.getResult(), factors, /*isRoot=*/true);
    if (factors.size() != 3)
      return rewriter.notifyMatchFailure(mul, "not a product of three");
    auto half =
        llvm::find_if(factors, [](Value v) { return isSplatNear(v, 0.5); });
    if (half == factors.end())
      return rewriter.notifyMatchFailure(mul, "no factor 0.5");
    factors.erase(half);
    for (auto [x, onePlus] : {std::pair(factors[0], factors[1]),
                              std::pair(factors[1], factors[0])}) {
      GeluForm form = classify(onePlus, x);
      if (form == GeluForm::None || x.getType() != mul.getType())
        continue;
      rewriter.replaceOpWithNewOp<GeluOp>(mul, x, form == GeluForm::Tanh);
      return success();
    }
    return rewriter.notifyMatchFailure(mul, "no 1 + erf/tanh factor of x");
  }
};

struct FuseGeluPass : quill::impl::FuseGeluPassBase<FuseGeluPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateFuseGeluPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void mlir::quill::populateFuseGeluPatterns(RewritePatternSet &patterns) {
  patterns.add<FuseGelu>(patterns.getContext());
}
