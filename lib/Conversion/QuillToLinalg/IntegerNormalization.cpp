//===- IntegerNormalization.cpp - Integer softmax, layer norm, GELU -------===//
//
// quill.integer_softmax and quill.integer_layer_norm as linalg on int64:
// row statistics by reductions, then elementwise maps reading them;
// quill.integer_gelu as one elementwise map on int32. The formulas are the
// ops' descriptions; the constants come from IntegerNonlinear.h.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"

#include "quill/Dialect/Quill/IR/IntegerNonlinear.h"
#include "quill/Dialect/Quill/IR/QuantArithmetic.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include <cmath>

using namespace mlir;
using namespace mlir::quill;
using namespace mlir::quill::lowering;

namespace {

quant::UniformQuantizedType getElement(Value value) {
  return cast<quant::UniformQuantizedType>(
      cast<RankedTensorType>(value.getType()).getElementType());
}

/// The sum over `axes` of int64 `input`.
Value sumOver(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes) {
  return buildReduction(b, loc, input, axes, IntegerMath{b, loc}.constant(0),
                        [](OpBuilder &nested, Location l, Value x, Value acc) {
                          return IntegerMath{nested, l}.add(x, acc);
                        });
}

struct IntegerSoftmaxLowering : OpConversionPattern<IntegerSoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(IntegerSoftmaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    quant::UniformQuantizedType input = getElement(op.getInput());
    quant::UniformQuantizedType output = getElement(op.getResult());
    ExpApproximation approximation = op.getApproximation();
    std::optional<IntegerExpConstants> constants =
        getIntegerExpConstants(approximation, input.getScale());
    std::optional<DyadicMultiplier> requantize = getDyadicMultiplier(
        std::ldexp(1.0, -softmaxProbabilityBits) / output.getScale());
    if (!constants || !requantize)
      return rewriter.notifyMatchFailure(op, "scales out of range");
    auto type = cast<RankedTensorType>(adaptor.getInput().getType());
    ArrayRef<int64_t> shape = type.getShape();
    int64_t rank = type.getRank();
    SmallVector<int64_t> axes = {int64_t(op.getAxis())};
    AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, context);
    AffineMap rowMap = getReducedMap(rank, axes, context);
    Type i64 = rewriter.getI64Type();

    // The exponentials fit in int32 (below 2^30), where the division by
    // the constant x0 vectorizes; the sum and the normalization need int64.
    Type i32 = rewriter.getI32Type();
    Value stored = adaptor.getInput();
    Value maximum = buildReduction(
        rewriter, loc, stored, axes,
        lowestValue(rewriter, loc, type.getElementType(), !input.isSigned()),
        [&](OpBuilder &b, Location l, Value x, Value acc) {
          return ScalarMath{b, l, !input.isSigned()}.max(x, acc);
        });
    IntegerExpConstants c = *constants;
    Value exponentials = buildMapped(
        rewriter, loc, shape, i64, {stored, maximum}, {identity, rowMap},
        [&](OpBuilder &b, Location l, ValueRange args) {
          IntegerMath m{b, l, i32};
          Value x = m.sub(m.widen(args[0], !input.isSigned()),
                          m.widen(args[1], !input.isSigned()));
          Value t = x;
          if (approximation == ExpApproximation::Shift)
            t = m.sub(m.add(x, m.shr(x, m.constant(1))),
                      m.shr(x, m.constant(4)));
          // k = floor(t / x0) on non-negative -t / -x0; r in (x0, 0].
          Value k = m.div(m.sub(m.constant(0), t), m.constant(-c.x0));
          Value r = m.sub(t, m.mul(k, m.constant(c.x0)));
          Value z = approximation == ExpApproximation::IExp
                        ? m.add(m.mul(r, m.add(r, m.constant(c.polyB))),
                                m.constant(c.polyC))
                        : m.sub(m.shr(r, m.constant(1)), m.constant(c.x0));
          Value scaled = m.shl(m.max(z, m.constant(0)), m.constant(c.expShift));
          // Shifts of 31 and more leave 0, as in 64 bits.
          Value exponential = m.shr(scaled, m.min(k, m.constant(31)));
          return Value(arith::ExtSIOp::create(b, l, i64, exponential));
        });
    Value sum = sumOver(rewriter, loc, exponentials, axes);
    auto rowType = cast<RankedTensorType>(sum.getType());
    Value reciprocal = buildElementwise(
        rewriter, loc, rowType.getShape(), i64, sum,
        [&](OpBuilder &b, Location l, ValueRange args) {
          IntegerMath m{b, l};
          return m.div(m.constant(int64_t(1) << (2 * softmaxProbabilityBits)),
                       m.max(args[0], m.constant(1)));
        });
    Type storage =
        getConvertedResultType(*getTypeConverter(), op).getElementType();
    rewriter.replaceOp(
        op, buildMapped(rewriter, loc, shape, storage,
                        {exponentials, reciprocal}, {identity, rowMap},
                        [&](OpBuilder &b, Location l, ValueRange args) {
                          IntegerMath m{b, l};
                          Value probability =
                              m.shr(m.mul(args[0], args[1]),
                                    m.constant(softmaxProbabilityBits));
                          return m.requantizeToStorage(
                              probability, m.constant(requantize->multiplier),
                              m.constant(requantize->shift),
                              output.getZeroPoint(), output.getStorageTypeMin(),
                              output.getStorageTypeMax(), storage);
                        }));
    return success();
  }
};

