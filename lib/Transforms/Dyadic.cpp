//===- Dyadic.cpp - The integer-only rewrite ------------------------------===//
//
// Beyond quill-qdq-to-integer's products and data movement: elementwise
// functions as tables of their 256 quantized values, and adds, multiplies
// and global average pools on int32 with dyadic requantization. See the
// pass description.
//
//===----------------------------------------------------------------------===//

#include "quill/Transforms/Passes.h"

#include "IntegerForms.h"

#include "quill/Dialect/Quill/IR/QuantArithmetic.h"
#include "quill/Dialect/Quill/IR/Quill.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>
#include <functional>

namespace mlir::quill {
#define GEN_PASS_DEF_DYADICPASS
#include "quill/Transforms/Passes.h.inc"
} // namespace mlir::quill

using namespace mlir;
using namespace mlir::quill;

namespace {

/// The 8-bit per-tensor type of a quantized tensor value, or null.
quant::UniformQuantizedType getPerTensorElement(Value quantized) {
  auto type = dyn_cast<quant::UniformQuantizedType>(
      cast<RankedTensorType>(quantized.getType()).getElementType());
  if (!type || type.getStorageTypeIntegralWidth() != 8)
    return {};
  return type;
}

/// `f` of an elementwise op of one float tensor, in double precision, for
/// the ops whose function is fixed by their attributes.
std::function<double(double)> getScalarFunction(Operation *op) {
  if (isa<SigmoidOp>(op))
    return [](double x) { return 1.0 / (1.0 + std::exp(-x)); };
  if (auto hardSigmoid = dyn_cast<HardSigmoidOp>(op)) {
    double alpha = hardSigmoid.getAlpha().convertToDouble();
    double beta = hardSigmoid.getBeta().convertToDouble();
    return [=](double x) { return std::clamp(alpha * x + beta, 0.0, 1.0); };
  }
  if (isa<HardSwishOp>(op))
    return [](double x) { return x * std::clamp(x / 6.0 + 0.5, 0.0, 1.0); };
  if (auto gelu = dyn_cast<GeluOp>(op)) {
    if (gelu.getTanhApproximation())
      return [](double x) {
        return 0.5 * x *
               (1.0 +
                std::tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)));
      };
    return
        [](double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); };
  }
  if (auto leaky = dyn_cast<LeakyReluOp>(op)) {
    double alpha = leaky.getAlpha().convertToDouble();
    return [=](double x) { return x >= 0.0 ? x : alpha * x; };
  }
  if (isa<math::TanhOp>(op))
    return [](double x) { return std::tanh(x); };
  if (isa<math::ExpOp>(op))
    return [](double x) { return std::exp(x); };
  if (isa<math::ErfOp>(op))
    return [](double x) { return std::erf(x); };
  return {};
}

/// quantize(f(dequantize(x))): a table of f's quantized values.
struct ElementwiseByTable : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    quant::UniformQuantizedType output = getPerTensorType(op);
    Operation *function = op.getInput().getDefiningOp();
    if (!output || !function || function->getNumOperands() != 1 ||
        !function->hasOneUse())
      return failure();
    std::function<double(double)> f = getScalarFunction(function);
    if (!f)
      return failure();
    Value quantized =
        getDequantizedInput(function->getOperand(0), /*allowPerAxis=*/false);
    if (!quantized)
      return failure();
    auto input = cast<quant::UniformQuantizedType>(
        cast<RankedTensorType>(quantized.getType()).getElementType());
    StorageRange range{output.getStorageTypeMin(), output.getStorageTypeMax()};
    SmallVector<int32_t> table;
    for (int64_t q = input.getStorageTypeMin(); q <= input.getStorageTypeMax();
         ++q) {
      // The input as the float model's f32 dequantize gives it; f and the
      // division by the output scale in double.
      double x = dequantizeElement(q, {input.getScale(), input.getZeroPoint()},
                                   /*wide=*/false);
      table.push_back(int32_t(quantizeElement(
          f(x), {output.getScale(), output.getZeroPoint()}, range,
          /*wide=*/true)));
    }
    rewriter.replaceOpWithNewOp<TableLookupOp>(
        op, op.getType(), quantized, rewriter.getDenseI32ArrayAttr(table));
    return success();
  }
};

/// (q - zero point) * factor in int32 for the stored integers q of
/// `quantized`, by one requantize (factor 1, 2^30 / 2^30, is exact).
Value buildCenteredInt32(PatternRewriter &rewriter, Location loc,
                         Value quantized, double factor = 1.0) {
  auto type = cast<RankedTensorType>(quantized.getType());
  auto element = cast<quant::UniformQuantizedType>(type.getElementType());
  return *buildStorageRequantize(
      rewriter, loc, toStorage(rewriter, loc, quantized),
      element.getZeroPoint(), !element.isSigned(), {factor}, 0,
      type.clone(rewriter.getI32Type()), 0, false, std::nullopt);
}

