//===- LinalgToMicrokernels.cpp - matmuls to Quill's packed GEMMs ---------===//
//
// Upstream MLIR 22 tiles and vectorizes a matmul but has no packing
// schedule, so large products stay far below the FMA peak, and int8 products
// never reach VNNI's byte dot products; Quill's runtime carries BLIS-style
// packed kernels (lib/Runtime/Kernels/Sgemm.c for f32, Igemm.c for int8 x
// int8 -> int32) and this pass calls them. Operands are passed as strided
// memrefs, so transposed operands need no copy: the kernels' packing reads
// any strides. A constant int8 B (weights) is packed here, at compile time,
// into the layout the int8 kernel reads (quill/Runtime/IgemmLayout.h), so
// that the model does not repack its weights on every call.
//
//===----------------------------------------------------------------------===//

#include "quill/Conversion/Passes.h"
#include "quill/Runtime/IgemmLayout.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::quill {
#define GEN_PASS_DEF_LINALGTOMICROKERNELSPASS
#include "quill/Conversion/Passes.h.inc"
} // namespace mlir::quill

using namespace mlir;
using namespace mlir::quill;

/// A runtime GEMM: its name and the element types it multiplies.
struct Microkernel {
  StringLiteral name;
  Type operandType;
  Type resultType;
};

/// `memref<?x?xT, strided<[?, ?], offset: ?>>`: the kernels' one signature
/// for every matrix.
static MemRefType getStridedMatrixType(Type elementType) {
  MLIRContext *context = elementType.getContext();
  auto layout =
      StridedLayoutAttr::get(context, ShapedType::kDynamic,
                             {ShapedType::kDynamic, ShapedType::kDynamic});
  return MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic},
                         elementType, layout);
}

/// The kernel for a product of `lhs` and `rhs` into `out` memrefs of rank
/// `rank`: f32 x f32 -> f32, or int8 x int8 -> int32 with signed operands.
static std::optional<Microkernel> selectMicrokernel(Value lhs, Value rhs,
                                                    Value out, int64_t rank,
                                                    bool signedCast) {
  auto elementOf = [&](Value value) -> Type {
    auto type = dyn_cast<MemRefType>(value.getType());
    return type && type.getRank() == rank ? type.getElementType() : Type();
  };
  Type lhsType = elementOf(lhs), rhsType = elementOf(rhs),
       outType = elementOf(out);
  if (!lhsType || lhsType != rhsType || !outType)
    return std::nullopt;
  if (lhsType.isF32() && outType.isF32())
    return Microkernel{"quill_sgemm", lhsType, outType};
  if (signedCast && lhsType.isInteger(8) && outType.isInteger(32))
    return Microkernel{"quill_igemm_s8", lhsType, outType};
  return std::nullopt;
}

static func::FuncOp getOrDeclare(ModuleOp module, StringRef name,
                                 TypeRange argumentTypes) {
  if (auto existing = module.lookupSymbol<func::FuncOp>(name))
    return existing;
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  auto callee = func::FuncOp::create(b, module.getLoc(), name,
                                     b.getFunctionType(argumentTypes, {}));
  callee.setPrivate();
  // Called as _mlir_ciface_<name>(descriptor *, ...).
  callee->setAttr("llvm.emit_c_interface", b.getUnitAttr());
  return callee;
}

static Value transposeMatrix(OpBuilder &b, Location loc, Value matrix) {
  AffineMap swap =
      AffineMap::getPermutationMap(ArrayRef<unsigned>{1, 0}, b.getContext());
  return memref::TransposeOp::create(b, loc, matrix, AffineMapAttr::get(swap));
}

static Value castToStridedMatrix(OpBuilder &b, Location loc, Value matrix) {
  Type element = cast<MemRefType>(matrix.getType()).getElementType();
  return memref::CastOp::create(b, loc, getStridedMatrixType(element), matrix);
}

/// Emits `C += A * B` on 2-d views, transposing A and B views as told.
static void emitGemmCall(OpBuilder &b, Location loc, ModuleOp module,
                         const Microkernel &kernel, Value lhs,
                         bool transposeLhs, Value rhs, bool transposeRhs,
                         Value out) {
  if (transposeLhs)
    lhs = transposeMatrix(b, loc, lhs);
  if (transposeRhs)
    rhs = transposeMatrix(b, loc, rhs);
  MemRefType operand = getStridedMatrixType(kernel.operandType);
  MemRefType result = getStridedMatrixType(kernel.resultType);
  func::CallOp::create(
      b, loc, getOrDeclare(module, kernel.name, {operand, operand, result}),
      ValueRange{castToStridedMatrix(b, loc, lhs),
                 castToStridedMatrix(b, loc, rhs),
                 castToStridedMatrix(b, loc, out)});
}

