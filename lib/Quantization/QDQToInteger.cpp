//===- QDQToInteger.cpp - Integer forms of quantized graph chains ---------===//
//
// Matches the float computations a quantized graph spells out between
// dequantize and quantize and replaces them with integer ops: a
// quill.quantized_matmul or quill.quantized_conv plus an int32 bias and a
// quill.requantize for matrix products and convolutions, the op itself on
// stored values for data movement, and a quill.requantize for a change of
// scale. See the pass description.
//
//===----------------------------------------------------------------------===//

#include "quill/Quantization/Passes.h"

#include "IntegerContraction.h"
#include "IntegerForms.h"

#include "quill/Dialect/Quill/IR/QuantArithmetic.h"
#include "quill/Dialect/Quill/IR/Quill.h"
#include "quill/Quantization/QuantizableOps.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>
#include <limits>

namespace mlir::quill {
#define GEN_PASS_DEF_QDQTOINTEGERPASS
#include "quill/Quantization/Passes.h.inc"
} // namespace mlir::quill

using namespace mlir;
using namespace mlir::quill;

namespace {

/// quantize([relu](matmul [+ constant bias] | gemm | conv)) on dequantized
/// operands.
struct ContractionToInteger : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    FailureOr<QuantizedResult> matched = matchQuantizedResult(op);
    if (failed(matched))
      return failure();
    quant::UniformQuantizedType output = matched->type;
    Operation *producer = matched->input.getDefiningOp();
    if (!producer || !producer->hasOneUse())
      return failure();
    FailureOr<IntegerContraction> contraction =
        matchIntegerContraction(producer);
    if (failed(contraction))
      return failure();
    SmallVector<double> factors;
    for (double scale : contraction->rhsScales)
      factors.push_back(contraction->lhsElement.getScale() * scale /
                        output.getScale());
    for (double factor : factors)
      if (!getDyadicMultiplier(factor))
        return failure();

    auto resultType = cast<RankedTensorType>(op.getType());
    Value accumulator = buildAccumulator(rewriter, producer->getLoc(),
                                         *contraction, resultType);
    FailureOr<Value> result = buildRequantize(
        rewriter, op.getLoc(), accumulator, 0, false, factors,
        getChannelAxis(producer), output, resultType, matched->clamp);
    if (failed(result))
      return failure();
    rewriter.replaceOp(op, *result);
    return success();
  }
};

/// Whether ContractionToInteger would take `producer`: its one user is a
/// quantize, or a ReLU whose one user is.
bool feedsQuantizeOnly(Operation *producer) {
  if (!producer->hasOneUse())
    return false;
  Operation *user = *producer->getUsers().begin();
  if (isa<ReluOp>(user) && user->hasOneUse())
    user = *user->getUsers().begin();
  return isa<QuantizeOp>(user);
}

/// (matmul | gemm | conv) on dequantized operands whose result is read as
/// float: the int32 accumulator dequantized at `sa * sb` per channel.
template <typename OpTy> struct ContractionToFloat : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    if (feedsQuantizeOnly(op))
      return failure();
    auto resultType = cast<RankedTensorType>(op.getType());
    if (!resultType.getElementType().isF32())
      return failure();
    FailureOr<IntegerContraction> contraction = matchIntegerContraction(op);
    if (failed(contraction))
      return failure();

    Location loc = op.getLoc();
    Value accumulator =
        buildAccumulator(rewriter, loc, *contraction, resultType);
    auto i32 = rewriter.getI32Type();
    auto f32 = rewriter.getF32Type();
    int64_t low = std::numeric_limits<int32_t>::min();
    int64_t high = std::numeric_limits<int32_t>::max();
    SmallVector<double> scales;
    for (double scale : contraction->rhsScales)
      scales.push_back(
          double(float(contraction->lhsElement.getScale()) * float(scale)));
    if (cast<RankedTensorType>(accumulator.getType())
            .getElementType()
            .isInteger(64)) {
      // No quantized type stores int64: convert, then scale per channel.
      SmallVector<float> factors(scales.begin(), scales.end());
      Value factorValue = arith::ConstantOp::create(
          rewriter, loc,
          DenseElementsAttr::get(
              getChannelOperandType(op, resultType, factors.size(), f32),
              ArrayRef(factors)));
      Value converted = CastOp::create(rewriter, loc, resultType, accumulator);
      rewriter.replaceOpWithNewOp<MulOp>(op, resultType, converted,
                                         factorValue);
      return success();
    }
    Type element;
    if (scales.size() == 1)
      element = quant::UniformQuantizedType::get(
          quant::QuantizationFlags::Signed, i32, f32, scales[0], 0, low, high);
    else
      element = quant::UniformQuantizedPerAxisType::get(
          quant::QuantizationFlags::Signed, i32, f32, scales,
          SmallVector<int64_t>(scales.size(), 0), getChannelAxis(op), low,
          high);
    Value quantized = StorageCastOp::create(
        rewriter, loc, resultType.clone(element), accumulator);
    rewriter.replaceOpWithNewOp<DequantizeOp>(op, resultType, quantized);
    return success();
  }
};

