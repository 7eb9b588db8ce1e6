//===- Quantization.cpp - Lowering of quantize / dequantize ---------------===//
//
// `!quant.uniform` and `!quill.float_quant` per-tensor and per-axis
// parameters become constants read elementwise (per-axis ones through a map
// on the quantized axis):
//   quantize:   q = clamp(round_half_even(x / scale) + zero_point, qmin, qmax)
//               q = fp8_rne_satfinite(x / scale)     (stored as i8 bits)
//   dequantize: x = (q - zero_point) * scale, x = f32(q) * scale
//   requantize: integer multiply, rounding shift and clamp in 64 bits
//   table_lookup: a gather from the table, indexed by q - qmin
// the same rules as the folders in lib/Dialect/Quill/IR/QuantArithmetic.cpp.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "SmallFloatEncoding.h"

#include "quill/Conversion/Passes.h"
#include "quill/Dialect/Quill/IR/QuantParams.h"
#include "quill/Dialect/Quill/IR/Quill.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::quill;
using namespace mlir::quill::lowering;

namespace {

/// Scales and zero points as f32 values in the layout `shape`, with the map
/// from an element's index to its parameters' index.
struct QuantParams {
  SmallVector<float> scales, zeroPoints;
  SmallVector<int64_t> shape;
  AffineMap map;

  /// The one value of `values` when they are all equal.
  static std::optional<float> getSplat(ArrayRef<float> values) {
    if (llvm::all_equal(values))
      return values.front();
    return std::nullopt;
  }
};

FailureOr<QuantParams> getQuantParams(MLIRContext *context, Type type,
                                      int64_t rank) {
  QuantParams params;
  if (auto perTensor = dyn_cast<quant::UniformQuantizedType>(type)) {
    params.scales.push_back(perTensor.getScale());
    params.zeroPoints.push_back(perTensor.getZeroPoint());
    params.map =
        AffineMap::get(rank, 0, getAffineConstantExpr(0, context), context);
  } else if (auto perAxis =
                 dyn_cast<quant::UniformQuantizedPerAxisType>(type)) {
    for (double scale : perAxis.getScales())
      params.scales.push_back(scale);
    for (int64_t zeroPoint : perAxis.getZeroPoints())
      params.zeroPoints.push_back(zeroPoint);
    params.map = AffineMap::get(
        rank, 0, getAffineDimExpr(perAxis.getQuantizedDimension(), context),
        context);
  } else if (auto perBlock =
                 dyn_cast<quant::UniformQuantizedSubChannelType>(type)) {
    // Parameters of scale-shape dimensions: each index reads its block's.
    for (APFloat scale : perBlock.getScales().getValues<APFloat>())
      params.scales.push_back(scale.convertToFloat());
    for (int64_t zeroPoint : getBlockZeroPoints(perBlock))
      params.zeroPoints.push_back(zeroPoint);
    SmallVector<AffineExpr> exprs(rank, getAffineConstantExpr(0, context));
    for (auto [dim, size] :
         llvm::zip(perBlock.getQuantizedDimensions(), perBlock.getBlockSizes()))
      exprs[dim] = getAffineDimExpr(dim, context).floorDiv(size);
    params.map = AffineMap::get(rank, 0, exprs, context);
    params.shape = llvm::to_vector(perBlock.getScales().getType().getShape());
    return params;
  } else if (auto floatQuant = dyn_cast<FloatQuantType>(type)) {
    for (double scale : floatQuant.getScales().asArrayRef())
      params.scales.push_back(scale);
    params.zeroPoints.assign(params.scales.size(), 0.0f);
    AffineExpr index = floatQuant.getAxis()
                           ? getAffineDimExpr(*floatQuant.getAxis(), context)
                           : getAffineConstantExpr(0, context);
    params.map = AffineMap::get(rank, 0, index, context);
  } else {
    return failure();
  }
  params.shape = {int64_t(params.scales.size())};
  return params;
}

using ParamsBody = function_ref<Value(OpBuilder &, Location, Value x,
                                      Value scale, Value zeroPoint)>;

/// A generic over `input`'s elements; `body` computes each from the element,
/// its scale and its zero point. Parameters that are all equal are
/// constants of the body, not operands: fusion would inline such a splat
/// operand and rebuild the generic without its attributes.
Value applyWithParams(OpBuilder &b, Location loc, Value input,
                      const QuantParams &params, Type resultElementType,
                      ParamsBody body) {
  auto type = cast<RankedTensorType>(input.getType());
  SmallVector<Value> operands = {input};
  SmallVector<AffineMap> maps = {
      AffineMap::getMultiDimIdentityMap(type.getRank(), b.getContext())};
  auto paramType = RankedTensorType::get(params.shape, b.getF32Type());
  std::optional<float> splatScale = QuantParams::getSplat(params.scales);
  std::optional<float> splatZeroPoint =
      QuantParams::getSplat(params.zeroPoints);
  for (auto [values, splat] : {std::pair{&params.scales, splatScale},
                               std::pair{&params.zeroPoints, splatZeroPoint}})
    if (!splat) {
      operands.push_back(arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(paramType, ArrayRef<float>(*values))));
      maps.push_back(params.map);
    }
  return buildMapped(
      b, loc, type.getShape(), resultElementType, operands, maps,
      [&](OpBuilder &nested, Location l, ValueRange args) {
        ScalarMath math{nested, l};
        unsigned next = 1;
        Value scale = splatScale
                          ? math.constant(nested.getF32Type(), *splatScale)
                          : args[next++];
        Value zeroPoint =
            splatZeroPoint ? math.constant(nested.getF32Type(), *splatZeroPoint)
                           : args[next++];
        return body(nested, l, args[0], scale, zeroPoint);
      });
}

