//===- BlockWeightGemm.cpp - Products with MX / NVFP4 weights -------------===//

#include "BlockWeightGemm.h"

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

/// The bytes of the constant global `value` reads.
std::optional<SmallVector<uint8_t>> getConstantBytes(Operation *user,
                                                     Value value) {
  auto read = value.getDefiningOp<memref::GetGlobalOp>();
  if (!read)
    return std::nullopt;
  auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
      user, read.getNameAttr());
  if (!global || !global.getConstant())
    return std::nullopt;
  auto values =
      dyn_cast_or_null<DenseIntElementsAttr>(global.getInitialValueAttr());
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
    weights.codeBits = bits == 4 ? 4 : 8;
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

/// `memref<?x?xT, strided<[?, ?], offset: ?>>`, what the kernel takes.
Value castToStridedMatrix(OpBuilder &b, Location loc, Value matrix) {
  MLIRContext *context = b.getContext();
  auto layout =
      StridedLayoutAttr::get(context, ShapedType::kDynamic,
                             {ShapedType::kDynamic, ShapedType::kDynamic});
  auto type = MemRefType::get(
      {ShapedType::kDynamic, ShapedType::kDynamic},
      cast<MemRefType>(matrix.getType()).getElementType(), layout);
  return memref::CastOp::create(b, loc, type, matrix);
}

