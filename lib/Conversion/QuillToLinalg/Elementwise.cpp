//===- Elementwise.cpp - Lowering of elementwise graph ops ----------------===//
//
// Arithmetic with numpy broadcasting, activations, Clip, Where and Cast:
// one parallel linalg.generic each; linalg's elementwise fusion later merges
// chains of them.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"

#include "quill/Dialect/Quill/IR/Quill.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;
using namespace mlir::quill;
using namespace mlir::quill::lowering;

namespace {

/// Computes one element of an op's result from one element of each operand.
template <typename OpTy>
using ScalarFn = Value (*)(OpTy op, const ScalarMath &math, ValueRange args);

/// Lowers an op whose operands all broadcast to its result with a scalar
/// function of their elements.
template <typename OpTy>
struct ElementwiseLowering : OpConversionPattern<OpTy> {
  ElementwiseLowering(const TypeConverter &converter, MLIRContext *context,
                      ScalarFn<OpTy> scalarFn)
      : OpConversionPattern<OpTy>(converter, context), scalarFn(scalarFn) {}

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = getConvertedResultType(*this->getTypeConverter(), op);
    bool isUnsigned = hasUnsignedElements(op->getOperand(0).getType());
    Value result = buildElementwise(
        rewriter, op.getLoc(), resultType.getShape(),
        resultType.getElementType(), adaptor.getOperands(),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          return scalarFn(op, ScalarMath{b, loc, isUnsigned}, args);
        });
    rewriter.replaceOp(op, result);
    return success();
  }

  ScalarFn<OpTy> scalarFn;
};

template <typename OpTy>
void addElementwise(StorageTypeConverter &converter,
                    RewritePatternSet &patterns, ScalarFn<OpTy> fn) {
  patterns.add<ElementwiseLowering<OpTy>>(converter, patterns.getContext(), fn);
}

Value floatConstant(const ScalarMath &math, Value like, double value) {
  return math.constant(like.getType(), value);
}

Value sigmoid(const ScalarMath &math, Value x) {
  Value one = floatConstant(math, x, 1.0);
  Value negated = arith::NegFOp::create(math.b, math.loc, x);
  Value exp = math::ExpOp::create(math.b, math.loc, negated);
  return math.div(one, math.add(one, exp));
}

Value clampUnit(const ScalarMath &math, Value x) {
  return math.min(math.max(x, floatConstant(math, x, 0.0)),
                  floatConstant(math, x, 1.0));
}

Value gelu(GeluOp op, const ScalarMath &math, ValueRange args) {
  Value x = args[0];
  Value half = floatConstant(math, x, 0.5);
  Value one = floatConstant(math, x, 1.0);
  Value inner;
  if (op.getTanhApproximation()) {
    Value cube = math.mul(math.mul(x, x), x);
    Value poly = math.add(x, math.mul(floatConstant(math, x, 0.044715), cube));
    Value scaled = math.mul(floatConstant(math, x, 0.7978845608028654), poly);
    inner = math::TanhOp::create(math.b, math.loc, scaled);
  } else {
    Value scaled = math.mul(x, floatConstant(math, x, 0.7071067811865476));
    inner = math::ErfOp::create(math.b, math.loc, scaled);
  }
  return math.mul(math.mul(x, half), math.add(one, inner));
}

Value power(PowOp op, const ScalarMath &math, ValueRange args) {
  Value base = args[0];
  Value exponent = args[1];
  Type type = base.getType();
  if (isa<FloatType>(type)) {
    // ONNX lets the exponent have another type than the base.
    exponent = ScalarMath{math.b, math.loc,
                          hasUnsignedElements(op.getExponent().getType())}
                   .convert(exponent, type, false);
    return math::PowFOp::create(math.b, math.loc, base, exponent);
  }
  if (isa<FloatType>(exponent.getType())) {
    Value floatBase = math.convert(base, exponent.getType(), false);
    Value result = math::PowFOp::create(math.b, math.loc, floatBase, exponent);
    return math.convert(result, type, math.isUnsigned);
  }
  exponent = math.convert(exponent, type, false);
  return math::IPowIOp::create(math.b, math.loc, base, exponent);
}

