//===- BlockWeightGemm.cpp - Products with MX / NVFP4 weights -------------===//

#include "BlockWeightGemm.h"
#include "MicrokernelCalls.h"

#include "quill/Conversion/DequantizedWeights.h"
#include "quill/Conversion/Passes.h"
#include "quill/Dialect/Quill/IR/BlockArithmetic.h"
#include "quill/Runtime/BlockGemmLayout.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;
using namespace mlir::quill;

namespace {

/// Packed weights and the format the kernel reads them in.
struct PackedWeights {
  std::vector<uint8_t> bytes;
  QuillBlockWeights format;
};

/// The bytes of the constant i8 global `value` reads.
std::optional<SmallVector<uint8_t>> getConstantBytes(Operation *user,
                                                     Value value) {
  auto values = getConstantGlobal<DenseIntElementsAttr>(user, value);
  if (!values || !values.getElementType().isInteger(8))
    return std::nullopt;
  SmallVector<uint8_t> bytes;
  for (int8_t value : values.getValues<int8_t>())
    bytes.push_back(uint8_t(value));
  return bytes;
}

/// The kernel's description of `format`'s codes and scales.
QuillBlockWeights getKernelFormat(BlockFormat format, float tensorScale) {
  BlockFormatRules rules = getBlockFormatRules(format);
  QuillBlockWeights weights = {};
  weights.blockSize = rules.blockSize;
  weights.scaleFactor = 1.0f;
  if (const llvm::fltSemantics *semantics = rules.elementSemantics) {
    int bits = llvm::APFloat::semanticsSizeInBits(*semantics);
    weights.codeBits = int32_t(rules.storedElementBits());
    weights.mantissaBits = llvm::APFloat::semanticsPrecision(*semantics) - 1;
    weights.exponentBits = bits - 1 - weights.mantissaBits;
    weights.bias = 1 - llvm::APFloat::semanticsMinExponent(*semantics);
  } else {
    weights.codeBits = 8;
    weights.scaleFactor = 1.0f / 64.0f;
  }
  if (format == BlockFormat::NVFP4) {
    weights.scaleKind = 1;
    weights.scaleFactor = 1.0f / tensorScale;
  }
  return weights;
}

struct BlockWeightMatmul : OpRewritePattern<linalg::MatmulOp> {
  BlockWeightMatmul(MLIRContext *context, LowBitCompute compute)
      : OpRewritePattern(context, /*benefit=*/2), compute(compute) {}

  LowBitCompute compute;

  LogicalResult matchAndRewrite(linalg::MatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureBufferSemantics())
      return rewriter.notifyMatchFailure(op, "expects buffers");
    Value lhs = op.getDpsInputs()[0], rhs = op.getDpsInputs()[1];
    Value out = op.getDpsInits()[0];
    std::optional<MatmulLayout> layout = getMatmulLayout(op);
    if (!layout || layout->transposeLhs)
      return rewriter.notifyMatchFailure(op, "expects A[m, k] and C[m, n]");
    bool transposedRhs = layout->transposeRhs;
    if (!cast<MemRefType>(lhs.getType()).getElementType().isF32() ||
        !cast<MemRefType>(out.getType()).getElementType().isF32())
      return rewriter.notifyMatchFailure(op, "expects f32 A and C");

    // B: the buffer a tagged dequantize generic writes, or its collapsed
    // view (block formats dequantize in (blocks, block size) shape).
    std::optional<DequantizedWeight> weight = findDequantizedWeight(op, rhs);
    if (!weight)
      return rewriter.notifyMatchFailure(op, "B is not block-dequantized");
    linalg::GenericOp dequantize = weight->dequantize;
    auto description =
        dequantize->getAttrOfType<DictionaryAttr>(kBlockDequantizeAttrName);
    auto axis = description.getAs<IntegerAttr>("axis");
    // Blocks must run along the product's reduction: B's rows, or its
    // columns when B is read transposed.
    if (!axis || axis.getInt() != (transposedRhs ? 1 : 0))
      return rewriter.notifyMatchFailure(op, "blocks do not run along K");
    auto rhsType = cast<MemRefType>(rhs.getType());
    int64_t depth = rhsType.getDimSize(transposedRhs ? 1 : 0);
    int64_t columns = rhsType.getDimSize(transposedRhs ? 0 : 1);
    std::optional<PackedWeights> weights =
        description.get("format")
            ? packBlockFormat(op, dequantize, description, transposedRhs, depth,
                              columns, compute)
            : packIntegerWeights(op, dequantize, description, transposedRhs,
                                 depth, columns, compute);
    if (!weights)
      return rewriter.notifyMatchFailure(op, "codes or scales not constant");
    std::vector<uint8_t> &packed = weights->bytes;
    QuillBlockWeights &format = weights->format;