/// floor(sqrt(v)) for v >= 1 by Newton from 2^ceil(bits(v) / 2), a step
/// taken only while it decreases (8 steps cover 64 bits).
Value buildIntegerSqrt(IntegerMath m, Value v) {
  OpBuilder &b = m.b;
  Value bits =
      m.sub(m.constant(64), math::CountLeadingZerosOp::create(b, m.loc, v));
  Value root =
      m.shl(m.constant(1), m.shr(m.add(bits, m.constant(1)), m.constant(1)));
  for (int step = 0; step < 8; ++step) {
    Value next = m.shr(m.add(root, m.div(v, root)), m.constant(1));
    Value decreases =
        arith::CmpIOp::create(b, m.loc, arith::CmpIPredicate::slt, next, root);
    root = arith::SelectOp::create(b, m.loc, decreases, next, root);
  }
  return root;
}

struct IntegerLayerNormLowering : OpConversionPattern<IntegerLayerNormOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(IntegerLayerNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    quant::UniformQuantizedType input = getElement(op.getInput());
    quant::UniformQuantizedType output = getElement(op.getResult());
    auto type = cast<RankedTensorType>(adaptor.getInput().getType());
    ArrayRef<int64_t> shape = type.getShape();
    int64_t rank = type.getRank();
    SmallVector<int64_t> axes;
    for (int64_t axis = op.getAxis(); axis < rank; ++axis)
      axes.push_back(axis);
    int64_t count = ShapedType::getNumElements(shape.drop_front(op.getAxis()));
    AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, context);
    AffineMap rowMap = getReducedMap(rank, axes, context);
    SmallVector<AffineExpr> normalizedDims;
    for (int64_t axis : axes)
      normalizedDims.push_back(getAffineDimExpr(axis, context));
    AffineMap parameterMap = AffineMap::get(rank, 0, normalizedDims, context);
    Type i64 = rewriter.getI64Type();
    int64_t zeroPoint = input.getZeroPoint();

    Value centered =
        buildElementwise(rewriter, loc, shape, i64, adaptor.getInput(),
                         [&](OpBuilder &b, Location l, ValueRange args) {
                           IntegerMath m{b, l};
                           return m.sub(m.widen(args[0], !input.isSigned()),
                                        m.constant(zeroPoint));
                         });
    Value total = sumOver(rewriter, loc, centered, axes);
    // d = n * x - sum(x): n times the deviation from the mean, exactly.
    Value deviations = buildMapped(
        rewriter, loc, shape, i64, {centered, total}, {identity, rowMap},
        [&](OpBuilder &b, Location l, ValueRange args) {
          IntegerMath m{b, l};
          return m.sub(m.mul(args[0], m.constant(count)), args[1]);
        });
    Value squares =
        buildElementwise(rewriter, loc, shape, i64, deviations,
                         [&](OpBuilder &b, Location l, ValueRange args) {
                           return IntegerMath{b, l}.mul(args[0], args[0]);
                         });
    Value sumOfSquares = sumOver(rewriter, loc, squares, axes);
    auto rowType = cast<RankedTensorType>(sumOfSquares.getType());
    int64_t epsilon = op.getEpsilon();
    Value reciprocal = buildElementwise(
        rewriter, loc, rowType.getShape(), i64, sumOfSquares,
        [&](OpBuilder &b, Location l, ValueRange args) {
          IntegerMath m{b, l};
          Value variance = m.max(
              m.div(m.add(args[0], m.constant(epsilon)), m.constant(count)),
              m.constant(1));
          return m.div(m.constant(int64_t(1) << layerNormReciprocalBits),
                       buildIntegerSqrt(m, variance));
        });
    Type storage =
        getConvertedResultType(*getTypeConverter(), op).getElementType();
    int64_t normalizeShift = layerNormReciprocalBits - layerNormFractionBits;
    int64_t shift = op.getShift();
    rewriter.replaceOp(
        op, buildMapped(
                rewriter, loc, shape, storage,
                {deviations, reciprocal, adaptor.getGamma(), adaptor.getBeta()},
                {identity, rowMap, parameterMap, parameterMap},
                [&](OpBuilder &b, Location l, ValueRange args) {
                  IntegerMath m{b, l};
                  Value normalized = m.shr(
                      m.add(m.mul(args[0], args[1]),
                            m.constant(int64_t(1) << (normalizeShift - 1))),
                      m.constant(normalizeShift));
                  Value affine = m.add(m.mul(normalized, args[2]), args[3]);
                  // A rounding shift: quill.requantize with multiplier 1.
                  return m.requantizeToStorage(
                      affine, m.constant(1), m.constant(shift),
                      output.getZeroPoint(), output.getStorageTypeMin(),
                      output.getStorageTypeMax(), storage);
                }));
    return success();
  }
};