/// quantize(op(dequantize(x))) with one type on both sides, for ops that
/// only move or select values (movesQuantizedValues) and for concat.
struct DataMovementOnIntegers : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    Operation *mover = op.getInput().getDefiningOp();
    if (!getPerTensorType(op) || !mover || !mover->hasOneUse())
      return failure();
    // The operands whose values move: the first, or every input of a
    // concat (all quantized alike, as ONNX Runtime's quantizer makes them).
    unsigned numMoved;
    if (movesQuantizedValues(mover))
      numMoved = 1;
    else if (isa<ConcatOp>(mover))
      numMoved = mover->getNumOperands();
    else
      return failure();
    SmallVector<Value> quantized;
    for (unsigned i = 0; i < numMoved; ++i) {
      Value input =
          getDequantizedInput(mover->getOperand(i), /*allowPerAxis=*/false);
      if (!input || cast<RankedTensorType>(input.getType()).getElementType() !=
                        op.getType().getElementType())
        return failure();
      quantized.push_back(input);
    }
    Operation *clone = rewriter.clone(*mover);
    for (auto [i, input] : llvm::enumerate(quantized))
      clone->setOperand(i, input);
    clone->getResult(0).setType(op.getType());
    rewriter.replaceOp(op, clone->getResults());
    return success();
  }
};

/// quantize([relu](dequantize(x))): a change of scale, or a clamp.
struct RescaleOnIntegers : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    FailureOr<QuantizedResult> matched = matchQuantizedResult(op);
    if (failed(matched))
      return failure();
    quant::UniformQuantizedType output = matched->type;
    Value quantized =
        getDequantizedInput(matched->input, /*allowPerAxis=*/false);
    if (!quantized)
      return failure();
    auto inputElement = cast<quant::UniformQuantizedType>(
        cast<RankedTensorType>(quantized.getType()).getElementType());
    if (inputElement == output && matched->clamp.empty()) {
      rewriter.replaceOp(op, quantized);
      return success();
    }
    FailureOr<Value> result =
        buildRescale(rewriter, op.getLoc(), quantized,
                     inputElement.getScale() / output.getScale(), output,
                     cast<RankedTensorType>(op.getType()), matched->clamp);
    if (failed(result))
      return failure();
    rewriter.replaceOp(op, *result);
    return success();
  }
};

struct QDQToIntegerPass : quill::impl::QDQToIntegerPassBase<QDQToIntegerPass> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    RewritePatternSet patterns(context);
    populateQDQToIntegerPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    // Dequantized weights nobody consumes as integers become floats.
    RewritePatternSet folding(context);
    populateFoldConstantDequantizePatterns(folding);
    if (failed(applyPatternsGreedily(getOperation(), std::move(folding))))
      signalPassFailure();
  }
};

} // namespace

void mlir::quill::populateQDQToIntegerPatterns(RewritePatternSet &patterns) {
  MLIRContext *context = patterns.getContext();
  patterns.add<ContractionToInteger>(context, /*benefit=*/2);
  patterns.add<ContractionToFloat<MatMulOp>, ContractionToFloat<GemmOp>,
               ContractionToFloat<ConvOp>, ContractionToFloat<ConvTransposeOp>,
               DataMovementOnIntegers, RescaleOnIntegers>(context);
}
