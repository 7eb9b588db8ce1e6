//===- Resize.cpp - Lowering of ONNX Resize -------------------------------===//
//
// One linalg.generic over the output: every output element maps its
// coordinates to input coordinates with the op's coordinate transformation,
// takes 1 (nearest), 2 (linear) or 4 (cubic) taps per interpolated axis,
// and sums the products of the taps' weights with the input elements read
// by tensor.extract. Out-of-range taps read the clamped edge element, as
// ONNX's reference does by padding with edge values.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"

#include "quill/Dialect/Quill/IR/Quill.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::quill;
using namespace mlir::quill::lowering;

namespace {

struct Tap {
  Value index;  // clamped, `index` type
  Value weight; // f32
};

/// Scalar f32 and index arithmetic for one output element.
struct ResizeBuilder {
  OpBuilder &b;
  Location loc;

  Value f32(double value) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(value));
  }
  Value index(int64_t value) {
    return arith::ConstantIndexOp::create(b, loc, value);
  }
  Value add(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value div(Value x, Value y) { return arith::DivFOp::create(b, loc, x, y); }
  Value toFloat(Value indexValue) {
    Value asInt =
        arith::IndexCastOp::create(b, loc, b.getI64Type(), indexValue);
    return arith::SIToFPOp::create(b, loc, b.getF32Type(), asInt);
  }
  Value toIndex(Value floatValue) {
    Value asInt = arith::FPToSIOp::create(b, loc, b.getI64Type(), floatValue);
    return arith::IndexCastOp::create(b, loc, b.getIndexType(), asInt);
  }
  Value clampIndex(Value value, int64_t size) {
    return arith::MinSIOp::create(
        b, loc, arith::MaxSIOp::create(b, loc, value, index(0)),
        index(size - 1));
  }
};

/// Input coordinate of output coordinate `x` along one axis.
Value inputCoordinate(ResizeBuilder &r, ResizeOp op, Value x, int64_t axis,
                      int64_t inSize, int64_t outSize) {
  double scale = op.getScales()[axis];
  Value xf = r.toFloat(x);
  switch (op.getCoordinateTransform()) {
  case CoordinateTransform::HalfPixel:
    return r.sub(r.div(r.add(xf, r.f32(0.5)), r.f32(scale)), r.f32(0.5));
  case CoordinateTransform::PytorchHalfPixel:
    if (outSize == 1)
      return r.f32(0.0);
    return r.sub(r.div(r.add(xf, r.f32(0.5)), r.f32(scale)), r.f32(0.5));
  case CoordinateTransform::AlignCorners:
    if (outSize == 1)
      return r.f32(0.0);
    // ONNX's reference (and ONNX Runtime) divide by the unrounded output
    // length, inSize * scale, which differs from outSize for given scales.
    return r.mul(xf, r.f32(double(inSize - 1) / (inSize * scale - 1)));
  case CoordinateTransform::Asymmetric:
    return r.div(xf, r.f32(scale));
  case CoordinateTransform::TfHalfPixelForNN:
    return r.div(r.add(xf, r.f32(0.5)), r.f32(scale));
  case CoordinateTransform::TfCropAndResize: {
    ArrayRef<float> roi = *op.getRoi();
    int64_t rank = roi.size() / 2;
    double start = roi[axis], end = roi[rank + axis];
    if (outSize == 1)
      return r.f32(0.5 * (start + end) * (inSize - 1));
    return r.add(
        r.f32(start * (inSize - 1)),
        r.mul(xf, r.f32((end - start) * (inSize - 1) / double(outSize - 1))));
  }
  }
  llvm_unreachable("unknown coordinate transformation");
}

