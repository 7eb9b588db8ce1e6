//===- MatmulToGPULoops.cpp - Products as register-accumulating loops -----===//

#include "quill/Conversion/Passes.h"

#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::quill {
#define GEN_PASS_DEF_MATMULTOGPULOOPSPASS
#include "quill/Conversion/Passes.h.inc"
} // namespace mlir::quill

using namespace mlir;

namespace {

/// How one step of the reduction multiplies and accumulates.
enum class Step {
  /// acc + a * b in the accumulator's type (operands extended or cast).
  Scalar,
  /// dp4a: four int8 of A's row times four of B's column, one instruction.
  Dp4a,
};

/// The loop nest of a plain (batch_)matmul `C += A B` on buffers: one
/// parallel iteration per output element, whose reduction runs in a
/// register (the accumulator) and stores once.
struct ProductLoops {
  Value lhs, rhs, out;
  bool unsignedCast;
  Step step;

  void build(PatternRewriter &rewriter, Location loc) const {
    auto outType = cast<MemRefType>(out.getType());
    auto lhsType = cast<MemRefType>(lhs.getType());
    unsigned rank = outType.getRank();
    auto index = [&](int64_t value) -> Value {
      return arith::ConstantIndexOp::create(rewriter, loc, value);
    };
    Value zero = index(0), one = index(1);
    SmallVector<Value> lower(rank, zero), steps(rank, one), upper;
    for (int64_t size : outType.getShape())
      upper.push_back(index(size));
    Value depth = index(lhsType.getDimSize(rank - 1));
    Value kStep = index(step == Step::Dp4a ? 4 : 1);
    scf::ParallelOp::create(
        rewriter, loc, lower, upper, steps,
        [&](OpBuilder &b, Location l, ValueRange ivs) {
          Value init = memref::LoadOp::create(b, l, out, ivs);
          auto loop = scf::ForOp::create(
              b, l, zero, depth, kStep, ValueRange{init},
              [&](OpBuilder &nb, Location nl, Value k, ValueRange acc) {
                scf::YieldOp::create(nb, nl,
                                     accumulate(nb, nl, ivs, k, acc.front()));
              });
          memref::StoreOp::create(b, l, loop.getResult(0), out, ivs);
          scf::ReduceOp::create(b, l);
        });
  }

private:
  /// A[batch..., m, k] and B[batch..., k + offset, n] indices.
  SmallVector<Value> lhsIndices(ValueRange ivs, Value k) const {
    SmallVector<Value> indices(ivs.drop_back());
    indices.push_back(k);
    return indices;
  }
  SmallVector<Value> rhsIndices(ValueRange ivs, Value k) const {
    SmallVector<Value> indices(ivs.drop_back(2));
    indices.push_back(k);
    indices.push_back(ivs.back());
    return indices;
  }

  Value extend(OpBuilder &b, Location loc, Value value, Type type) const {
    if (value.getType() == type)
      return value;
    if (isa<FloatType>(type))
      return arith::ExtFOp::create(b, loc, type, value);
    if (unsignedCast)
      return arith::ExtUIOp::create(b, loc, type, value);
    return arith::ExtSIOp::create(b, loc, type, value);
  }

  Value accumulate(OpBuilder &b, Location loc, ValueRange ivs, Value k,
                   Value acc) const {
    if (step == Step::Dp4a) {
      // Four bytes of A's row, contiguous; four of B's column.
      auto bytes = VectorType::get({4}, b.getI8Type());
      Value aBytes =
          vector::LoadOp::create(b, loc, bytes, lhs, lhsIndices(ivs, k));
      SmallVector<Value> bElements;
      for (int64_t i = 0; i < 4; ++i) {
        Value row = arith::AddIOp::create(
            b, loc, k, arith::ConstantIndexOp::create(b, loc, i));
        bElements.push_back(
            memref::LoadOp::create(b, loc, rhs, rhsIndices(ivs, row)));
      }
      Value bBytes = vector::FromElementsOp::create(b, loc, bytes, bElements);
      auto signedBytes = NVVM::DotAccumulateTypeAttr::get(
          b.getContext(), NVVM::DotAccumulateType::SIGNED);
      return NVVM::DotAccumulate4WayOp::create(b, loc, b.getI32Type(), aBytes,
                                               signedBytes, bBytes, signedBytes,
                                               acc);
    }
    Type type = acc.getType();
    Value a = extend(
        b, loc, memref::LoadOp::create(b, loc, lhs, lhsIndices(ivs, k)), type);
    Value c = extend(
        b, loc, memref::LoadOp::create(b, loc, rhs, rhsIndices(ivs, k)), type);
    if (isa<FloatType>(type))
      return arith::AddFOp::create(b, loc, acc,
                                   arith::MulFOp::create(b, loc, a, c));
    return arith::AddIOp::create(b, loc, acc,
                                 arith::MulIOp::create(b, loc, a, c));
  }
};

/// Element types the loops compute in: floats extended to the result's
/// float type, integers to the result's integer type.
bool haveSupportedTypes(Type lhs, Type rhs, Type out) {
  auto fits = [&](Type operand) {
    if (isa<FloatType>(out))
      return isa<FloatType>(operand) &&
             operand.getIntOrFloatBitWidth() <= out.getIntOrFloatBitWidth();
    return out.isSignlessInteger() && operand.isSignlessInteger() &&
           operand.getIntOrFloatBitWidth() <= out.getIntOrFloatBitWidth();
  };
  return fits(lhs) && fits(rhs);
}

template <typename ProductOp>
struct ProductToLoops : OpRewritePattern<ProductOp> {
  using OpRewritePattern<ProductOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(ProductOp op,
                                PatternRewriter &rewriter) const override {
    // The plain (non-transposed) product on buffers of static shapes.
    if (!op.hasPureBufferSemantics() ||
        op.getIndexingMapsArray() !=
            ProductOp::getDefaultIndexingMaps(op.getContext()))
      return failure();
    ProductLoops loops;
    loops.lhs = op.getDpsInputOperand(0)->get();
    loops.rhs = op.getDpsInputOperand(1)->get();
    loops.out = op.getDpsInitOperand(0)->get();
    loops.unsignedCast = op.getCast() == linalg::TypeFn::cast_unsigned;
    auto lhsType = cast<MemRefType>(loops.lhs.getType());
    auto rhsType = cast<MemRefType>(loops.rhs.getType());
    auto outType = cast<MemRefType>(loops.out.getType());
    if (!lhsType.hasStaticShape() || !rhsType.hasStaticShape() ||
        !outType.hasStaticShape())
      return failure();
    Type lhsElement = lhsType.getElementType();
    Type rhsElement = rhsType.getElementType();
    Type outElement = outType.getElementType();
    if (!haveSupportedTypes(lhsElement, rhsElement, outElement))
      return failure();
    bool dp4a = !loops.unsignedCast && lhsElement.isInteger(8) &&
                rhsElement.isInteger(8) && outElement.isInteger(32) &&
                lhsType.getShape().back() % 4 == 0;
    loops.step = dp4a ? Step::Dp4a : Step::Scalar;
    loops.build(rewriter, op.getLoc());
    rewriter.eraseOp(op);
    return success();
  }
};

struct MatmulToGPULoopsPass
    : quill::impl::MatmulToGPULoopsPassBase<MatmulToGPULoopsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ProductToLoops<linalg::MatmulOp>,
                 ProductToLoops<linalg::BatchMatmulOp>>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
