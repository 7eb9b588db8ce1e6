//===- BlockFormats.cpp - Lowering of the MX and NVFP4 block formats ------===//
//
// quill.block_quantize and quill.block_dequantize on i8 storage (element
// bits, scale bytes), by the rules of the ops' descriptions and of
// include/quill/Dialect/Quill/IR/BlockArithmetic.h, step for step in f32:
// the axis is split into (blocks, block size), a max-reduction gives each
// block's amax, one generic its scale byte, one more the elements.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "SmallFloatEncoding.h"

#include "quill/Conversion/Passes.h"
#include "quill/Dialect/Quill/IR/BlockArithmetic.h"
#include "quill/Dialect/Quill/IR/Quill.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include <cmath>

using namespace mlir;
using namespace mlir::quill;
using namespace mlir::quill::lowering;

namespace {

/// Scalar f32 / i32 steps of the block rules inside a linalg body.
struct BlockMath {
  OpBuilder &b;
  Location loc;

  Value f32(double value) const {
    return arith::ConstantFloatOp::create(b, loc, b.getF32Type(),
                                          APFloat(float(value)));
  }
  Value i32(int64_t value) const {
    return arith::ConstantIntOp::create(b, loc, value, 32);
  }
  Value isNaN(Value x) const {
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, x, x);
  }
  Value select(Value condition, Value x, Value y) const {
    return arith::SelectOp::create(b, loc, condition, x, y);
  }
  Value mul(Value x, Value y) const {
    return arith::MulFOp::create(b, loc, x, y);
  }
  Value div(Value x, Value y) const {
    return arith::DivFOp::create(b, loc, x, y);
  }
  Value byteToI32(Value byte) const {
    return arith::ExtUIOp::create(b, loc, b.getI32Type(), byte);
  }
  Value i32ToByte(Value word) const {
    return arith::TruncIOp::create(b, loc, b.getI8Type(), word);
  }
  FloatType e4m3() const { return Float8E4M3FNType::get(b.getContext()); }

  /// The E8M0 byte of a block whose largest magnitude is `amax`.
  Value sharedExponent(const BlockFormatRules &rules, Value amax,
                       BlockScaleRounding rounding) const {
    Value bits = arith::BitcastOp::create(b, loc, b.getI32Type(), amax);
    Value field = arith::AndIOp::create(
        b, loc, arith::ShRUIOp::create(b, loc, bits, i32(23)), i32(0xFF));
    Value isZeroField =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, field, i32(0));
    // floor(log2(amax)) - emax; zero and subnormal amax count as 2^-127.
    Value exponent =
        arith::SubIOp::create(b, loc, select(isZeroField, i32(0), field),
                              i32(127 + rules.elementMaxExponent));
    if (rounding == BlockScaleRounding::Up) {
      Value mantissa = arith::BitcastOp::create(
          b, loc, b.getF32Type(),
          arith::OrIOp::create(
              b, loc, arith::AndIOp::create(b, loc, bits, i32(0x7FFFFF)),
              i32(0x3F800000)));
      Value above = arith::CmpFOp::create(
          b, loc, arith::CmpFPredicate::OGT, mantissa,
          f32(std::ldexp(rules.largestElement, -rules.elementMaxExponent)));
      Value isFinite = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne,
                                             field, i32(0xFF));
      Value step = arith::AndIOp::create(
          b, loc,
          arith::AndIOp::create(b, loc, above,
                                arith::CmpIOp::create(b, loc,
                                                      arith::CmpIPredicate::ne,
                                                      field, i32(0))),
          isFinite);
      exponent = arith::AddIOp::create(
          b, loc, exponent,
          arith::ExtUIOp::create(b, loc, b.getI32Type(), step));
    }
    exponent = arith::MinSIOp::create(
        b, loc, arith::MaxSIOp::create(b, loc, exponent, i32(-127)), i32(127));
    Value code = arith::AddIOp::create(b, loc, exponent, i32(127));
    return i32ToByte(select(isNaN(amax), i32(0xFF), code));
  }

  /// The f32 value of an E8M0 byte: 2^(code - 127), NaN for 0xFF.
  Value decodeE8M0(Value byte) const {
    Value code = byteToI32(byte);
    Value normal = arith::ShLIOp::create(b, loc, code, i32(23));
    // Code 0 is 2^-127, an f32 subnormal; 0xFF becomes the quiet NaN.
    Value bits = select(
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, code, i32(0)),
        i32(0x00400000), normal);
    bits = select(arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, code,
                                        i32(0xFF)),
                  i32(0x7FC00000), bits);
    return arith::BitcastOp::create(b, loc, b.getF32Type(), bits);
  }

  /// The i8 code of one MX element `x / scale`.
  Value encodeMXElement(const BlockFormatRules &rules, Value scaled) const {
    if (rules.format != BlockFormat::MXINT8)
      return buildSmallFloatFromF32(b, loc, scaled,
                                    cast<FloatType>(getElementType(rules)));
    Value steps = math::RoundEvenOp::create(b, loc, mul(scaled, f32(64)));
    steps = arith::MinimumFOp::create(
        b, loc, arith::MaximumFOp::create(b, loc, steps, f32(-127)), f32(127));
    steps = select(isNaN(scaled), f32(0), steps);
    return arith::FPToSIOp::create(b, loc, b.getI8Type(), steps);
  }

  Value decodeMXElement(const BlockFormatRules &rules, Value code) const {
    if (rules.format != BlockFormat::MXINT8)
      return buildF32FromSmallFloat(b, loc, code,
                                    cast<FloatType>(getElementType(rules)));
    return mul(arith::SIToFPOp::create(b, loc, b.getF32Type(), code),
               f32(1.0 / 64));
  }

  Type getElementType(const BlockFormatRules &rules) const {
    return getBlockFormatInfo(b.getContext(), rules.format).elementType;
  }
};