Value compare(CompareOp op, const ScalarMath &m, ValueRange a) {
  Value x = a[0], y = a[1];
  ComparePredicate predicate = op.getPredicate();
  if (isa<FloatType>(x.getType())) {
    using P = arith::CmpFPredicate;
    P floatPredicate = predicate == ComparePredicate::Equal         ? P::OEQ
                       : predicate == ComparePredicate::Less        ? P::OLT
                       : predicate == ComparePredicate::LessOrEqual ? P::OLE
                       : predicate == ComparePredicate::Greater     ? P::OGT
                                                                    : P::OGE;
    return arith::CmpFOp::create(m.b, m.loc, floatPredicate, x, y);
  }
  using P = arith::CmpIPredicate;
  bool u = m.isUnsigned;
  P intPredicate =
      predicate == ComparePredicate::Equal         ? P::eq
      : predicate == ComparePredicate::Less        ? (u ? P::ult : P::slt)
      : predicate == ComparePredicate::LessOrEqual ? (u ? P::ule : P::sle)
      : predicate == ComparePredicate::Greater     ? (u ? P::ugt : P::sgt)
                                                   : (u ? P::uge : P::sge);
  return arith::CmpIOp::create(m.b, m.loc, intPredicate, x, y);
}

Value select(const ScalarMath &m, Value condition, Value yes, Value no) {
  return arith::SelectOp::create(m.b, m.loc, condition, yes, no);
}

/// `exp(x) - 1`, the negative branch of Elu, Selu and Celu.
Value expMinusOne(const ScalarMath &m, Value x) {
  return m.sub(math::ExpOp::create(m.b, m.loc, x), m.constant(x.getType(), 1));
}

Value sign(SignOp, const ScalarMath &m, ValueRange a) {
  Value x = a[0];
  Type type = x.getType();
  Value zero = m.constant(type, 0);
  Value one = m.constant(type, 1);
  Value positive = m.lessThan(zero, x);
  if (m.isUnsigned)
    return select(m, positive, one, zero);
  // A float zero or NaN is its own sign.
  Value otherwise = isa<FloatType>(type) ? x : zero;
  Value negative =
      select(m, m.lessThan(x, zero), m.constant(type, -1), otherwise);
  return select(m, positive, one, negative);
}

/// ONNX Mod: truncated (fmod) or floored remainder.
Value remainder(ModOp op, const ScalarMath &m, ValueRange a) {
  Value x = a[0], y = a[1];
  if (isa<FloatType>(x.getType()))
    return arith::RemFOp::create(m.b, m.loc, x, y);
  // An integer division by zero is undefined in LLVM: divide by 1 instead.
  Value zero = m.constant(x.getType(), 0);
  Value byZero =
      arith::CmpIOp::create(m.b, m.loc, arith::CmpIPredicate::eq, y, zero);
  Value divisor = select(m, byZero, m.constant(x.getType(), 1), y);
  Value truncated = m.isUnsigned
                        ? Value(arith::RemUIOp::create(m.b, m.loc, x, divisor))
                        : Value(arith::RemSIOp::create(m.b, m.loc, x, divisor));
  truncated = select(m, byZero, zero, truncated);
  if (op.getFmod() || m.isUnsigned)
    return truncated;
  // A non-zero remainder whose sign differs from the divisor's moves by one
  // divisor.
  Value nonZero = arith::CmpIOp::create(m.b, m.loc, arith::CmpIPredicate::ne,
                                        truncated, zero);
  Value signsDiffer = arith::XOrIOp::create(
      m.b, m.loc, m.lessThan(truncated, zero), m.lessThan(y, zero));
  Value adjust = arith::AndIOp::create(m.b, m.loc, nonZero, signsDiffer);
  return select(m, adjust, m.add(truncated, y), truncated);
}

