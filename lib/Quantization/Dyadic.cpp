//===- Dyadic.cpp - The integer-only rewrite ------------------------------===//
//
// Beyond quill-qdq-to-integer's products and data movement: elementwise
// functions as tables of their 256 quantized values, and adds, multiplies
// and global average pools on int32 with dyadic requantization. See the
// pass description.
//
//===----------------------------------------------------------------------===//

#include "quill/Quantization/Passes.h"

#include "IntegerForms.h"

#include "quill/Dialect/Quill/IR/IntegerNonlinear.h"
#include "quill/Dialect/Quill/IR/QuantArithmetic.h"
#include "quill/Dialect/Quill/IR/Quill.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>
#include <functional>
#include <limits>

namespace mlir::quill {
#define GEN_PASS_DEF_DYADICPASS
#include "quill/Quantization/Passes.h.inc"
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
      type.clone(rewriter.getI32Type()), 0, false, {});
}

/// Requantizes the int32 `sum` by `factor` to `op`'s type.
LogicalResult replaceByRequantized(QuantizeOp op, PatternRewriter &rewriter,
                                   Value sum, double factor,
                                   quant::UniformQuantizedType output,
                                   StorageClamp clamp) {
  FailureOr<Value> result =
      buildRequantize(rewriter, op.getLoc(), sum, 0, false, {factor}, 0, output,
                      op.getType(), clamp);
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

/// The quantized operand of a binary op reading one dequantized value and
/// one float constant, and that constant.
std::optional<std::pair<Value, DenseFPElementsAttr>>
getOperandAndConstant(Operation *op) {
  for (auto [quantized, constant] :
       {std::pair(op->getOperand(0), op->getOperand(1)),
        std::pair(op->getOperand(1), op->getOperand(0))}) {
    Value input = getDequantizedInput(quantized, /*allowPerAxis=*/false);
    DenseFPElementsAttr values;
    if (input && matchPattern(constant, m_Constant(&values)))
      return std::make_pair(input, values);
  }
  return std::nullopt;
}

/// `values` as an int32 constant at `scale` (round half to even); failure
/// when one is `headroom` or more times too large for int32.
FailureOr<Value> buildInt32Constant(PatternRewriter &rewriter, Location loc,
                                    DenseFPElementsAttr values, double scale,
                                    int64_t headroom) {
  SmallVector<int32_t> integers;
  double limit = double(std::numeric_limits<int32_t>::max()) / headroom;
  for (APFloat value : values.getValues<APFloat>()) {
    double scaled = std::nearbyint(value.convertToDouble() / scale);
    if (!(std::abs(scaled) <= limit))
      return failure();
    integers.push_back(int32_t(scaled));
  }
  auto type = cast<RankedTensorType>(values.getType());
  return arith::ConstantOp::create(
             rewriter, loc,
             DenseElementsAttr::get(type.clone(rewriter.getI32Type()),
                                    ArrayRef(integers)))
      .getResult();
}

/// quantize([relu](add(dequantize(a), dequantize(b) | constant))).

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
    Location loc = add.getLoc();
    Value lhs, rhs;
    double common;
    if (auto operands = getQuantizedOperands(add)) {
      double lhsScale = getPerTensorElement(operands->first).getScale();
      double rhsScale = getPerTensorElement(operands->second).getScale();
      common = std::max(lhsScale, rhsScale) / double(1 << commonScaleBits);
      if (!getDyadicMultiplier(common / output.getScale()))
        return failure();
      lhs =
          buildCenteredInt32(rewriter, loc, operands->first, lhsScale / common);
      rhs = buildCenteredInt32(rewriter, loc, operands->second,
                               rhsScale / common);
    } else {
      // A constant operand: its values at the common scale, below 2^30 so
      // that adding the rescaled input (below 255 * 2^20) stays in int32.
      auto operand = getOperandAndConstant(add);
      if (!operand)
        return failure();
      double scale = getPerTensorElement(operand->first).getScale();
      common = scale / double(1 << commonScaleBits);
      FailureOr<Value> constant = buildInt32Constant(
          rewriter, loc, operand->second, common, /*headroom=*/2);
      if (!getDyadicMultiplier(common / output.getScale()) || failed(constant))
        return failure();
      lhs = buildCenteredInt32(rewriter, loc, operand->first, scale / common);
      rhs = *constant;
    }
    Value sum = AddOp::create(
        rewriter, loc, add.getType().clone(rewriter.getI32Type()), lhs, rhs);
    return replaceByRequantized(op, rewriter, sum, common / output.getScale(),
                                output, matched->clamp);
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
    return replaceByRequantized(op, rewriter, product, factor, output, {});
  }
};