/// The shapes of a block-scaled tensor with `axis` split into (blocks,
/// block size).
struct BlockShapes {
  SmallVector<int64_t> split;
  /// The scales' shape: `split` without the block-size dimension.
  SmallVector<int64_t> scales;
  int64_t blockDim;
  /// From the split shape's loops: to an element, and to its block's scale.
  AffineMap elementMap, scaleMap;
};

/// The shapes of `op`'s f32 tensor of static `type` in blocks along
/// `axis`, or a match failure saying what is missing.
FailureOr<BlockShapes> getBlockShapes(RewriterBase &rewriter, Operation *op,
                                      RankedTensorType type, int64_t axis,
                                      int64_t blockSize) {
  if (!type.getElementType().isF32())
    return rewriter.notifyMatchFailure(op, "expects f32 values");
  if (!type.hasStaticShape())
    return rewriter.notifyMatchFailure(op, "expects a static shape");
  BlockShapes shapes;
  shapes.blockDim = axis + 1;
  for (auto [dim, size] : llvm::enumerate(type.getShape())) {
    if (int64_t(dim) != axis) {
      shapes.split.push_back(size);
      continue;
    }
    shapes.split.append({size / blockSize, blockSize});
  }
  shapes.scales = SmallVector<int64_t>(type.getShape());
  shapes.scales[axis] /= blockSize;
  MLIRContext *context = type.getContext();
  int64_t rank = shapes.split.size();
  shapes.elementMap = AffineMap::getMultiDimIdentityMap(rank, context);
  shapes.scaleMap = getReducedMap(rank, {shapes.blockDim}, context);
  return shapes;
}