    ModuleOp module = op->getParentOfType<ModuleOp>();
    auto codesGlobal =
        dequantize.getDpsInputs()[0].getDefiningOp<memref::GetGlobalOp>();
    std::string name = (codesGlobal.getName() + "_block_packed").str();
    auto packedType =
        RankedTensorType::get({int64_t(packed.size())}, rewriter.getI8Type());
    SmallVector<int8_t> signedBytes(packed.begin(), packed.end());
    memref::GlobalOp global = getOrCreateConstantGlobal(
        module, name,
        DenseElementsAttr::get(packedType, ArrayRef(signedBytes)));

    Location loc = op.getLoc();
    SmallVector<Value> arguments = {castToStridedMatrix(rewriter, loc, lhs),
                                    readGlobalAsVector(rewriter, loc, global),
                                    castToStridedMatrix(rewriter, loc, out)};
    auto i32 = [&](int32_t value) {
      return arith::ConstantOp::create(rewriter, loc,
                                       rewriter.getI32IntegerAttr(value));
    };
    for (int32_t value :
         {format.codeBits, format.exponentBits, format.mantissaBits,
          format.bias, format.blockSize, format.scaleKind})
      arguments.push_back(i32(value));
    arguments.push_back(arith::ConstantOp::create(
        rewriter, loc, rewriter.getF32FloatAttr(format.scaleFactor)));
    arguments.push_back(i32(format.int8Activations));
    func::FuncOp callee = getOrDeclareKernel(module, "quill_block_gemm",
                                             ValueRange(arguments).getTypes());
    func::CallOp::create(rewriter, loc, callee, arguments);
    rewriter.eraseOp(op);
    eraseUnreadDequantize(rewriter, *weight);
    return success();
  }

  /// int8 activations where asked for and the format can take them.
  static void chooseActivations(QuillBlockWeights &format,
                                LowBitCompute compute) {
    format.int8Activations = compute == LowBitCompute::Int8 &&
                             quillBlockTakesInt8Activations(&format);
  }

  /// MX / NVFP4 codes and scale bytes, packed.
  static std::optional<PackedWeights>
  packBlockFormat(Operation *user, linalg::GenericOp dequantize,
                  DictionaryAttr description, bool transposedRhs, int64_t depth,
                  int64_t columns, LowBitCompute compute) {
    auto format = description.getAs<BlockFormatAttr>("format");
    auto tensorScale = description.getAs<FloatAttr>("tensor_scale");
    std::optional<SmallVector<uint8_t>> codes =
        getConstantBytes(user, dequantize.getDpsInputs()[0]);
    std::optional<SmallVector<uint8_t>> scales =
        getConstantBytes(user, dequantize.getDpsInputs()[1]);
    if (!format || !codes || !scales)
      return std::nullopt;
    PackedWeights weights;
    weights.format = getKernelFormat(
        format.getValue(), tensorScale ? tensorScale.getValueAsDouble() : 1.0);
    chooseActivations(weights.format, compute);
    int64_t blocks = depth / weights.format.blockSize;
    // Both are row-major in B's unsplit layout: [K, N] or [N, K].
    QuillBlockSource source = {};
    source.codes = codes->data();
    source.codeRowStride = transposedRhs ? 1 : columns;
    source.codeColStride = transposedRhs ? depth : 1;
    source.scaleBytes = scales->data();
    source.scaleRowStride = transposedRhs ? 1 : columns;
    source.scaleColStride = transposedRhs ? blocks : 1;
    weights.bytes.resize(
        quillBlockPackedBytes(&weights.format, depth, columns));
    quillBlockPack(&weights.format, &source, depth, columns,
                   weights.bytes.data());
    return weights;
  }