/// The int8 values of a constant global that `value` reads, if it does.
static std::optional<SmallVector<int8_t>> getConstantBytes(Operation *user,
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
  return llvm::to_vector(values.getValues<int8_t>());
}

/// A private constant global holding `values`, created once per name.
static memref::GlobalOp getOrCreateConstantGlobal(ModuleOp module,
                                                  StringRef name,
                                                  DenseElementsAttr values) {
  if (auto existing = module.lookupSymbol<memref::GlobalOp>(name))
    return existing;
  auto tensorType = cast<RankedTensorType>(values.getType());
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  return memref::GlobalOp::create(
      b, module.getLoc(), name, b.getStringAttr("private"),
      MemRefType::get(tensorType.getShape(), tensorType.getElementType()),
      values, /*constant=*/true, b.getI64IntegerAttr(64));
}

/// Emits `C += A * B` for a constant int8 B (the global `weights` reads,
/// [K, N], or [N, K] when transposed): B is packed here, at compile time,
/// into two new globals, its panels and their corrections.
static void emitPackedIgemmCall(OpBuilder &b, Location loc, ModuleOp module,
                                Value lhs, bool transposeLhs,
                                memref::GetGlobalOp weights,
                                ArrayRef<int8_t> bytes, bool transposeRhs,
                                Value out) {
  auto weightType = cast<MemRefType>(weights.getType());
  int64_t depth = weightType.getDimSize(transposeRhs ? 1 : 0);
  int64_t columns = weightType.getDimSize(transposeRhs ? 0 : 1);
  int64_t rowStride = transposeRhs ? 1 : columns;
  int64_t colStride = transposeRhs ? depth : 1;
  SmallVector<int8_t> packed(quillIgemmPackedBytes(depth, columns));
  SmallVector<int32_t> correction(columns);
  quillIgemmPackB(bytes.data(), rowStride, colStride, depth, columns,
                  packed.data(), correction.data());

  std::string name =
      (weights.getName() + (transposeRhs ? "_igemm_packed_t" : "_igemm_packed"))
          .str();
  auto packedType =
      RankedTensorType::get({(int64_t)packed.size()}, b.getI8Type());
  auto correctionType = RankedTensorType::get({columns}, b.getI32Type());
  memref::GlobalOp packedGlobal = getOrCreateConstantGlobal(
      module, name, DenseElementsAttr::get(packedType, ArrayRef(packed)));
  memref::GlobalOp correctionGlobal = getOrCreateConstantGlobal(
      module, name + "_correction",
      DenseElementsAttr::get(correctionType, ArrayRef(correction)));

  auto readGlobal = [&](memref::GlobalOp global) -> Value {
    Value whole = memref::GetGlobalOp::create(b, loc, global.getType(),
                                              global.getSymName());
    auto vectorType = MemRefType::get({ShapedType::kDynamic},
                                      global.getType().getElementType());
    return memref::CastOp::create(b, loc, vectorType, whole);
  };
  if (transposeLhs)
    lhs = transposeMatrix(b, loc, lhs);
  Value packedB = readGlobal(packedGlobal);
  Value corrections = readGlobal(correctionGlobal);
  func::FuncOp callee = getOrDeclare(module, "quill_igemm_s8_packed",
                                     {getStridedMatrixType(b.getI8Type()),
                                      packedB.getType(), corrections.getType(),
                                      getStridedMatrixType(b.getI32Type())});
  func::CallOp::create(b, loc, callee,
                       ValueRange{castToStridedMatrix(b, loc, lhs), packedB,
                                  corrections,
                                  castToStridedMatrix(b, loc, out)});
}

namespace {

/// linalg.matmul, with or without transposed operand maps.
struct MatmulToGemm : OpRewritePattern<linalg::MatmulOp> {
  MatmulToGemm(MLIRContext *context, int64_t minFlops, bool packConstants)
      : OpRewritePattern(context), minFlops(minFlops),
        packConstants(packConstants) {}