/// quantize(mul(dequantize(a), c)) and quantize(div(dequantize(a), c)) for
/// a positive scalar constant c: a change of scale by c.
struct ScaleByConstant : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    quant::UniformQuantizedType output = getPerTensorType(op);
    Operation *scaling = op.getInput().getDefiningOp();
    if (!output || !isa_and_present<MulOp, DivOp>(scaling) ||
        !scaling->hasOneUse())
      return failure();
    Value input;
    DenseFPElementsAttr constant;
    if (isa<MulOp>(scaling)) {
      auto operand = getOperandAndConstant(scaling);
      if (!operand)
        return failure();
      std::tie(input, constant) = *operand;
    } else {
      input = getDequantizedInput(scaling->getOperand(0),
                                  /*allowPerAxis=*/false);
      if (!input ||
          !matchPattern(scaling->getOperand(1), m_Constant(&constant)))
        return failure();
    }
    if (constant.getNumElements() != 1)
      return failure();
    double c = (*constant.value_begin<APFloat>()).convertToDouble();
    if (isa<DivOp>(scaling))
      c = 1.0 / c;
    auto element = getPerTensorElement(input);
    double factor = element.getScale() * c / output.getScale();
    if (!(c > 0.0) || !getDyadicMultiplier(factor))
      return failure();
    FailureOr<Value> result = buildRescale(rewriter, op.getLoc(), input, factor,
                                           output, op.getType(), {});
    if (failed(result))
      return failure();
    rewriter.replaceOp(op, *result);
    return success();
  }
};

/// quantize(global_average_pool(dequantize(x))).
struct GlobalAveragePoolOnIntegers : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    FailureOr<QuantizedUnary<GlobalAveragePoolOp>> matched =
        matchQuantizedUnary<GlobalAveragePoolOp>(op);
    if (failed(matched))
      return failure();
    auto [pool, quantized, output] = *matched;
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
    return replaceByRequantized(op, rewriter, sum, factor, output, {});
  }
};

/// quantize(average_pool(dequantize(x))) when every window divides by the
/// same count (no padding, or padding counted; every window inside the
/// padded input): the window sums of x - zx as a depthwise
/// quill.quantized_conv with a kernel of ones (its padding holds zx, real
/// zero), requantized by sx / (count * sy).
struct AveragePoolOnIntegers : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    FailureOr<QuantizedUnary<AveragePoolOp>> matched =
        matchQuantizedUnary<AveragePoolOp>(op);
    if (failed(matched))
      return failure();
    auto [pool, quantized, output] = *matched;
    auto inputType = cast<RankedTensorType>(quantized.getType());
    RankedTensorType resultType = pool.getType();
    ArrayRef<int64_t> kernel = pool.getKernelShape(), pads = pool.getPads();
    ArrayRef<int64_t> strides = pool.getStrides(),
                      dilations = pool.getDilations();
    int64_t spatial = kernel.size();
    bool padded = llvm::any_of(pads, [](int64_t pad) { return pad != 0; });
    if (padded && !pool.getCountIncludePad())
      return failure();
    int64_t count = 1;
    for (int64_t axis = 0; axis < spatial; ++axis) {
      count *= kernel[axis];
      int64_t lastEnd = (resultType.getDimSize(axis + 2) - 1) * strides[axis] +
                        dilations[axis] * (kernel[axis] - 1) + 1;
      if (lastEnd >
          inputType.getDimSize(axis + 2) + pads[axis] + pads[spatial + axis])
        return failure();
    }
    // |x - z| <= 255 summed over `count` elements must fit in int32.
    double factor = getPerTensorElement(quantized).getScale() /
                    (double(count) * output.getScale());
    if (count > (int64_t(1) << 23) || !getDyadicMultiplier(factor))
      return failure();
    Location loc = pool.getLoc();
    int64_t channels = inputType.getDimSize(1);
    SmallVector<int64_t> weightShape = {channels, 1};
    weightShape.append(kernel.begin(), kernel.end());
    auto storage = RankedTensorType::get(weightShape, rewriter.getI8Type());
    Value ones = arith::ConstantOp::create(
        rewriter, loc,
        DenseElementsAttr::get(storage, rewriter.getI8IntegerAttr(1)));
    auto onesType = quant::UniformQuantizedType::get(
        quant::QuantizationFlags::Signed, rewriter.getI8Type(),
        rewriter.getF32Type(), 1.0, 0, -128, 127);
    Value weight =
        StorageCastOp::create(rewriter, loc, storage.clone(onesType), ones);
    Value sums = QuantizedConvOp::create(
        rewriter, loc, resultType.clone(rewriter.getI32Type()), quantized,
        weight, pool.getStridesAttr(), pool.getPadsAttr(),
        pool.getDilationsAttr(), rewriter.getI64IntegerAttr(channels),
        /*input_dilations=*/DenseI64ArrayAttr());
    return replaceByRequantized(op, rewriter, sums, factor, output, {});
  }
};