/// Requantizes the int32 `sum` by `factor` to `op`'s type.
LogicalResult replaceByRequantized(QuantizeOp op, PatternRewriter &rewriter,
                                   Value sum, double factor,
                                   quant::UniformQuantizedType output,
                                   std::optional<int64_t> clampMin) {
  FailureOr<Value> result =
      buildRequantize(rewriter, op.getLoc(), sum, 0, false, {factor}, 0, output,
                      op.getType(), clampMin);
  if (failed(result))
    return failure();
  rewriter.replaceOp(op, *result);
  return success();
}

/// The two quantized operands of a binary op reading dequantized values.
std::optional<std::pair<Value, Value>> getQuantizedOperands(Operation *op) {
  Value lhs = getDequantizedInput(op->getOperand(0), /*allowPerAxis=*/false);
  Value rhs = getDequantizedInput(op->getOperand(1), /*allowPerAxis=*/false);
  if (!lhs || !rhs)
    return std::nullopt;
  return std::make_pair(lhs, rhs);
}

/// quantize([relu](add(dequantize(a), dequantize(b)))).
struct AddOnIntegers : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  /// Headroom of the common scale: |q - z| <= 255 times 2^20 and the sum of
  /// two stay below 2^31.
  static constexpr int commonScaleBits = 20;

  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    FailureOr<QuantizedResult> matched = matchQuantizedResult(op);
    if (failed(matched))
      return failure();
    quant::UniformQuantizedType output = matched->type;
    auto add = matched->input.getDefiningOp<AddOp>();
    if (!add || !add->hasOneUse())
      return failure();
    auto operands = getQuantizedOperands(add);
    if (!operands)
      return failure();
    double lhsScale = getPerTensorElement(operands->first).getScale();
    double rhsScale = getPerTensorElement(operands->second).getScale();
    double common = std::max(lhsScale, rhsScale) / double(1 << commonScaleBits);
    if (!getDyadicMultiplier(common / output.getScale()))
      return failure();
    Location loc = add.getLoc();
    Value lhs =
        buildCenteredInt32(rewriter, loc, operands->first, lhsScale / common);
    Value rhs =
        buildCenteredInt32(rewriter, loc, operands->second, rhsScale / common);
    Value sum = AddOp::create(
        rewriter, loc, add.getType().clone(rewriter.getI32Type()), lhs, rhs);
    return replaceByRequantized(op, rewriter, sum, common / output.getScale(),
                                output, matched->clampMin);
  }
};

/// quantize(mul(dequantize(a), dequantize(b))).
struct MulOnIntegers : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    quant::UniformQuantizedType output = getPerTensorType(op);
    auto mul = op.getInput().getDefiningOp<MulOp>();
    if (!output || !mul || !mul->hasOneUse())
      return failure();
    auto operands = getQuantizedOperands(mul);
    if (!operands)
      return failure();
    double factor = getPerTensorElement(operands->first).getScale() *
                    getPerTensorElement(operands->second).getScale() /
                    output.getScale();
    if (!getDyadicMultiplier(factor))
      return failure();
    Location loc = mul.getLoc();
    Value product =
        MulOp::create(rewriter, loc, mul.getType().clone(rewriter.getI32Type()),
                      buildCenteredInt32(rewriter, loc, operands->first),
                      buildCenteredInt32(rewriter, loc, operands->second));
    return replaceByRequantized(op, rewriter, product, factor, output,
                                std::nullopt);
  }
};

/// quantize(global_average_pool(dequantize(x))).
struct GlobalAveragePoolOnIntegers : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    quant::UniformQuantizedType output = getPerTensorType(op);
    auto pool = op.getInput().getDefiningOp<GlobalAveragePoolOp>();
    if (!output || !pool || !pool->hasOneUse())
      return failure();
    Value quantized =
        getDequantizedInput(pool.getInput(), /*allowPerAxis=*/false);
    if (!quantized)
      return failure();
    auto inputType = cast<RankedTensorType>(quantized.getType());
    int64_t count = 1;
    SmallVector<int64_t> axes;
    for (int64_t axis = 2; axis < inputType.getRank(); ++axis) {
      count *= inputType.getDimSize(axis);
      axes.push_back(axis);
    }
    // |x - z| <= 255 summed over `count` elements must fit in int32.
    if (count > (int64_t(1) << 23))
      return failure();
    double factor = getPerTensorElement(quantized).getScale() /
                    (double(count) * output.getScale());
    if (!getDyadicMultiplier(factor))
      return failure();
    Location loc = pool.getLoc();
    Value sum = ReduceSumOp::create(
        rewriter, loc, pool.getType().clone(rewriter.getI32Type()),
        buildCenteredInt32(rewriter, loc, quantized),
        rewriter.getDenseI64ArrayAttr(axes), rewriter.getUnitAttr());
    return replaceByRequantized(op, rewriter, sum, factor, output,
                                std::nullopt);
  }
};

struct DyadicPass : quill::impl::DyadicPassBase<DyadicPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateQDQToIntegerPatterns(patterns);
    patterns.add<ElementwiseByTable, AddOnIntegers, MulOnIntegers,
                 GlobalAveragePoolOnIntegers>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