struct IntegerGeluLowering : OpConversionPattern<IntegerGeluOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(IntegerGeluOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    quant::UniformQuantizedType input = getElement(op.getInput());
    quant::UniformQuantizedType output = getElement(op.getResult());
    int64_t zeroPoint = input.getZeroPoint();
    std::optional<IntegerGeluConstants> constants =
        getIntegerGeluConstants(input);
    std::optional<DyadicMultiplier> requantize =
        constants
            ? getDyadicMultiplier(constants->productScale / output.getScale())
            : std::nullopt;
    if (!requantize)
      return rewriter.notifyMatchFailure(op, "scales out of range");
    IntegerGeluConstants c = *constants;
    Type storage =
        getConvertedResultType(*getTypeConverter(), op).getElementType();
    auto type = cast<RankedTensorType>(adaptor.getInput().getType());
    bool inputUnsigned = !input.isSigned();
    rewriter.replaceOp(
        op,
        buildElementwise(
            rewriter, op.getLoc(), type.getShape(), storage, adaptor.getInput(),
            [&](OpBuilder &b, Location l, ValueRange args) -> Value {
              IntegerMath m{b, l, b.getI32Type()};
              Value x =
                  m.sub(m.widen(args[0], inputUnsigned), m.constant(zeroPoint));
              Value zero = m.constant(0);
              Value sign =
                  m.sub(arith::ExtUIOp::create(
                            b, l, m.type,
                            arith::CmpIOp::create(
                                b, l, arith::CmpIPredicate::sgt, x, zero)),
                        arith::ExtUIOp::create(
                            b, l, m.type,
                            arith::CmpIOp::create(
                                b, l, arith::CmpIPredicate::slt, x, zero)));
              Value magnitude = m.max(x, m.sub(zero, x));
              Value offset = m.add(m.min(magnitude, m.constant(-c.polyB)),
                                   m.constant(c.polyB));
              Value erf = m.mul(
                  sign, m.add(m.mul(offset, offset), m.constant(c.polyC)));
              Value product = m.mul(
                  x, m.add(m.shr(erf, m.constant(c.shift)), m.constant(c.one)));
              IntegerMath wide{b, l};
              return wide.requantizeToStorage(
                  wide.widen(m.sub(zero, product), /*isUnsigned=*/false),
                  wide.constant(requantize->multiplier),
                  wide.constant(requantize->shift), output.getZeroPoint(),
                  output.getStorageTypeMin(), output.getStorageTypeMax(),
                  storage);
            }));
    return success();
  }
};

} // namespace

void mlir::quill::lowering::populateIntegerNormalizationPatterns(
    StorageTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<IntegerSoftmaxLowering, IntegerLayerNormLowering,
               IntegerGeluLowering>(converter, patterns.getContext());
}