/// quantize(concat(dequantize(a), dequantize(b), ...)) whose inputs differ
/// in type: each input rescaled to the output's type (one requantize, none
/// where it already has it), then the concat on stored values.
struct ConcatOnIntegers : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    quant::UniformQuantizedType output = getPerTensorType(op);
    auto concat = op.getInput().getDefiningOp<ConcatOp>();
    if (!output || !concat || !concat->hasOneUse())
      return failure();
    SmallVector<Value> inputs;
    for (Value operand : concat.getInputs()) {
      Value quantized = getDequantizedInput(operand, /*allowPerAxis=*/false);
      if (!quantized)
        return failure();
      quant::UniformQuantizedType element = getPerTensorElement(quantized);
      if (!getDyadicMultiplier(element.getScale() / output.getScale()))
        return failure();
      inputs.push_back(quantized);
    }
    for (Value &input : inputs) {
      quant::UniformQuantizedType element = getPerTensorElement(input);
      if (element == output)
        continue;
      input = *buildRescale(
          rewriter, op.getLoc(), input, element.getScale() / output.getScale(),
          output, cast<RankedTensorType>(input.getType()).clone(output), {});
    }
    rewriter.replaceOpWithNewOp<ConcatOp>(op, op.getType(), inputs,
                                          concat.getAxisAttr());
    return success();
  }
};

/// quantize(gelu(dequantize(x))) as quill.integer_gelu (the `gelu=i-gelu`
/// option; by default ElementwiseByTable takes GELU).
struct GeluOnIntegers : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    FailureOr<QuantizedUnary<GeluOp>> matched = matchQuantizedUnary<GeluOp>(op);
    if (failed(matched))
      return failure();
    auto [gelu, quantized, output] = *matched;
    std::optional<IntegerGeluConstants> constants =
        getIntegerGeluConstants(getPerTensorElement(quantized));
    if (!constants ||
        !getDyadicMultiplier(constants->productScale / output.getScale()))
      return failure();
    rewriter.replaceOpWithNewOp<IntegerGeluOp>(op, op.getType(), quantized);
    return success();
  }
};

/// quantize(softmax(dequantize(x))).
struct SoftmaxOnIntegers : OpRewritePattern<QuantizeOp> {
  SoftmaxOnIntegers(MLIRContext *context, ExpApproximation approximation)
      : OpRewritePattern(context), approximation(approximation) {}

  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    FailureOr<QuantizedUnary<SoftmaxOp>> matched =
        matchQuantizedUnary<SoftmaxOp>(op);
    if (failed(matched))
      return failure();
    auto [softmax, quantized, output] = *matched;
    if (!getIntegerExpConstants(approximation,
                                getPerTensorElement(quantized).getScale()) ||
        !getDyadicMultiplier(std::ldexp(1.0, -softmaxProbabilityBits) /
                             output.getScale()))
      return failure();
    rewriter.replaceOpWithNewOp<IntegerSoftmaxOp>(
        op, op.getType(), quantized,
        rewriter.getI64IntegerAttr(softmax.getAxis()),
        ExpApproximationAttr::get(getContext(), approximation));
    return success();
  }

  ExpApproximation approximation;
};

