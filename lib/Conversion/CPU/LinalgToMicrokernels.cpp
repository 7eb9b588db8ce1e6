//===- LinalgToMicrokernels.cpp - f32 matmuls to Quill's packed GEMM ------===//
//
// Upstream MLIR 22 tiles and vectorizes a matmul but has no packing
// schedule, so large products stay far below the FMA peak; Quill's runtime
// carries a BLIS-style packed kernel (lib/Runtime/Kernels/Sgemm.c) and this
// pass calls it. Operands are passed as strided memrefs, so transposed
// operands need no copy: the kernel's packing reads any strides.
//
//===----------------------------------------------------------------------===//

#include "quill/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::quill {
#define GEN_PASS_DEF_LINALGTOMICROKERNELSPASS
#include "quill/Conversion/Passes.h.inc"
} // namespace mlir::quill

using namespace mlir;
using namespace mlir::quill;

static constexpr StringLiteral kSgemmName = "quill_sgemm";

/// `memref<?x?xf32, strided<[?, ?], offset: ?>>`: the kernel's one
/// signature for every matrix.
static MemRefType getStridedMatrixType(MLIRContext *context) {
  auto layout =
      StridedLayoutAttr::get(context, ShapedType::kDynamic,
                             {ShapedType::kDynamic, ShapedType::kDynamic});
  return MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic},
                         Float32Type::get(context), layout);
}

static func::FuncOp getOrDeclareSgemm(ModuleOp module) {
  if (auto existing = module.lookupSymbol<func::FuncOp>(kSgemmName))
    return existing;
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  MemRefType matrix = getStridedMatrixType(module.getContext());
  auto callee =
      func::FuncOp::create(b, module.getLoc(), kSgemmName,
                           b.getFunctionType({matrix, matrix, matrix}, {}));
  callee.setPrivate();
  // Called as _mlir_ciface_quill_sgemm(descriptor *A, *B, *C).
  callee->setAttr("llvm.emit_c_interface", b.getUnitAttr());
  return callee;
}

static bool isF32Memref(Value value, int64_t rank) {
  auto type = dyn_cast<MemRefType>(value.getType());
  return type && type.getRank() == rank && type.getElementType().isF32();
}

/// Emits `C += A * B` on 2-d views, transposing A and B views as told.
static void emitSgemmCall(OpBuilder &b, Location loc, ModuleOp module,
                          Value lhs, bool transposeLhs, Value rhs,
                          bool transposeRhs, Value out) {
  MLIRContext *context = b.getContext();
  auto transpose = [&](Value matrix) -> Value {
    AffineMap swap =
        AffineMap::getPermutationMap(ArrayRef<unsigned>{1, 0}, context);
    return memref::TransposeOp::create(b, loc, matrix,
                                       AffineMapAttr::get(swap));
  };
  if (transposeLhs)
    lhs = transpose(lhs);
  if (transposeRhs)
    rhs = transpose(rhs);
  MemRefType matrix = getStridedMatrixType(context);
  auto toStrided = [&](Value value) -> Value {
    return memref::CastOp::create(b, loc, matrix, value);
  };
  func::CallOp::create(
      b, loc, getOrDeclareSgemm(module),
      ValueRange{toStrided(lhs), toStrided(rhs), toStrided(out)});
}

namespace {

/// linalg.matmul, with or without transposed operand maps.
struct MatmulToSgemm : OpRewritePattern<linalg::MatmulOp> {
  MatmulToSgemm(MLIRContext *context, int64_t minFlops)
      : OpRewritePattern(context), minFlops(minFlops) {}

  LogicalResult matchAndRewrite(linalg::MatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureBufferSemantics())
      return failure();
    Value lhs = op.getDpsInputs()[0], rhs = op.getDpsInputs()[1];
    Value out = op.getDpsInits()[0];
    if (!isF32Memref(lhs, 2) || !isF32Memref(rhs, 2) || !isF32Memref(out, 2))
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
    emitSgemmCall(rewriter, op.getLoc(), op->getParentOfType<ModuleOp>(), lhs,
                  transposeLhs, rhs, transposeRhs, out);
    rewriter.eraseOp(op);
    return success();
  }

  int64_t minFlops;
};

/// linalg.batch_matmul: one kernel call per matrix of the batch.
struct BatchMatmulToSgemm : OpRewritePattern<linalg::BatchMatmulOp> {
  BatchMatmulToSgemm(MLIRContext *context, int64_t minFlops)
      : OpRewritePattern(context), minFlops(minFlops) {}

  LogicalResult matchAndRewrite(linalg::BatchMatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureBufferSemantics() ||
        !llvm::equal(op.getIndexingMapsArray(),
                     op.getDefaultIndexingMaps(getContext())))
      return failure();
    Value lhs = op.getDpsInputs()[0], rhs = op.getDpsInputs()[1];
    Value out = op.getDpsInits()[0];
    if (!isF32Memref(lhs, 3) || !isF32Memref(rhs, 3) || !isF32Memref(out, 3))
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
    emitSgemmCall(rewriter, loc, module, matrixOf(lhs), false, matrixOf(rhs),
                  false, matrixOf(out));
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
    patterns.add<MatmulToSgemm, BatchMatmulToSgemm>(&getContext(), minFlops);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