  LogicalResult matchAndRewrite(linalg::MatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureBufferSemantics())
      return failure();
    Value lhs = op.getDpsInputs()[0], rhs = op.getDpsInputs()[1];
    Value out = op.getDpsInits()[0];
    std::optional<Microkernel> kernel = selectMicrokernel(
        lhs, rhs, out, 2, op.getCast() == linalg::TypeFn::cast_signed);
    if (!kernel)
      return failure();
    MLIRContext *context = getContext();
    AffineExpr m, n, k;
    bindDims(context, m, n, k);
    auto map = [&](AffineExpr first, AffineExpr second) {
      return AffineMap::get(3, 0, {first, second}, context);
    };
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    if (maps[2] != map(m, n))
      return failure();
    bool transposeLhs = maps[0] == map(k, m);
    bool transposeRhs = maps[1] == map(n, k);
    if ((!transposeLhs && maps[0] != map(m, k)) ||
        (!transposeRhs && maps[1] != map(k, n)))
      return failure();
    auto outType = cast<MemRefType>(out.getType());
    int64_t depth =
        cast<MemRefType>(lhs.getType()).getDimSize(transposeLhs ? 0 : 1);
    if (outType.getNumElements() * depth < minFlops)
      return failure();
    ModuleOp module = op->getParentOfType<ModuleOp>();
    std::optional<SmallVector<int8_t>> constantBytes;
    if (packConstants && kernel->operandType.isInteger(8))
      constantBytes = getConstantBytes(op, rhs);
    if (constantBytes)
      emitPackedIgemmCall(rewriter, op.getLoc(), module, lhs, transposeLhs,
                          rhs.getDefiningOp<memref::GetGlobalOp>(),
                          *constantBytes, transposeRhs, out);
    else
      emitGemmCall(rewriter, op.getLoc(), module, *kernel, lhs, transposeLhs,
                   rhs, transposeRhs, out);
    rewriter.eraseOp(op);
    return success();
  }

  int64_t minFlops;
  bool packConstants;
};

/// linalg.batch_matmul: one kernel call per matrix of the batch.
struct BatchMatmulToGemm : OpRewritePattern<linalg::BatchMatmulOp> {
  BatchMatmulToGemm(MLIRContext *context, int64_t minFlops)
      : OpRewritePattern(context), minFlops(minFlops) {}

  LogicalResult matchAndRewrite(linalg::BatchMatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureBufferSemantics() ||
        !llvm::equal(op.getIndexingMapsArray(),
                     op.getDefaultIndexingMaps(getContext())))
      return failure();
    Value lhs = op.getDpsInputs()[0], rhs = op.getDpsInputs()[1];
    Value out = op.getDpsInits()[0];
    std::optional<Microkernel> kernel = selectMicrokernel(
        lhs, rhs, out, 3, op.getCast() == linalg::TypeFn::cast_signed);
    if (!kernel)
      return failure();
    auto outType = cast<MemRefType>(out.getType());
    auto lhsType = cast<MemRefType>(lhs.getType());
    if (outType.getDimSize(1) * outType.getDimSize(2) * lhsType.getDimSize(2) <
        minFlops)
      return failure();
    Location loc = op.getLoc();
    ModuleOp module = op->getParentOfType<ModuleOp>();
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    Value batch =
        arith::ConstantIndexOp::create(rewriter, loc, outType.getDimSize(0));
    auto loop = scf::ForOp::create(rewriter, loc, zero, batch, one);
    rewriter.setInsertionPointToStart(loop.getBody());
    Value index = loop.getInductionVar();
    auto matrixOf = [&](Value value) -> Value {
      auto type = cast<MemRefType>(value.getType());
      SmallVector<OpFoldResult> offsets = {index, rewriter.getIndexAttr(0),
                                           rewriter.getIndexAttr(0)};
      SmallVector<OpFoldResult> sizes = {
          rewriter.getIndexAttr(1), rewriter.getIndexAttr(type.getDimSize(1)),
          rewriter.getIndexAttr(type.getDimSize(2))};
      SmallVector<OpFoldResult> strides(3, rewriter.getIndexAttr(1));
      auto resultType = memref::SubViewOp::inferRankReducedResultType(
          {type.getDimSize(1), type.getDimSize(2)}, type, offsets, sizes,
          strides);
      return memref::SubViewOp::create(rewriter, loc,
                                       cast<MemRefType>(resultType), value,
                                       offsets, sizes, strides);
    };
    emitGemmCall(rewriter, loc, module, *kernel, matrixOf(lhs), false,
                 matrixOf(rhs), false, matrixOf(out));
    rewriter.eraseOp(op);
    return success();
  }

  int64_t minFlops;
};

struct LinalgToMicrokernelsPass
    : quill::impl::LinalgToMicrokernelsPassBase<LinalgToMicrokernelsPass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<MatmulToGemm>(&getContext(), minFlops, packConstantWeights);
    patterns.add<BatchMatmulToGemm>(&getContext(), minFlops);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
