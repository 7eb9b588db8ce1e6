//===- SmallFloatEncoding.cpp - fp8 values to and from their bits
//----------------===//

#include "SmallFloatEncoding.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "llvm/ADT/APFloat.h"

#include <cmath>

using namespace mlir;
using namespace mlir::quill::lowering;

namespace {

/// The layout of a small float format: one sign bit, then exponent and
/// mantissa.
struct SmallFloatLayout {
  int bits;
  int mantissaBits;
  int bias;
  double largest;
  /// Whether an all-ones exponent is Inf / NaN (e5m2) rather than a normal
  /// exponent.
  bool ieeeSpecials;
  /// Whether the format has NaN: e5m2's, or e4m3fn's only S.1111.111; fp6
  /// and fp4 have none.
  bool hasNaN;
  /// The bits APFloat gives the format's NaN (0 without one).
  int64_t nanBits;
};

SmallFloatLayout getLayout(FloatType format) {
  const llvm::fltSemantics &semantics = format.getFloatSemantics();
  SmallFloatLayout layout;
  layout.bits = llvm::APFloat::semanticsSizeInBits(semantics);
  layout.mantissaBits = llvm::APFloat::semanticsPrecision(semantics) - 1;
  layout.bias = 1 - llvm::APFloat::semanticsMinExponent(semantics);
  layout.largest = llvm::APFloat::getLargest(semantics).convertToDouble();
  layout.ieeeSpecials = llvm::APFloat::semanticsHasInf(semantics);
  layout.hasNaN = llvm::APFloat::semanticsHasNaN(semantics);
  layout.nanBits =
      layout.hasNaN
          ? llvm::APFloat::getNaN(semantics).bitcastToAPInt().getZExtValue()
          : 0;
  return layout;
}

/// Integer and float constants and operations on i32 / f32 scalars.
struct Builder32 {
  OpBuilder &b;
  Location loc;

  Value i32(int64_t value) const {
    return arith::ConstantIntOp::create(b, loc, value, 32);
  }
  Value f32(double value) const {
    return arith::ConstantFloatOp::create(b, loc, b.getF32Type(),
                                          APFloat(float(value)));
  }
  Value bitsOf(Value f) const {
    return arith::BitcastOp::create(b, loc, b.getI32Type(), f);
  }
  Value floatOf(Value bits) const {
    return arith::BitcastOp::create(b, loc, b.getF32Type(), bits);
  }
  Value shr(Value x, int64_t n) const {
    return arith::ShRUIOp::create(b, loc, x, i32(n));
  }
  Value shl(Value x, int64_t n) const {
    return arith::ShLIOp::create(b, loc, x, i32(n));
  }
  Value band(Value x, int64_t mask) const {
    return arith::AndIOp::create(b, loc, x, i32(mask));
  }
  Value bor(Value x, Value y) const {
    return arith::OrIOp::create(b, loc, x, y);
  }
  Value add(Value x, Value y) const {
    return arith::AddIOp::create(b, loc, x, y);
  }
  Value cmp(arith::CmpIPredicate predicate, Value x, int64_t y) const {
    return arith::CmpIOp::create(b, loc, predicate, x, i32(y));
  }
  Value select(Value condition, Value x, Value y) const {
    return arith::SelectOp::create(b, loc, condition, x, y);
  }
};

} // namespace

Value mlir::quill::lowering::buildSmallFloatFromF32(OpBuilder &b, Location loc,
                                                    Value value,
                                                    FloatType format) {
  SmallFloatLayout layout = getLayout(format);
  Builder32 c{b, loc};
  int dropped = 23 - layout.mantissaBits;
  int64_t signBit = int64_t(1) << (layout.bits - 1);
  Value sign = c.band(c.shr(c.bitsOf(value), 32 - layout.bits), signBit);
  // Saturation first: no rounding can then carry past the largest value
  // (minnumf also takes +-Inf there; NaN is selected below).
  Value magnitude = arith::MinNumFOp::create(
      b, loc, math::AbsFOp::create(b, loc, value), c.f32(layout.largest));
  // Normal results: round the f32 bits to nearest even at the fp8
  // mantissa's last place (a carry moves into the exponent by itself), then
  // rebias the exponent.
  Value bits = c.bitsOf(magnitude);
  Value lsb = c.band(c.shr(bits, dropped), 1);
  Value rounded =
      c.add(c.add(bits, c.i32((int64_t(1) << (dropped - 1)) - 1)), lsb);
  Value normal = arith::SubIOp::create(
      b, loc, c.shr(rounded, dropped),
      c.i32(int64_t(127 - layout.bias) << layout.mantissaBits));
  // Below the smallest normal the step is fixed: count steps, ties to even.
  double minNormal = std::ldexp(1.0, 1 - layout.bias);
  double stepsPerUnit = std::ldexp(1.0, layout.bias - 1 + layout.mantissaBits);
  Value steps = math::RoundEvenOp::create(
      b, loc, arith::MulFOp::create(b, loc, magnitude, c.f32(stepsPerUnit)));
  Value subnormal = arith::FPToSIOp::create(b, loc, b.getI32Type(), steps);
  Value isSubnormal = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT,
                                            magnitude, c.f32(minNormal));
  Value encoded = c.bor(c.select(isSubnormal, subnormal, normal), sign);
  Value isNaN =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, value, value);
  encoded = c.select(isNaN, c.i32(layout.nanBits), encoded);
  return arith::TruncIOp::create(b, loc, b.getI8Type(), encoded);
}

Value mlir::quill::lowering::buildF32FromSmallFloat(OpBuilder &b, Location loc,
                                                    Value bits,
                                                    FloatType format) {
  SmallFloatLayout layout = getLayout(format);
  Builder32 c{b, loc};
  int m = layout.mantissaBits, exponentBits = layout.bits - 1 - m;
  int64_t signBit = int64_t(1) << (layout.bits - 1);
  Value word = c.band(arith::ExtUIOp::create(b, loc, b.getI32Type(), bits),
                      (int64_t(1) << layout.bits) - 1);
  Value sign = c.shl(c.band(word, signBit), 32 - layout.bits);
  Value exponent = c.band(c.shr(word, m), (1 << exponentBits) - 1);
  Value mantissa = c.band(word, (1 << m) - 1);
  Value normal = c.bor(c.shl(c.add(exponent, c.i32(127 - layout.bias)), 23),
                       c.shl(mantissa, 23 - m));
  Value subnormal = c.bitsOf(arith::MulFOp::create(
      b, loc, arith::SIToFPOp::create(b, loc, b.getF32Type(), mantissa),
      c.f32(std::ldexp(1.0, 1 - layout.bias - m))));
  Value magnitude =
      c.select(c.cmp(arith::CmpIPredicate::eq, exponent, 0), subnormal, normal);
  int64_t topExponent = (1 << exponentBits) - 1;
  if (layout.ieeeSpecials) {
    Value special = c.select(c.cmp(arith::CmpIPredicate::eq, mantissa, 0),
                             c.i32(0x7f800000), c.i32(0x7fc00000));
    magnitude = c.select(c.cmp(arith::CmpIPredicate::eq, exponent, topExponent),
                         special, magnitude);
  } else if (layout.hasNaN) {
    magnitude = c.select(
        c.cmp(arith::CmpIPredicate::eq, c.band(word, signBit - 1), signBit - 1),
        c.i32(0x7fc00000), magnitude);
  }
  return c.floatOf(c.bor(magnitude, sign));
}