  /// 4-bit integer codes with f32 scales and zero points per block (the
  /// generic's operands: codes, scales, zero points read through its
  /// maps), packed as unsigned codes and zero points (signed ones + 8).
  static std::optional<PackedWeights>
  packIntegerWeights(Operation *user, linalg::GenericOp dequantize,
                     DictionaryAttr description, bool transposedRhs,
                     int64_t depth, int64_t columns, LowBitCompute compute) {
    auto blockSize = description.getAs<IntegerAttr>("block_size");
    auto isSigned = description.getAs<BoolAttr>("signed");
    // Operands: the codes, then the scales and the zero points that are
    // not all equal (those are in the description).
    SmallVector<Value> inputs = dequantize.getDpsInputs();
    DenseIntElementsAttr codes =
        getConstantGlobal<DenseIntElementsAttr>(user, inputs[0]);
    auto splatScale = description.getAs<FloatAttr>("scale");
    auto splatZeroPoint = description.getAs<FloatAttr>("zero_point");
    unsigned next = 1;
    DenseFPElementsAttr scales, zeroPoints;
    AffineMap map;
    if (!splatScale) {
      map = dequantize.getIndexingMapsArray()[next];
      scales = getConstantGlobal<DenseFPElementsAttr>(user, inputs[next++]);
      if (!scales)
        return std::nullopt;
    }
    if (!splatZeroPoint) {
      map = dequantize.getIndexingMapsArray()[next];
      zeroPoints = getConstantGlobal<DenseFPElementsAttr>(user, inputs[next++]);
      if (!zeroPoints)
        return std::nullopt;
    }
    if (!blockSize || !isSigned || !codes)
      return std::nullopt;
    int64_t offset = isSigned.getValue() ? 8 : 0;
    SmallVector<uint8_t> codeBytes;
    for (APInt code : codes.getValues<APInt>())
      codeBytes.push_back(uint8_t(
          (isSigned.getValue() ? code.getSExtValue() : code.getZExtValue()) +
          offset));
    // Each block's parameters through the generic's map of them.
    PackedWeights weights;
    weights.format = {};
    weights.format.codeBits = 4;
    weights.format.blockSize = blockSize.getInt();
    weights.format.scaleKind = QuillBlockScaleF32;
    weights.format.scaleFactor = 1.0f;
    chooseActivations(weights.format, compute);
    int64_t blocks = depth / weights.format.blockSize;
    ArrayRef<int64_t> paramShape =
        scales ? scales.getType().getShape()
               : (zeroPoints ? zeroPoints.getType().getShape()
                             : ArrayRef<int64_t>());
    SmallVector<float> scaleValues, zeroValues;
    if (scales)
      scaleValues = llvm::to_vector(scales.getValues<float>());
    if (zeroPoints)
      zeroValues = llvm::to_vector(zeroPoints.getValues<float>());
    SmallVector<float> blockScales(blocks * columns);
    SmallVector<uint8_t> blockZeros(blocks * columns);
    for (int64_t b = 0; b < blocks; ++b)
      for (int64_t n = 0; n < columns; ++n) {
        int64_t index = 0;
        if (map) {
          int64_t k = b * weights.format.blockSize;
          SmallVector<int64_t> position =
              map.compose(transposedRhs ? SmallVector<int64_t>{n, k}
                                        : SmallVector<int64_t>{k, n});
          for (auto [coordinate, size] : llvm::zip(position, paramShape))
            index = index * size + coordinate;
        }
        blockScales[b * columns + n] =
            splatScale ? splatScale.getValueAsDouble() : scaleValues[index];
        float zeroPoint = splatZeroPoint ? splatZeroPoint.getValueAsDouble()
                                         : zeroValues[index];
        blockZeros[b * columns + n] = uint8_t(zeroPoint + offset);
      }
    QuillBlockSource source = {};
    source.codes = codeBytes.data();
    source.codeRowStride = transposedRhs ? 1 : columns;
    source.codeColStride = transposedRhs ? depth : 1;
    source.scales = blockScales.data();
    source.zeroPoints = blockZeros.data();
    source.scaleRowStride = columns;
    source.scaleColStride = 1;
    weights.bytes.resize(
        quillBlockPackedBytes(&weights.format, depth, columns));
    quillBlockPack(&weights.format, &source, depth, columns,
                   weights.bytes.data());
    return weights;
  }
};

} // namespace

void mlir::quill::populateBlockWeightGemmPatterns(RewritePatternSet &patterns,
                                                  LowBitCompute compute) {
  patterns.add<BlockWeightMatmul>(patterns.getContext(), compute);
}
