//===- Int8MatmulToDp4a.cpp - int8 products with PTX dp4a -----------------===//

#include "quill/Conversion/Passes.h"

#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::quill {
#define GEN_PASS_DEF_INT8MATMULTODP4APASS
#include "quill/Conversion/Passes.h.inc"
} // namespace mlir::quill

using namespace mlir;

namespace {

struct MatmulToDp4a : OpRewritePattern<linalg::MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::MatmulOp op,
                                PatternRewriter &rewriter) const override {
    // The plain (non-transposed) product on buffers.
    if (!op.hasPureBufferSemantics() ||
        op.getIndexingMapsArray() !=
            linalg::MatmulOp::getDefaultIndexingMaps(getContext()))
      return failure();
    Value lhs = op.getDpsInputOperand(0)->get();
    Value rhs = op.getDpsInputOperand(1)->get();
    Value out = op.getDpsInitOperand(0)->get();
    auto aType = cast<MemRefType>(lhs.getType());
    auto bType = cast<MemRefType>(rhs.getType());
    auto cType = cast<MemRefType>(out.getType());
    if (!aType.getElementType().isInteger(8) ||
        !bType.getElementType().isInteger(8) ||
        !cType.getElementType().isInteger(32) || !aType.hasStaticShape() ||
        aType.getDimSize(1) % 4 != 0)
      return failure();
    Location loc = op.getLoc();
    auto index = [&](int64_t value) -> Value {
      return arith::ConstantIndexOp::create(rewriter, loc, value);
    };
    Value zero = index(0), one = index(1), four = index(4);
    Value rows = index(cType.getDimSize(0)),
          columns = index(cType.getDimSize(1));
    Value depth = index(aType.getDimSize(1));
    auto bytes = VectorType::get({4}, rewriter.getI8Type());
    auto signedBytes = NVVM::DotAccumulateTypeAttr::get(
        rewriter.getContext(), NVVM::DotAccumulateType::SIGNED);
    scf::ParallelOp::create(
        rewriter, loc, ValueRange{zero, zero}, ValueRange{rows, columns},
        ValueRange{one, one}, [&](OpBuilder &b, Location l, ValueRange ivs) {
          Value m = ivs[0], n = ivs[1];
          Value init = memref::LoadOp::create(b, l, out, ValueRange{m, n});
          auto loop = scf::ForOp::create(
              b, l, zero, depth, four, ValueRange{init},
              [&](OpBuilder &nb, Location nl, Value k, ValueRange acc) {
                // Four bytes of A's row, contiguous; four of B's column.
                Value aBytes = vector::LoadOp::create(nb, nl, bytes, lhs,
                                                      ValueRange{m, k});
                SmallVector<Value> bElements;
                for (int64_t i = 0; i < 4; ++i) {
                  Value row = arith::AddIOp::create(
                      nb, nl, k, arith::ConstantIndexOp::create(nb, nl, i));
                  bElements.push_back(
                      memref::LoadOp::create(nb, nl, rhs, ValueRange{row, n}));
                }
                Value bBytes =
                    vector::FromElementsOp::create(nb, nl, bytes, bElements);
                Value sum = NVVM::DotAccumulate4WayOp::create(
                    nb, nl, nb.getI32Type(), aBytes, signedBytes, bBytes,
                    signedBytes, acc[0]);
                scf::YieldOp::create(nb, nl, sum);
              });
          memref::StoreOp::create(b, l, loop.getResult(0), out,
                                  ValueRange{m, n});
          scf::ReduceOp::create(b, l);
        });
    rewriter.eraseOp(op);
    return success();
  }
};

struct Int8MatmulToDp4aPass
    : quill::impl::Int8MatmulToDp4aPassBase<Int8MatmulToDp4aPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<MatmulToDp4a>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