struct QuantizeLowering : OpConversionPattern<QuantizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(QuantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = op.getResult().getType();
    FailureOr<QuantParams> params =
        getQuantParams(rewriter.getContext(), resultType.getElementType(),
                       resultType.getRank());
    if (failed(params))
      return rewriter.notifyMatchFailure(op, "unsupported parameters");
    Type storageElement =
        getConvertedResultType(*getTypeConverter(), op).getElementType();
    auto fp8 = dyn_cast<FloatQuantType>(resultType.getElementType());
    auto integer = dyn_cast<quant::QuantizedType>(resultType.getElementType());
    rewriter.replaceOp(
        op,
        applyWithParams(
            rewriter, loc, adaptor.getInput(), *params, storageElement,
            [&](OpBuilder &b, Location l, Value stored, Value scale,
                Value zeroPoint) {
              ScalarMath math{b, l};
              Value x = math.convert(stored, b.getF32Type(), false);
              Value scaled = math.div(x, scale);
              if (fp8)
                return buildSmallFloatFromF32(b, l, scaled,
                                              fp8.getStorageType());
              Value rounded = math::RoundEvenOp::create(b, l, scaled);
              Value shifted = math.add(rounded, zeroPoint);
              Value clamped = math.min(
                  math.max(shifted, math.constant(b.getF32Type(),
                                                  integer.getStorageTypeMin())),
                  math.constant(b.getF32Type(), integer.getStorageTypeMax()));
              return integer.isSigned()
                         ? Value(arith::FPToSIOp::create(b, l, storageElement,
                                                         clamped))
                         : Value(arith::FPToUIOp::create(b, l, storageElement,
                                                         clamped));
            }));
    return success();
  }
};

struct DequantizeLowering : OpConversionPattern<DequantizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(DequantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto inputType = op.getInput().getType();
    FailureOr<QuantParams> params = getQuantParams(
        rewriter.getContext(), inputType.getElementType(), inputType.getRank());
    if (failed(params))
      return rewriter.notifyMatchFailure(op, "unsupported parameters");
    Type resultElement = op.getResult().getType().getElementType();
    auto fp8 = dyn_cast<FloatQuantType>(inputType.getElementType());
    auto integer = dyn_cast<quant::QuantizedType>(inputType.getElementType());
    Value dequantized = applyWithParams(
        rewriter, loc, adaptor.getInput(), *params, resultElement,
        [&](OpBuilder &b, Location l, Value stored, Value scale,
            Value zeroPoint) {
          ScalarMath math{b, l, integer && !integer.isSigned()};
          // The stored value less its zero point (fp8 has none).
          Value centered =
              fp8 ? buildF32FromSmallFloat(b, l, stored, fp8.getStorageType())
                  : math.sub(math.convert(stored, b.getF32Type(), false),
                             zeroPoint);
          Value x = math.mul(centered, scale);
          return math.convert(x, resultElement, false);
        });
    // A 4-bit weight matrix: what the CPU's block-weight kernel needs to
    // read the generic's codes, scales and zero points itself
    // (lib/Conversion/CPU/BlockWeightGemm.cpp).
    if (std::optional<BlockedWeightLayout> layout =
            getBlockedWeightLayout(inputType)) {
      NamedAttrList description;
      description.append("axis",
                         rewriter.getI32IntegerAttr(layout->reductionAxis));
      description.append("block_size",
                         rewriter.getI64IntegerAttr(layout->blockSize));
      description.append("signed", rewriter.getBoolAttr(integer.isSigned()));
      // Parameters that are all equal are not operands (applyWithParams).
      if (std::optional<float> scale = QuantParams::getSplat(params->scales))
        description.append("scale", rewriter.getF32FloatAttr(*scale));
      if (std::optional<float> zeroPoint =
              QuantParams::getSplat(params->zeroPoints))
        description.append("zero_point", rewriter.getF32FloatAttr(*zeroPoint));
      dequantized.getDefiningOp()->setAttr(
          kBlockDequantizeAttrName,
          description.getDictionary(rewriter.getContext()));
    }
    rewriter.replaceOp(op, dequantized);
    return success();
  }
};

