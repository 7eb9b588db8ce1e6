//===- QuillFolding.cpp - Constant folding of quill ops -------------------===//
//
// Quantizing constant weights at compile time: quill.quantize of a constant
// becomes an integer constant, quill.dequantize and quill.requantize of
// constants become constants. Every element goes through the scalar rules in
// QuantArithmetic.h.
//
//===----------------------------------------------------------------------===//

#include "quill/Dialect/Quill/IR/QuantArithmetic.h"
#include "quill/Dialect/Quill/IR/Quill.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::quill;

/// Arithmetic in double only for f64; ONNX computes in the expressed type.
static bool isWide(Type floatType) { return floatType.isF64(); }

namespace {
/// Rewrites quantize of a float constant to an integer constant:
///
///   %q = quill.quantize %cst : tensor<2xf32> to
///   tensor<2x!quant.uniform<i8:f32, 0.5>>
/// becomes
///   %i = arith.constant dense<[...]> : tensor<2xi8>
///   %q = quant.scast %i : tensor<2xi8> to tensor<2x!quant.uniform<i8:f32,
///   0.5>>
struct FoldConstantQuantize : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    DenseFPElementsAttr values;
    if (!matchPattern(op.getInput(), m_Constant(&values)))
      return rewriter.notifyMatchFailure(op, "input is not a float constant");
    RankedTensorType resultType = op.getResult().getType();
    auto quantized =
        dyn_cast<quant::QuantizedType>(resultType.getElementType());
    if (!quantized)
      return rewriter.notifyMatchFailure(op, "float storage has no scast");
    if (!resultType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic shape");

    auto params = getElementParams(quantized, resultType.getShape());
    StorageRange range{quantized.getStorageTypeMin(),
                       quantized.getStorageTypeMax()};
    bool wide = isWide(quantized.getExpressedType());
    unsigned width = quantized.getStorageTypeIntegralWidth();
    SmallVector<APInt> stored;
    stored.reserve(resultType.getNumElements());
    int64_t index = 0;
    for (APFloat value : values.getValues<APFloat>()) {
      double x = value.convertToDouble();
      stored.emplace_back(width,
                          quantizeElement(x, params(index++), range, wide),
                          /*isSigned=*/true, /*implicitTrunc=*/true);
    }
    auto storageType = resultType.clone(rewriter.getIntegerType(width));
    Value constant = arith::ConstantOp::create(
        rewriter, op.getLoc(), DenseElementsAttr::get(storageType, stored));
    rewriter.replaceOpWithNewOp<quant::StorageCastOp>(op, resultType, constant);
    return success();
  }
};
} // namespace

void QuantizeOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                             MLIRContext *context) {
  patterns.add<FoldConstantQuantize>(context);
}

OpFoldResult DequantizeOp::fold(FoldAdaptor) {
  auto storageCast = getInput().getDefiningOp<quant::StorageCastOp>();
  DenseIntElementsAttr stored;
  if (!storageCast ||
      !matchPattern(storageCast.getInput(), m_Constant(&stored)))
    return {};
  RankedTensorType inputType = getInput().getType();
  auto quantized = dyn_cast<quant::QuantizedType>(inputType.getElementType());
  if (!quantized || !inputType.hasStaticShape())
    return {};

  auto params = getElementParams(quantized, inputType.getShape());
  auto floatType = cast<FloatType>(getResult().getType().getElementType());
  bool wide = isWide(floatType);
  bool isSigned = quantized.isSigned();
  SmallVector<APFloat> values;
  values.reserve(inputType.getNumElements());
  int64_t index = 0;
  for (APInt q : stored.getValues<APInt>()) {
    int64_t value = isSigned ? q.getSExtValue() : q.getZExtValue();
    APFloat x(dequantizeElement(value, params(index++), wide));
    bool losesInfo;
    x.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven,
              &losesInfo);
    values.push_back(x);
  }
  return DenseElementsAttr::get(getResult().getType(), values);
}

OpFoldResult RequantizeOp::fold(FoldAdaptor adaptor) {
  auto input = dyn_cast_if_present<DenseIntElementsAttr>(adaptor.getInput());
  RankedTensorType type = getInput().getType();
  if (!input || !type.hasStaticShape())
    return {};
  ArrayRef<int32_t> multipliers = getMultiplier();
  ArrayRef<int8_t> shifts = getShift();
  // Row-major position of an element along the per-channel axis.
  int64_t stride = 1, channels = 1;
  if (std::optional<int32_t> axis = getAxis(); axis && multipliers.size() > 1) {
    channels = type.getDimSize(*axis);
    for (int64_t d = *axis + 1; d < type.getRank(); ++d)
      stride *= type.getDimSize(d);
  }
  unsigned resultWidth = getResult().getType().getElementTypeBitWidth();
  int64_t clampMin = getEffectiveClampMin(), clampMax = getEffectiveClampMax();
  bool inputUnsigned = getInputUnsigned();
  SmallVector<APInt> results;
  results.reserve(type.getNumElements());
  int64_t index = 0;
  for (APInt value : input.getValues<APInt>()) {
    int64_t channel = (index++ / stride) % channels;
    int64_t x = inputUnsigned ? value.getZExtValue() : value.getSExtValue();
    int64_t y = requantizeElement(x, multipliers[channel], shifts[channel],
                                  getInputZeroPoint(), getOutputZeroPoint(),
                                  clampMin, clampMax);
    results.emplace_back(resultWidth, y, /*isSigned=*/true,
                         /*implicitTrunc=*/true);
  }
  return DenseElementsAttr::get(getResult().getType(), results);
}