/// The values of a constant float `value` broadcast to `count` elements
/// (one value, or exactly `count`); none otherwise.
std::optional<SmallVector<double>> getConstantValues(Value value,
                                                     int64_t count) {
  DenseFPElementsAttr constant;
  if (!matchPattern(value, m_Constant(&constant)))
    return std::nullopt;
  SmallVector<double> values;
  for (APFloat element : constant.getValues<APFloat>())
    values.push_back(element.convertToDouble());
  if (values.size() == 1)
    values.resize(count, values.front());
  if (int64_t(values.size()) != count)
    return std::nullopt;
  return values;
}

/// quantize(layer_norm(dequantize(x), constant scale, constant bias)).
struct LayerNormOnIntegers : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  /// Significant bits of the largest |gamma| / S_out.
  static constexpr int gammaBits = 24;

  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    FailureOr<QuantizedUnary<LayerNormOp>> matched =
        matchQuantizedUnary<LayerNormOp>(op);
    if (failed(matched))
      return failure();
    auto [norm, quantized, output] = *matched;
    auto type = cast<RankedTensorType>(quantized.getType());
    int64_t axis = norm.getAxis();
    ArrayRef<int64_t> normalized = type.getShape().drop_front(axis);
    int64_t count = ShapedType::getNumElements(normalized);
    if (count > layerNormMaxCount)
      return failure();
    std::optional<SmallVector<double>> gamma =
        getConstantValues(norm.getScale(), count);
    std::optional<SmallVector<double>> beta =
        norm.getBias() ? getConstantValues(norm.getBias(), count)
                       : SmallVector<double>(count, 0.0);
    if (!gamma || !beta)
      return failure();

    double outputScale = output.getScale();
    double largest = 0.0;
    for (double g : *gamma)
      largest = std::max(largest, std::abs(g) / outputScale);
    int64_t gammaShift =
        gammaBits - (largest >= 1.0 ? int64_t(std::ilogb(largest)) + 1 : 0);
    int64_t shift = layerNormFractionBits + gammaShift;
    if (shift < 1 || shift > 62)
      return failure();
    SmallVector<int64_t> gammaInt, betaInt;
    for (auto [g, b] : llvm::zip(*gamma, *beta)) {
      gammaInt.push_back(
          int64_t(std::nearbyint(std::ldexp(g / outputScale, gammaShift))));
      double scaledBeta = std::nearbyint(std::ldexp(b / outputScale, shift));
      if (!(std::abs(scaledBeta) < std::ldexp(1.0, 62)))
        return failure();
      betaInt.push_back(int64_t(scaledBeta));
    }
    double inputScale = getPerTensorElement(quantized).getScale();
    double n = double(count);
    double epsilon =
        std::nearbyint(n * n * n * norm.getEpsilon().convertToDouble() /
                       (inputScale * inputScale));
    if (!(epsilon < std::ldexp(1.0, 61)))
      return failure();

    Location loc = norm.getLoc();
    auto parameterType =
        RankedTensorType::get(normalized, rewriter.getI64Type());
    auto constant = [&](ArrayRef<int64_t> values) -> Value {
      return arith::ConstantOp::create(
          rewriter, loc, DenseElementsAttr::get(parameterType, values));
    };
    rewriter.replaceOpWithNewOp<IntegerLayerNormOp>(
        op, op.getType(), quantized, constant(gammaInt), constant(betaInt),
        axis, int64_t(epsilon), shift);
    return success();
  }
};

struct DyadicPass : quill::impl::DyadicPassBase<DyadicPass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateQDQToIntegerPatterns(patterns);
    // Tried before the table, which takes GELU otherwise.
    if (gelu == GeluForm::IGelu)
      patterns.add<GeluOnIntegers>(&getContext(), /*benefit=*/2);
    patterns.add<ElementwiseByTable, AddOnIntegers, MulOnIntegers,
                 ScaleByConstant, GlobalAveragePoolOnIntegers,
                 AveragePoolOnIntegers, LayerNormOnIntegers, ConcatOnIntegers>(
        &getContext());
    patterns.add<SoftmaxOnIntegers>(&getContext(), softmaxExp.getValue());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