/// DynamicQuantizeLinear: the range of the whole tensor (widened to hold
/// zero) gives a uint8 scale and zero point, then the tensor is quantized.
struct DynamicQuantizeLowering : OpConversionPattern<DynamicQuantizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(DynamicQuantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto type = cast<RankedTensorType>(input.getType());
    Type f32 = rewriter.getF32Type();
    Type u8 = rewriter.getIntegerType(8);
    SmallVector<int64_t> all =
        llvm::to_vector(llvm::seq<int64_t>(0, type.getRank()));
    Value zero = ScalarMath{rewriter, loc}.constant(f32, 0.0);
    auto extreme = [&](bool isMax) {
      return buildReduction(rewriter, loc, input, all, zero,
                            [&](OpBuilder &b, Location l, Value x, Value acc) {
                              ScalarMath math{b, l};
                              return isMax ? math.max(x, acc)
                                           : math.min(x, acc);
                            });
    };
    Value low = extreme(false), high = extreme(true);
    // A tensor of zeros has scale 0; its zero point and values are 0.
    auto quantizeScalar = [](const ScalarMath &math, Value x, Value scale,
                             Value zeroPoint) {
      Type f32 = x.getType();
      Value isZero =
          arith::CmpFOp::create(math.b, math.loc, arith::CmpFPredicate::OEQ,
                                scale, math.constant(f32, 0.0));
      Value rounded =
          math::RoundEvenOp::create(math.b, math.loc, math.div(x, scale));
      Value shifted = math.add(rounded, zeroPoint);
      Value clamped = math.min(math.max(shifted, math.constant(f32, 0.0)),
                               math.constant(f32, 255.0));
      return Value(arith::SelectOp::create(math.b, math.loc, isZero,
                                           math.constant(f32, 0.0), clamped));
    };
    Value scale = buildElementwise(
        rewriter, loc, {}, f32, ValueRange{low, high},
        [](OpBuilder &b, Location l, ValueRange args) {
          ScalarMath math{b, l};
          return math.div(math.sub(args[1], args[0]),
                          math.constant(args[0].getType(), 255.0));
        });
    Value zeroPoint = buildElementwise(
        rewriter, loc, {}, f32, ValueRange{low, scale},
        [&](OpBuilder &b, Location l, ValueRange args) {
          ScalarMath math{b, l};
          Value negated = arith::NegFOp::create(b, l, args[0]);
          return quantizeScalar(math, negated, args[1],
                                math.constant(args[0].getType(), 0.0));
        });
    Value quantized = buildElementwise(
        rewriter, loc, type.getShape(), u8, ValueRange{input, scale, zeroPoint},
        [&](OpBuilder &b, Location l, ValueRange args) {
          ScalarMath math{b, l};
          return Value(arith::FPToUIOp::create(
              b, l, u8, quantizeScalar(math, args[0], args[1], args[2])));
        });
    Value zeroPointU8 = buildElementwise(
        rewriter, loc, {}, u8, zeroPoint,
        [&](OpBuilder &b, Location l, ValueRange args) {
          return Value(arith::FPToUIOp::create(b, l, u8, args[0]));
        });
    rewriter.replaceOp(op, {quantized, scale, zeroPointU8});
    return success();
  }
};