struct BlockWeightMatmul : OpRewritePattern<linalg::MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::MatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureBufferSemantics())
      return rewriter.notifyMatchFailure(op, "expects buffers");
    Value lhs = op.getDpsInputs()[0], rhs = op.getDpsInputs()[1];
    Value out = op.getDpsInits()[0];
    MLIRContext *context = op.getContext();
    AffineExpr m, n, k;
    bindDims(context, m, n, k);
    auto map = [&](AffineExpr first, AffineExpr second) {
      return AffineMap::get(3, 0, {first, second}, context);
    };
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    bool transposedRhs = maps[1] == map(n, k);
    if (maps[0] != map(m, k) || maps[2] != map(m, n) ||
        (!transposedRhs && maps[1] != map(k, n)))
      return rewriter.notifyMatchFailure(op, "expects A[m, k] and C[m, n]");
    if (!cast<MemRefType>(lhs.getType()).getElementType().isF32() ||
        !cast<MemRefType>(out.getType()).getElementType().isF32())
      return rewriter.notifyMatchFailure(op, "expects f32 A and C");

    // B: the collapsed buffer a tagged dequantize generic writes.
    auto collapse = rhs.getDefiningOp<memref::CollapseShapeOp>();
    if (!collapse)
      return rewriter.notifyMatchFailure(op, "B is no collapsed buffer");
    Value buffer = collapse.getSrc();
    linalg::GenericOp dequantize;
    for (Operation *user : buffer.getUsers())
      if (auto generic = dyn_cast<linalg::GenericOp>(user);
          generic && generic->hasAttr(kBlockDequantizeAttrName) &&
          generic.getDpsInits()[0] == buffer)
        dequantize = generic;
    if (!dequantize || !dequantize->isBeforeInBlock(op))
      return rewriter.notifyMatchFailure(op, "B is not block-dequantized");
    auto description =
        dequantize->getAttrOfType<DictionaryAttr>(kBlockDequantizeAttrName);
    auto format = description.getAs<BlockFormatAttr>("format");
    auto axis = description.getAs<IntegerAttr>("axis");
    auto tensorScale = description.getAs<FloatAttr>("tensor_scale");
    // Blocks must run along the product's reduction: B's rows, or its
    // columns when B is read transposed.
    if (!format || !axis || axis.getInt() != (transposedRhs ? 1 : 0))
      return rewriter.notifyMatchFailure(op, "blocks do not run along K");
    std::optional<SmallVector<uint8_t>> codes =
        getConstantBytes(op, dequantize.getDpsInputs()[0]);
    std::optional<SmallVector<uint8_t>> scales =
        getConstantBytes(op, dequantize.getDpsInputs()[1]);
    if (!codes || !scales)
      return rewriter.notifyMatchFailure(op, "codes or scales not constant");

    auto rhsType = cast<MemRefType>(rhs.getType());
    int64_t depth = rhsType.getDimSize(transposedRhs ? 1 : 0);
    int64_t columns = rhsType.getDimSize(transposedRhs ? 0 : 1);
    QuillBlockWeights weights = getKernelFormat(
        format.getValue(), tensorScale ? tensorScale.getValueAsDouble() : 1.0);
    int64_t blocks = depth / weights.blockSize;
    // Both are row-major in B's unsplit layout: [K, N] or [N, K].
    SmallVector<uint8_t> packed(
        quillBlockPackedBytes(&weights, depth, columns));
    quillBlockPack(&weights, codes->data(), transposedRhs ? 1 : columns,
                   transposedRhs ? depth : 1, scales->data(),
                   transposedRhs ? 1 : columns, transposedRhs ? blocks : 1,
                   depth, columns, packed.data());

    ModuleOp module = op->getParentOfType<ModuleOp>();
    auto codesGlobal =
        dequantize.getDpsInputs()[0].getDefiningOp<memref::GetGlobalOp>();
    std::string name = (codesGlobal.getName() + "_block_packed").str();
    auto packedType =
        RankedTensorType::get({int64_t(packed.size())}, rewriter.getI8Type());
    auto global = module.lookupSymbol<memref::GlobalOp>(name);
    if (!global) {
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointToStart(module.getBody());
      SmallVector<int8_t> signedBytes(packed.begin(), packed.end());
      global = memref::GlobalOp::create(
          rewriter, module.getLoc(), name, rewriter.getStringAttr("private"),
          MemRefType::get(packedType.getShape(), rewriter.getI8Type()),
          DenseElementsAttr::get(packedType, ArrayRef(signedBytes)),
          /*constant=*/true, rewriter.getI64IntegerAttr(64));
    }

    Location loc = op.getLoc();
    Value whole = memref::GetGlobalOp::create(rewriter, loc, global.getType(),
                                              global.getSymName());
    Value bytes = memref::CastOp::create(
        rewriter, loc,
        MemRefType::get({ShapedType::kDynamic}, rewriter.getI8Type()), whole);
    SmallVector<Value> arguments = {castToStridedMatrix(rewriter, loc, lhs),
                                    bytes,
                                    castToStridedMatrix(rewriter, loc, out)};
    for (int32_t value :
         {weights.codeBits, weights.exponentBits, weights.mantissaBits,
          weights.bias, weights.blockSize, weights.scaleKind})
      arguments.push_back(arith::ConstantOp::create(
          rewriter, loc, rewriter.getI32IntegerAttr(value)));
    arguments.push_back(arith::ConstantOp::create(
        rewriter, loc, rewriter.getF32FloatAttr(weights.scaleFactor)));
    func::FuncOp callee = module.lookupSymbol<func::FuncOp>("quill_block_gemm");
    if (!callee) {
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointToStart(module.getBody());
      callee = func::FuncOp::create(
          rewriter, module.getLoc(), "quill_block_gemm",
          rewriter.getFunctionType(ValueRange(arguments).getTypes(), {}));
      callee.setPrivate();
      callee->setAttr("llvm.emit_c_interface", rewriter.getUnitAttr());
    }
    func::CallOp::create(rewriter, loc, callee, arguments);
    rewriter.eraseOp(op);
    eraseUnreadDequantize(rewriter, collapse, dequantize, buffer);
    return success();
  }

  /// Erases the dequantize generic, its buffer and the buffer's view when
  /// nothing else reads them any more.
  static void eraseUnreadDequantize(PatternRewriter &rewriter,
                                    memref::CollapseShapeOp collapse,
                                    linalg::GenericOp dequantize,
                                    Value buffer) {
    if (!collapse->use_empty())
      return;
    for (Operation *user : buffer.getUsers())
      if (user != collapse && user != dequantize &&
          !isa<memref::DeallocOp>(user))
        return;
    rewriter.eraseOp(collapse);
    rewriter.eraseOp(dequantize);
    for (Operation *user : llvm::make_early_inc_range(buffer.getUsers()))
      rewriter.eraseOp(user);
    if (auto alloc = buffer.getDefiningOp<memref::AllocOp>())
      rewriter.eraseOp(alloc);
  }
};

} // namespace

void mlir::quill::populateBlockWeightGemmPatterns(RewritePatternSet &patterns) {
  patterns.add<BlockWeightMatmul>(patterns.getContext(), /*benefit=*/2);
}
