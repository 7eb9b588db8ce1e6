//===- QuillFolding.cpp - Constant folding of quill ops -------------------===//
//
// Quantizing constant weights at compile time: quill.quantize of a constant
// becomes a constant of stored values (integers, or fp8) behind a
// quill.storage_cast; quill.dequantize and quill.requantize of constants
// become constants; quill.block_quantize of a constant becomes its elements
// and scales. Every element goes through the scalar rules in
// QuantArithmetic.h and BlockArithmetic.h.
//
//===----------------------------------------------------------------------===//

#include "quill/Dialect/Quill/IR/BlockArithmetic.h"
#include "quill/Dialect/Quill/IR/QuantArithmetic.h"
#include "quill/Dialect/Quill/IR/Quill.h"

#include "mlir/Dialect/Utils/IndexingUtils.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::quill;

/// Arithmetic in double only for f64; ONNX computes in the expressed type.
static bool isWide(Type floatType) { return floatType.isF64(); }

/// The stored values of quantizing `values` to `type`'s element type: a
/// dense attribute of the storage type (signless integers, or fp8).
static DenseElementsAttr quantizeConstant(DenseFPElementsAttr values,
                                          RankedTensorType type) {
  Type element = type.getElementType();
  auto params = getElementParams(element, type.getShape());
  bool wide = isWide(getExpressedType(element));
  int64_t index = 0;
  if (auto floatQuant = dyn_cast<FloatQuantType>(element)) {
    SmallVector<APFloat> stored;
    for (APFloat value : values.getValues<APFloat>())
      stored.push_back(quantizeFloatElement(value.convertToDouble(),
                                            params(index++).scale,
                                            floatQuant.getStorageType(), wide));
    return DenseElementsAttr::get(type.clone(floatQuant.getStorageType()),
                                  stored);
  }
  auto quantized = cast<quant::QuantizedType>(element);
  StorageRange range{quantized.getStorageTypeMin(),
                     quantized.getStorageTypeMax()};
  unsigned width = quantized.getStorageTypeIntegralWidth();
  SmallVector<APInt> stored;
  for (APFloat value : values.getValues<APFloat>())
    stored.emplace_back(
        width,
        quantizeElement(value.convertToDouble(), params(index++), range, wide),
        /*isSigned=*/true, /*implicitTrunc=*/true);
  return DenseElementsAttr::get(
      type.clone(IntegerType::get(type.getContext(), width)), stored);
}

namespace {
/// Rewrites quantize of a float constant to a constant of stored values:
///
///   %q = quill.quantize %cst : tensor<2xf32> to tensor<2x!quant.uniform<...>>
/// becomes
///   %i = arith.constant dense<[...]> : tensor<2xi8>
///   %q = quill.storage_cast %i : tensor<2xi8> to tensor<2x!quant.uniform<...>>
///
/// (fp8 storage for !quill.float_quant).
struct FoldConstantQuantize : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    DenseFPElementsAttr values;
    if (!matchPattern(op.getInput(), m_Constant(&values)))
      return rewriter.notifyMatchFailure(op, "input is not a float constant");
    RankedTensorType resultType = op.getResult().getType();
    if (!resultType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic shape");
    Value constant = arith::ConstantOp::create(
        rewriter, op.getLoc(), quantizeConstant(values, resultType));
    rewriter.replaceOpWithNewOp<StorageCastOp>(op, resultType, constant);
    return success();
  }
};
} // namespace

void QuantizeOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                             MLIRContext *context) {
  patterns.add<FoldConstantQuantize>(context);
}

namespace {
/// Rewrites dequantize of a constant's stored values to a float constant.
/// Not a folder: quantization passes must see quantized weights first.
struct FoldConstantDequantize : OpRewritePattern<DequantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  /// Whether `op` dequantizes a 4-bit weight matrix that only products read
  /// along its blocks: it stays 4 bits, for the CPU's block-weight kernel.
  static bool isReadPacked(DequantizeOp op) {
    std::optional<BlockedWeightLayout> layout =
        getBlockedWeightLayout(op.getInput().getType());
    return layout && llvm::all_of(op->getUses(), [&](OpOperand &use) {
             if (auto matmul = dyn_cast<MatMulOp>(use.getOwner()))
               return use.getOperandNumber() == 1 && layout->reductionAxis == 0;
             auto gemm = dyn_cast<GemmOp>(use.getOwner());
             return gemm && use.getOperandNumber() == 1 &&
                    layout->reductionAxis == (gemm.getTransB() ? 1 : 0);
           });
  }

  LogicalResult matchAndRewrite(DequantizeOp op,
                                PatternRewriter &rewriter) const override {
    auto storageCast = op.getInput().getDefiningOp<StorageCastOp>();
    DenseElementsAttr stored;
    if (!storageCast ||
        !matchPattern(storageCast.getInput(), m_Constant(&stored)))
      return failure();
    RankedTensorType inputType = op.getInput().getType();
    if (!inputType.hasStaticShape())
      return failure();
    if (isReadPacked(op))
      return failure();
    Type element = inputType.getElementType();
    auto params = getElementParams(element, inputType.getShape());
    auto floatType = cast<FloatType>(op.getResult().getType().getElementType());
    bool wide = isWide(floatType);
    SmallVector<double> values;
    values.reserve(inputType.getNumElements());
    int64_t index = 0;
    if (isa<FloatQuantType>(element)) {
      for (APFloat q : stored.getValues<APFloat>())
        values.push_back(
            dequantizeFloatElement(q, params(index++).scale, wide));
    } else {
      bool isSigned = cast<quant::QuantizedType>(element).isSigned();
      for (APInt q : stored.getValues<APInt>())
        values.push_back(
            dequantizeElement(isSigned ? q.getSExtValue() : q.getZExtValue(),
                              params(index++), wide));
    }
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(
        op, getFloatElements(op.getResult().getType(), values));
    return success();
  }
};
} // namespace

void mlir::quill::populateFoldConstantDequantizePatterns(
    RewritePatternSet &patterns) {
  patterns.add<FoldConstantDequantize>(patterns.getContext());
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
    stride = computeStrides(type.getShape())[*axis];
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

LogicalResult BlockQuantizeOp::fold(FoldAdaptor adaptor,
                                    SmallVectorImpl<OpFoldResult> &results) {
  auto input = dyn_cast_if_present<DenseFPElementsAttr>(adaptor.getInput());
  RankedTensorType type = getInput().getType();
  if (!input || !type.hasStaticShape())
    return failure();
  BlockFormatRules rules = getBlockFormatRules(getFormat());
  float tensorScale = getTensorScale() ? getTensorScale()->convertToFloat() : 1;
  SmallVector<uint8_t> codes, scales;
  quantizeInBlocks(
      input, getAxis(), rules.blockSize,
      [&](ArrayRef<float> block, MutableArrayRef<uint8_t> blockCodes) {
        return quantizeBlock(rules, block, tensorScale, getScaleRounding(),
                             blockCodes);
      },
      codes, scales);
  results.push_back(getElementsFromCodes(
      cast<RankedTensorType>(getElements().getType()), codes));
  results.push_back(getElementsFromCodes(
      cast<RankedTensorType>(getScales().getType()), scales));
  return success();
}