/// quill.requantize in 64-bit integers, as its definition reads:
/// clamp(((x - izp) * multiplier + 2^(shift-1)) >> shift + ozp).
/// A gather from the table as a constant of the result's storage.
struct TableLookupLowering : OpConversionPattern<TableLookupOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(TableLookupOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto input = cast<quant::UniformQuantizedType>(
        op.getInput().getType().getElementType());
    auto inputType = cast<RankedTensorType>(adaptor.getInput().getType());
    Type storage =
        getConvertedResultType(*getTypeConverter(), op).getElementType();
    ArrayRef<int32_t> entries = op.getTable();
    SmallVector<APInt> bits;
    for (int32_t entry : entries)
      bits.push_back(APInt(storage.getIntOrFloatBitWidth(), entry,
                           /*isSigned=*/true, /*implicitTrunc=*/true));
    Value table = arith::ConstantOp::create(
        rewriter, loc,
        DenseElementsAttr::get(
            RankedTensorType::get({int64_t(entries.size())}, storage), bits));
    int64_t storageMin = input.getStorageTypeMin();
    bool inputUnsigned = !input.isSigned();
    rewriter.replaceOp(
        op,
        buildElementwise(
            rewriter, loc, inputType.getShape(), storage, adaptor.getInput(),
            [&](OpBuilder &b, Location l, ValueRange args) -> Value {
              Type i32 = b.getI32Type();
              Value wide =
                  inputUnsigned
                      ? Value(arith::ExtUIOp::create(b, l, i32, args[0]))
                      : Value(arith::ExtSIOp::create(b, l, i32, args[0]));
              Value offset = arith::SubIOp::create(
                  b, l, wide,
                  arith::ConstantOp::create(b, l,
                                            b.getI32IntegerAttr(storageMin)));
              Value index =
                  arith::IndexCastOp::create(b, l, b.getIndexType(), offset);
              return tensor::ExtractOp::create(b, l, table, index);
            }));
    return success();
  }
};

struct RequantizeLowering : OpConversionPattern<RequantizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(RequantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    auto inputType = cast<RankedTensorType>(adaptor.getInput().getType());
    int64_t rank = inputType.getRank();
    Type i64 = rewriter.getI64Type();
    Type resultElement = op.getResult().getType().getElementType();
    SmallVector<int64_t> multipliers(op.getMultiplier()), shifts(op.getShift());
    bool perChannel = multipliers.size() > 1;
    SmallVector<Value> operands = {adaptor.getInput()};
    SmallVector<AffineMap> maps = {
        AffineMap::getMultiDimIdentityMap(rank, context)};
    if (perChannel) {
      // Multipliers stay 32-bit in memory and are sign-extended in the loop,
      // so LLVM sees a 32 x 32 -> 64-bit product (vpmuldq) rather than a
      // full 64-bit multiply, which it does not vectorize.
      int64_t channels = multipliers.size();
      AffineMap channel =
          AffineMap::get(rank, 0, getAffineDimExpr(*op.getAxis(), context));
      operands.push_back(arith::ConstantOp::create(
          rewriter, loc,
          DenseElementsAttr::get(
              RankedTensorType::get({channels}, rewriter.getI32Type()),
              op.getMultiplier())));
      operands.push_back(arith::ConstantOp::create(
          rewriter, loc,
          DenseElementsAttr::get(RankedTensorType::get({channels}, i64),
                                 ArrayRef(shifts))));
      maps.append({channel, channel});
    }
    // 64 bits hold a 33-bit difference times a 31-bit multiplier; an int64
    // accumulator (a widened product) needs 128.
    Type mathType = rewriter.getIntegerType(
        inputType.getElementTypeBitWidth() > 32 ? 128 : 64);
    bool inputUnsigned = op.getInputUnsigned();
    int64_t inputZeroPoint = op.getInputZeroPoint();
    int64_t outputZeroPoint = op.getOutputZeroPoint();
    int64_t clampMin = op.getEffectiveClampMin();
    int64_t clampMax = op.getEffectiveClampMax();
    rewriter.replaceOp(
        op, buildMapped(
                rewriter, loc, inputType.getShape(), resultElement, operands,
                maps, [&](OpBuilder &b, Location l, ValueRange args) -> Value {
                  IntegerMath m{b, l, mathType};
                  Value multiplier = perChannel ? m.widen(args[1], false)
                                                : m.constant(multipliers[0]);
                  Value shift = perChannel ? m.widen(args[2], false)
                                           : m.constant(shifts[0]);
                  Value a = m.sub(m.widen(args[0], inputUnsigned),
                                  m.constant(inputZeroPoint));
                  return m.requantizeToStorage(a, multiplier, shift,
                                               outputZeroPoint, clampMin,
                                               clampMax, resultElement);
                }));
    return success();
  }
};

} // namespace

void mlir::quill::lowering::populateQuantizationPatterns(
    StorageTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<QuantizeLowering, DequantizeLowering, DynamicQuantizeLowering,
               RequantizeLowering, TableLookupLowering>(converter,
                                                        patterns.getContext());
}