/// Lowerings of the float activations with parameters or several steps.
void addActivations(StorageTypeConverter &converter,
                    RewritePatternSet &patterns) {
  addElementwise<SoftplusOp>(
      converter, patterns, [](SoftplusOp, const ScalarMath &m, ValueRange a) {
        Value x = a[0];
        Value negAbs = arith::NegFOp::create(
            m.b, m.loc, math::AbsFOp::create(m.b, m.loc, x));
        Value log =
            math::LogOp::create(m.b, m.loc,
                                m.add(m.constant(x.getType(), 1),
                                      math::ExpOp::create(m.b, m.loc, negAbs)));
        return m.add(m.max(x, m.constant(x.getType(), 0)), log);
      });
  addElementwise<SoftsignOp>(
      converter, patterns, [](SoftsignOp, const ScalarMath &m, ValueRange a) {
        Value x = a[0];
        return m.div(x, m.add(m.constant(x.getType(), 1),
                              math::AbsFOp::create(m.b, m.loc, x)));
      });
  addElementwise<EluOp>(
      converter, patterns, [](EluOp op, const ScalarMath &m, ValueRange a) {
        Value x = a[0];
        Value alpha = m.constant(x.getType(), op.getAlpha().convertToDouble());
        Value negative = m.lessThan(x, m.constant(x.getType(), 0));
        return select(m, negative, m.mul(alpha, expMinusOne(m, x)), x);
      });
  addElementwise<SeluOp>(
      converter, patterns, [](SeluOp op, const ScalarMath &m, ValueRange a) {
        Value x = a[0];
        Value alpha = m.constant(x.getType(), op.getAlpha().convertToDouble());
        Value gamma = m.constant(x.getType(), op.getGamma().convertToDouble());
        Value positive = m.lessThan(m.constant(x.getType(), 0), x);
        return m.mul(gamma,
                     select(m, positive, x, m.mul(alpha, expMinusOne(m, x))));
      });
  addElementwise<CeluOp>(
      converter, patterns, [](CeluOp op, const ScalarMath &m, ValueRange a) {
        Value x = a[0];
        Value zero = m.constant(x.getType(), 0);
        Value alpha = m.constant(x.getType(), op.getAlpha().convertToDouble());
        Value negative = m.mul(alpha, expMinusOne(m, m.div(x, alpha)));
        return m.add(m.max(zero, x), m.min(zero, negative));
      });
  addElementwise<ThresholdedReluOp>(
      converter, patterns,
      [](ThresholdedReluOp op, const ScalarMath &m, ValueRange a) {
        Value x = a[0];
        Value alpha = m.constant(x.getType(), op.getAlpha().convertToDouble());
        return select(m, m.lessThan(alpha, x), x, m.constant(x.getType(), 0));
      });
}