Value roundNearest(ResizeBuilder &r, Value coordinate, NearestMode mode) {
  OpBuilder &b = r.b;
  Location loc = r.loc;
  switch (mode) {
  case NearestMode::Floor:
    return math::FloorOp::create(b, loc, coordinate);
  case NearestMode::Ceil:
    return math::CeilOp::create(b, loc, coordinate);
  case NearestMode::RoundPreferFloor:
  case NearestMode::RoundPreferCeil: {
    Value floor = math::FloorOp::create(b, loc, coordinate);
    Value fraction = r.sub(coordinate, floor);
    Value half = r.f32(0.5);
    Value rounded = math::RoundOp::create(b, loc, coordinate);
    Value isHalf = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ,
                                         fraction, half);
    Value tie = mode == NearestMode::RoundPreferFloor
                    ? floor
                    : Value(math::CeilOp::create(b, loc, coordinate));
    return arith::SelectOp::create(b, loc, isHalf, tie, rounded);
  }
  }
  llvm_unreachable("unknown nearest mode");
}

/// Keys' cubic convolution weights for the taps at -1, 0, 1, 2 from floor.
SmallVector<Value> cubicWeights(ResizeBuilder &r, Value t, double a) {
  Value one = r.f32(1.0);
  Value tPlus1 = r.add(t, one);
  Value oneMinusT = r.sub(one, t);
  Value twoMinusT = r.add(oneMinusT, one);
  Value fa = r.f32(a);
  // Taps at distance 1 < |x| < 2.
  auto outer = [&](Value x) {
    // ((a*x - 5a)*x + 8a)*x - 4a
    Value v = r.sub(r.mul(fa, x), r.f32(5 * a));
    v = r.add(r.mul(v, x), r.f32(8 * a));
    return r.sub(r.mul(v, x), r.f32(4 * a));
  };
  // Taps at distance |x| <= 1.
  auto inner = [&](Value x) {
    // ((a+2)*x - (a+3))*x*x + 1
    Value v = r.sub(r.mul(r.f32(a + 2), x), r.f32(a + 3));
    return r.add(r.mul(r.mul(v, x), x), one);
  };
  return {outer(tPlus1), inner(t), inner(oneMinusT), outer(twoMinusT)};
}