struct BlockQuantizeLowering : OpConversionPattern<BlockQuantizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(BlockQuantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    BlockFormatRules rules = getBlockFormatRules(op.getFormat());
    RankedTensorType type = op.getInput().getType();
    FailureOr<BlockShapes> shapes =
        getBlockShapes(rewriter, op, type, op.getAxis(), rules.blockSize);
    if (failed(shapes))
      return failure();
    Value split = reshapeTo(rewriter, loc, adaptor.getInput(), shapes->split);

    // amax per block; NaN propagates (maximumf).
    BlockMath zero{rewriter, loc};
    Value amax = buildReduction(
        rewriter, loc, split, {shapes->blockDim}, zero.f32(0.0),
        [](OpBuilder &b, Location l, Value x, Value accumulator) -> Value {
          return arith::MaximumFOp::create(b, l, math::AbsFOp::create(b, l, x),
                                           accumulator);
        });
    float tensorScale =
        op.getTensorScale() ? op.getTensorScale()->convertToFloat() : 1.0f;
    bool isNVFP4 = rules.format == BlockFormat::NVFP4;
    AffineMap identity = AffineMap::getMultiDimIdentityMap(
        shapes->scales.size(), rewriter.getContext());
    Value scales = buildMapped(
        rewriter, loc, shapes->scales, rewriter.getI8Type(), {amax}, {identity},
        [&](OpBuilder &b, Location l, ValueRange args) {
          BlockMath m{b, l};
          if (!isNVFP4)
            return m.sharedExponent(rules, args[0], op.getScaleRounding());
          return buildSmallFloatFromF32(
              b, l, m.div(m.mul(args[0], m.f32(tensorScale)), m.f32(6.0)),
              m.e4m3());
        });

    Value elements = buildMapped(
        rewriter, loc, shapes->split, rewriter.getI8Type(), {split, scales},
        {shapes->elementMap, shapes->scaleMap},
        [&](OpBuilder &b, Location l, ValueRange args) {
          BlockMath m{b, l};
          if (!isNVFP4)
            return m.encodeMXElement(rules,
                                     m.div(args[0], m.decodeE8M0(args[1])));
          Value scale = buildF32FromSmallFloat(b, l, args[1], m.e4m3());
          Value encoded = buildSmallFloatFromF32(
              b, l, m.div(m.mul(args[0], m.f32(tensorScale)), scale),
              cast<FloatType>(m.getElementType(rules)));
          Value isZero = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ,
                                               scale, m.f32(0.0));
          return m.select(isZero, m.i32ToByte(m.i32(0)), encoded);
        });
    rewriter.replaceOp(
        op, {reshapeTo(rewriter, loc, elements, type.getShape()), scales});
    return success();
  }
};

struct BlockDequantizeLowering : OpConversionPattern<BlockDequantizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(BlockDequantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    BlockFormatRules rules = getBlockFormatRules(op.getFormat());
    RankedTensorType type = op.getResult().getType();
    FailureOr<BlockShapes> shapes =
        getBlockShapes(rewriter, op, type, op.getAxis(), rules.blockSize);
    if (failed(shapes))
      return failure();
    Value split =
        reshapeTo(rewriter, loc, adaptor.getElements(), shapes->split);
    float tensorScale =
        op.getTensorScale() ? op.getTensorScale()->convertToFloat() : 1.0f;
    bool isNVFP4 = rules.format == BlockFormat::NVFP4;
    Value values = buildMapped(
        rewriter, loc, shapes->split, rewriter.getF32Type(),
        {split, adaptor.getScales()}, {shapes->elementMap, shapes->scaleMap},
        [&](OpBuilder &b, Location l, ValueRange args) {
          BlockMath m{b, l};
          Value element = m.decodeMXElement(rules, args[0]);
          if (!isNVFP4)
            return m.mul(element, m.decodeE8M0(args[1]));
          Value scale = buildF32FromSmallFloat(b, l, args[1], m.e4m3());
          return m.div(m.mul(element, scale), m.f32(tensorScale));
        });
    // What the CPU's block-weight kernel needs to read the codes and scales
    // in place of this generic (lib/Conversion/CPU/BlockWeightGemm.cpp).
    NamedAttrList description;
    description.append("format", op.getFormatAttr());
    description.append("axis", op.getAxisAttr());
    if (op.getTensorScaleAttr())
      description.append("tensor_scale", op.getTensorScaleAttr());
    values.getDefiningOp()->setAttr(
        kBlockDequantizeAttrName,
        description.getDictionary(rewriter.getContext()));
    rewriter.replaceOp(op, reshapeTo(rewriter, loc, values, type.getShape()));
    return success();
  }
};

} // namespace

void mlir::quill::lowering::populateBlockFormatPatterns(
    StorageTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<BlockQuantizeLowering, BlockDequantizeLowering>(
      converter, patterns.getContext());
}