/// Clip's bounds are optional rank-0 operands: the pattern reads them as
/// extra broadcast operands and clamps only with those present.
struct ClipLowering : OpConversionPattern<ClipOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ClipOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = getConvertedResultType(*getTypeConverter(), op);
    bool isUnsigned = hasUnsignedElements(op.getInput().getType());
    bool hasMin = static_cast<bool>(adaptor.getMin());
    SmallVector<Value> operands = {adaptor.getInput()};
    if (hasMin)
      operands.push_back(adaptor.getMin());
    if (adaptor.getMax())
      operands.push_back(adaptor.getMax());
    Value result =
        buildElementwise(rewriter, op.getLoc(), resultType.getShape(),
                         resultType.getElementType(), operands,
                         [&](OpBuilder &b, Location loc, ValueRange args) {
                           ScalarMath math{b, loc, isUnsigned};
                           Value x = args[0];
                           if (hasMin)
                             x = math.max(x, args[1]);
                           if (args.size() > (hasMin ? 2u : 1u))
                             x = math.min(x, args.back());
                           return x;
                         });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct CastLowering : OpConversionPattern<CastOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(CastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = getConvertedResultType(*getTypeConverter(), op);
    bool fromUnsigned = hasUnsignedElements(op.getInput().getType());
    bool toUnsigned = hasUnsignedElements(op.getResult().getType());
    Value result = buildElementwise(
        rewriter, op.getLoc(), resultType.getShape(),
        resultType.getElementType(), adaptor.getInput(),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          return ScalarMath{b, loc, fromUnsigned}.convert(
              args[0], resultType.getElementType(), toUnsigned);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void mlir::quill::lowering::populateElementwisePatterns(
    StorageTypeConverter &converter, RewritePatternSet &patterns) {
  addElementwise<AddOp>(converter, patterns,
                        [](AddOp, const ScalarMath &m, ValueRange a) {
                          return m.add(a[0], a[1]);
                        });
  addElementwise<SubOp>(converter, patterns,
                        [](SubOp, const ScalarMath &m, ValueRange a) {
                          return m.sub(a[0], a[1]);
                        });
  addElementwise<MulOp>(converter, patterns,
                        [](MulOp, const ScalarMath &m, ValueRange a) {
                          return m.mul(a[0], a[1]);
                        });
  addElementwise<DivOp>(converter, patterns,
                        [](DivOp, const ScalarMath &m, ValueRange a) {
                          return m.div(a[0], a[1]);
                        });
  addElementwise<MaxOp>(converter, patterns,
                        [](MaxOp, const ScalarMath &m, ValueRange a) {
                          return m.max(a[0], a[1]);
                        });
  addElementwise<MinOp>(converter, patterns,
                        [](MinOp, const ScalarMath &m, ValueRange a) {
                          return m.min(a[0], a[1]);
                        });
  addElementwise<PReluOp>(converter, patterns,
                          [](PReluOp, const ScalarMath &m, ValueRange a) {
                            Value zero = m.constant(a[0].getType(), 0.0);
                            Value negative = m.lessThan(a[0], zero);
                            return Value(arith::SelectOp::create(
                                m.b, m.loc, negative, m.mul(a[0], a[1]), a[0]));
                          });
  addElementwise<PowOp>(converter, patterns, power);
  addElementwise<ReluOp>(converter, patterns,
                         [](ReluOp, const ScalarMath &m, ValueRange a) {
                           return m.max(a[0], m.constant(a[0].getType(), 0.0));
                         });
  addElementwise<SigmoidOp>(converter, patterns,
                            [](SigmoidOp, const ScalarMath &m, ValueRange a) {
                              return sigmoid(m, a[0]);
                            });
  addElementwise<HardSigmoidOp>(
      converter, patterns,
      [](HardSigmoidOp op, const ScalarMath &m, ValueRange a) {
        Value alpha =
            m.constant(a[0].getType(), op.getAlpha().convertToDouble());
        Value beta = m.constant(a[0].getType(), op.getBeta().convertToDouble());
        return clampUnit(m, m.add(m.mul(alpha, a[0]), beta));
      });
  addElementwise<HardSwishOp>(
      converter, patterns, [](HardSwishOp, const ScalarMath &m, ValueRange a) {
        Value sixth = m.constant(a[0].getType(), 1.0 / 6.0);
        Value half = m.constant(a[0].getType(), 0.5);
        return m.mul(a[0], clampUnit(m, m.add(m.mul(a[0], sixth), half)));
      });
  addElementwise<LeakyReluOp>(
      converter, patterns,
      [](LeakyReluOp op, const ScalarMath &m, ValueRange a) {
        Value alpha =
            m.constant(a[0].getType(), op.getAlpha().convertToDouble());
        Value negative = m.lessThan(a[0], m.constant(a[0].getType(), 0.0));
        return Value(arith::SelectOp::create(m.b, m.loc, negative,
                                             m.mul(alpha, a[0]), a[0]));
      });
  addElementwise<GeluOp>(converter, patterns, gelu);
  addElementwise<SignOp>(converter, patterns, sign);
  addElementwise<ModOp>(converter, patterns, remainder);
  addElementwise<CompareOp>(converter, patterns, compare);
  addElementwise<AndOp>(
      converter, patterns, [](AndOp, const ScalarMath &m, ValueRange a) {
        return Value(arith::AndIOp::create(m.b, m.loc, a[0], a[1]));
      });
  addElementwise<OrOp>(
      converter, patterns, [](OrOp, const ScalarMath &m, ValueRange a) {
        return Value(arith::OrIOp::create(m.b, m.loc, a[0], a[1]));
      });
  addElementwise<XorOp>(
      converter, patterns, [](XorOp, const ScalarMath &m, ValueRange a) {
        return Value(arith::XOrIOp::create(m.b, m.loc, a[0], a[1]));
      });
  addActivations(converter, patterns);
  addElementwise<WhereOp>(
      converter, patterns, [](WhereOp, const ScalarMath &m, ValueRange a) {
        return Value(arith::SelectOp::create(m.b, m.loc, a[0], a[1], a[2]));
      });
  patterns.add<ClipLowering, CastLowering>(converter, patterns.getContext());
}