struct ResizeLowering : OpConversionPattern<ResizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ResizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = getConvertedResultType(*getTypeConverter(), op);
    Value input = adaptor.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    Type elementType = resultType.getElementType();
    if (!isa<FloatType>(elementType) && op.getMode() != ResizeMode::Nearest)
      return rewriter.notifyMatchFailure(op, "interpolating integers");
    int64_t rank = resultType.getRank();
    bool crop =
        op.getCoordinateTransform() == CoordinateTransform::TfCropAndResize;
    Value resized = buildMapped(
        rewriter, loc, resultType.getShape(), elementType, ValueRange{}, {},
        [&](OpBuilder &b, Location l, ValueRange) {
          ResizeBuilder r{b, l};
          Value outside = arith::ConstantOp::create(b, l, b.getBoolAttr(false));
          SmallVector<SmallVector<Tap>> taps;
          for (int64_t axis = 0; axis < rank; ++axis) {
            Value x = linalg::IndexOp::create(b, l, axis);
            int64_t inSize = inputType.getDimSize(axis);
            int64_t outSize = resultType.getDimSize(axis);
            if (!crop && op.getScales()[axis] == 1.0f) {
              taps.push_back({{x, r.f32(1.0)}});
              continue;
            }
            Value coordinate = inputCoordinate(r, op, x, axis, inSize, outSize);
            if (crop) {
              Value below = arith::CmpFOp::create(
                  b, l, arith::CmpFPredicate::OLT, coordinate, r.f32(0.0));
              Value above =
                  arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT,
                                        coordinate, r.f32(inSize - 1));
              outside = arith::OrIOp::create(
                  b, l, outside, arith::OrIOp::create(b, l, below, above));
            }
            taps.push_back(buildTaps(r, op, coordinate, inSize));
          }
          Value sum = interpolate(r, input, taps, elementType);
          if (crop) {
            Value extrapolated = ScalarMath{b, l}.constant(
                elementType, op.getExtrapolationValue().convertToDouble());
            sum = arith::SelectOp::create(b, l, outside, extrapolated, sum);
          }
          return sum;
        });
    rewriter.replaceOp(op, resized);
    return success();
  }

  static SmallVector<Tap> buildTaps(ResizeBuilder &r, ResizeOp op,
                                    Value coordinate, int64_t inSize) {
    if (op.getMode() == ResizeMode::Nearest) {
      Value rounded = roundNearest(r, coordinate, op.getNearestMode());
      return {{r.clampIndex(r.toIndex(rounded), inSize), r.f32(1.0)}};
    }
    Value floor = math::FloorOp::create(r.b, r.loc, coordinate);
    Value t = r.sub(coordinate, floor);
    Value base = r.toIndex(floor);
    SmallVector<Value> weights;
    int64_t first;
    if (op.getMode() == ResizeMode::Linear) {
      weights = {r.sub(r.f32(1.0), t), t};
      first = 0;
    } else {
      weights = cubicWeights(r, t, op.getCubicCoeffA().convertToDouble());
      first = -1;
    }
    SmallVector<Tap> taps;
    SmallVector<Value> unclamped;
    for (auto [offset, weight] : llvm::enumerate(weights)) {
      Value index =
          arith::AddIOp::create(r.b, r.loc, base, r.index(first + offset));
      unclamped.push_back(index);
      taps.push_back({r.clampIndex(index, inSize), weight});
    }
    if (op.getExcludeOutside()) {
      // Taps outside the input get no weight; the rest are renormalized.
      Value total = r.f32(0.0);
      for (auto [tap, index] : llvm::zip(taps, unclamped)) {
        Value inside = arith::AndIOp::create(
            r.b, r.loc,
            arith::CmpIOp::create(r.b, r.loc, arith::CmpIPredicate::sge, index,
                                  r.index(0)),
            arith::CmpIOp::create(r.b, r.loc, arith::CmpIPredicate::slt, index,
                                  r.index(inSize)));
        tap.weight =
            arith::SelectOp::create(r.b, r.loc, inside, tap.weight, r.f32(0.0));
        total = r.add(total, tap.weight);
      }
      for (Tap &tap : taps)
        tap.weight = r.div(tap.weight, total);
    }
    return taps;
  }

  /// Sums weight products times input elements over every combination of
  /// one tap per axis.
  static Value interpolate(ResizeBuilder &r, Value input,
                           ArrayRef<SmallVector<Tap>> taps, Type elementType) {
    SmallVector<size_t> choice(taps.size(), 0);
    Value sum;
    while (true) {
      SmallVector<Value> coordinates;
      Value weight = r.f32(1.0);
      bool unitWeight = true;
      for (auto [axis, tapIndex] : llvm::enumerate(choice)) {
        coordinates.push_back(taps[axis][tapIndex].index);
        if (taps[axis].size() > 1) {
          weight = r.mul(weight, taps[axis][tapIndex].weight);
          unitWeight = false;
        }
      }
      Value element = tensor::ExtractOp::create(r.b, r.loc, input, coordinates);
      Value term = element;
      if (!unitWeight) {
        Value widened =
            ScalarMath{r.b, r.loc}.convert(element, r.b.getF32Type(), false);
        term = r.mul(widened, weight);
      }
      sum = sum ? r.add(sum, term) : term;
      // Next combination, odometer style.
      size_t axis = 0;
      for (; axis < choice.size(); ++axis) {
        if (++choice[axis] < taps[axis].size())
          break;
        choice[axis] = 0;
      }
      if (axis == choice.size())
        break;
    }
    if (sum.getType() != elementType)
      sum = ScalarMath{r.b, r.loc}.convert(sum, elementType, false);
    return sum;
  }
};

} // namespace

void mlir::quill::lowering::populateResizePatterns(
    StorageTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ResizeLowering>(converter, patterns.getContext());
}
