//===- MatmulToGPULoops.cpp - Products as register-accumulating loops -----===//

#include "quill/Conversion/Passes.h"

#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
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

/// What surrounds a product's accumulator buffer: the fill that zeroes it
/// before the product, and the elementwise generic that reads it (with the
/// identity map) right after.
struct Epilogue {
  linalg::FillOp fill;
  linalg::GenericOp generic;
  OpOperand *accumulator; // the generic's input that reads the product
};

/// Indices of `map` (a projected permutation) at the iteration `ivs`.
SmallVector<Value> applyPermutation(AffineMap map, ValueRange ivs) {
  SmallVector<Value> indices;
  for (AffineExpr result : map.getResults())
    indices.push_back(ivs[cast<AffineDimExpr>(result).getPosition()]);
  return indices;
}

/// The loop nest of a plain (batch_)matmul `C += A B` on buffers: one
/// parallel iteration per `tileRows` x 1 block of output elements, whose
/// reductions run in registers (the accumulators; B's element is loaded
/// once for the block's rows) and store once each: into C, or, with an
/// epilogue, through the epilogue's body into its output (the fill's value
/// is then the accumulators' start, and C is never touched).
struct ProductLoops {
  Value lhs, rhs, out;
  bool unsignedCast;
  Step step;
  int64_t tileRows;
  std::optional<Epilogue> epilogue;

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
    steps[rank - 2] = index(tileRows);
    Value depth = index(lhsType.getDimSize(rank - 1));
    Value kStep = index(step == Step::Dp4a ? 4 : 1);
    scf::ParallelOp::create(
        rewriter, loc, lower, upper, steps,
        [&](OpBuilder &b, Location l, ValueRange ivs) {
          // The iteration of each row of the block.
          SmallVector<SmallVector<Value>> rows;
          for (int64_t row = 0; row < tileRows; ++row) {
            SmallVector<Value> rowIvs(ivs);
            if (row)
              rowIvs[rank - 2] = arith::AddIOp::create(
                  b, l, ivs[rank - 2],
                  arith::ConstantIndexOp::create(b, l, row));
            rows.push_back(rowIvs);
          }
          SmallVector<Value> inits;
          for (ArrayRef<Value> rowIvs : rows)
            inits.push_back(epilogue
                                ? linalg::FillOp(epilogue->fill).value()
                                : memref::LoadOp::create(b, l, out, rowIvs));
          auto loop = scf::ForOp::create(
              b, l, zero, depth, kStep, inits,
              [&](OpBuilder &nb, Location nl, Value k, ValueRange accs) {
                Value column = loadRhs(nb, nl, ivs, k, accs.front().getType());
                SmallVector<Value> sums;
                for (auto [rowIvs, acc] : llvm::zip(rows, accs))
                  sums.push_back(accumulate(nb, nl, rowIvs, k, column, acc));
                scf::YieldOp::create(nb, nl, sums);
              });
          for (auto [rowIvs, sum] : llvm::zip(rows, loop.getResults())) {
            if (epilogue)
              applyEpilogue(b, l, rowIvs, sum);
            else
              memref::StoreOp::create(b, l, sum, out, rowIvs);
          }
          scf::ReduceOp::create(b, l);
        });
  }

private:
  /// The epilogue's body at `ivs`, reading `accumulator` for the product.
  void applyEpilogue(OpBuilder &b, Location loc, ValueRange ivs,
                     Value accumulator) const {
    linalg::GenericOp generic = epilogue->generic;
    IRMapping mapping;
    for (OpOperand &operand : generic->getOpOperands()) {
      BlockArgument argument = generic.getMatchingBlockArgument(&operand);
      if (&operand == epilogue->accumulator) {
        mapping.map(argument, accumulator);
        continue;
      }
      if (argument.use_empty())
        continue;
      SmallVector<Value> indices =
          applyPermutation(generic.getMatchingIndexingMap(&operand), ivs);
      mapping.map(argument,
                  memref::LoadOp::create(b, loc, operand.get(), indices));
    }
    Block *body = generic.getBody();
    for (Operation &op : body->without_terminator())
      b.clone(op, mapping);
    OpOperand *output = generic.getDpsInitOperand(0);
    Value result = mapping.lookupOrDefault(
        cast<linalg::YieldOp>(body->getTerminator()).getOperand(0));
    memref::StoreOp::create(
        b, loc, result, output->get(),
        applyPermutation(generic.getMatchingIndexingMap(output), ivs));
  }

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

  /// B's part of a step, shared by the block's rows: its element at
  /// (k, n) in the accumulator's type, or for dp4a the four bytes of its
  /// column from k on.
  Value loadRhs(OpBuilder &b, Location loc, ValueRange ivs, Value k,
                Type accumulatorType) const {
    if (step == Step::Scalar)
      return extend(b, loc,
                    memref::LoadOp::create(b, loc, rhs, rhsIndices(ivs, k)),
                    accumulatorType);
    SmallVector<Value> bytes;
    for (int64_t i = 0; i < 4; ++i) {
      Value row = arith::AddIOp::create(
          b, loc, k, arith::ConstantIndexOp::create(b, loc, i));
      bytes.push_back(
          memref::LoadOp::create(b, loc, rhs, rhsIndices(ivs, row)));
    }
    return vector::FromElementsOp::create(
        b, loc, VectorType::get({4}, b.getI8Type()), bytes);
  }

  /// One step of the row at `ivs`: acc + A(m, k) * B(k, n), or for dp4a
  /// the four bytes of A's row from k on (one load) dotted with B's.
  Value accumulate(OpBuilder &b, Location loc, ValueRange ivs, Value k,
                   Value column, Value acc) const {
    if (step == Step::Dp4a) {
      Value aBytes = vector::LoadOp::create(
          b, loc, VectorType::get({4}, b.getI8Type()), lhs, lhsIndices(ivs, k));
      auto signedBytes = NVVM::DotAccumulateTypeAttr::get(
          b.getContext(), NVVM::DotAccumulateType::SIGNED);
      return NVVM::DotAccumulate4WayOp::create(b, loc, b.getI32Type(), aBytes,
                                               signedBytes, column, signedBytes,
                                               acc);
    }
    Type type = acc.getType();
    Value a = extend(
        b, loc, memref::LoadOp::create(b, loc, lhs, lhsIndices(ivs, k)), type);
    if (isa<FloatType>(type))
      return arith::AddFOp::create(b, loc, acc,
                                   arith::MulFOp::create(b, loc, a, column));
    return arith::AddIOp::create(b, loc, acc,
                                 arith::MulIOp::create(b, loc, a, column));
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

/// The buffer `value` is a view of (through collapse_shape, subview ...).
Value getRootBuffer(Value value) {
  while (auto view = value.getDefiningOp<ViewLikeOpInterface>())
    value = view.getViewSource();
  return value;
}

/// The nearest op before (or after) `op` in its block that may touch
/// memory.
Operation *getNeighbourWithMemoryEffects(Operation *op, bool before) {
  for (Operation *next = before ? op->getPrevNode() : op->getNextNode(); next;
       next = before ? next->getPrevNode() : next->getNextNode())
    if (!isMemoryEffectFree(next))
      return next;
  return nullptr;
}

/// The epilogue of `product`, which accumulates into `accumulator`: fused
/// when the op touching memory just before the product fills the buffer,
/// the one just after is an elementwise generic that reads it (identity
/// map, projected permutations elsewhere, no other operand a view of it,
/// its output not a view of the product's inputs), and the generic either
/// writes its result back into the buffer or the buffer has no other use
/// (it is then a temporary that goes away).
std::optional<Epilogue> findEpilogue(Operation *product, Value accumulator) {
  auto fill = dyn_cast_or_null<linalg::FillOp>(
      getNeighbourWithMemoryEffects(product, /*before=*/true));
  auto generic = dyn_cast_or_null<linalg::GenericOp>(
      getNeighbourWithMemoryEffects(product, /*before=*/false));
  if (!fill || fill.getOutputs().front() != accumulator || !generic ||
      generic.getNumDpsInits() != 1 || !generic.hasPureBufferSemantics() ||
      generic.getNumParallelLoops() != generic.getNumLoops() ||
      !llvm::all_of(generic.getIndexingMapsArray(), [](AffineMap map) {
        return map.isProjectedPermutation(/*allowZeroInResults=*/false);
      }))
    return std::nullopt;
  Epilogue epilogue{fill, generic, nullptr};
  Value root = getRootBuffer(accumulator);
  OpOperand *output = generic.getDpsInitOperand(0);
  for (OpOperand &operand : generic->getOpOperands()) {
    bool isIdentity = generic.getMatchingIndexingMap(&operand).isIdentity();
    if (operand.get() == accumulator && isIdentity &&
        generic.isDpsInput(&operand) && !epilogue.accumulator) {
      epilogue.accumulator = &operand;
      continue;
    }
    if (&operand == output && operand.get() == accumulator && isIdentity)
      continue;
    if (getRootBuffer(operand.get()) == root)
      return std::nullopt;
  }
  if (!epilogue.accumulator)
    return std::nullopt;
  // Fused, a thread writes its output element while others still read A
  // and B.
  Value outputRoot = getRootBuffer(output->get());
  for (Value input : cast<DestinationStyleOpInterface>(product).getDpsInputs())
    if (getRootBuffer(input) == outputRoot)
      return std::nullopt;
  bool inPlace = output->get() == accumulator;
  bool temporary = accumulator.getDefiningOp<memref::AllocOp>() &&
                   llvm::all_of(accumulator.getUsers(), [&](Operation *user) {
                     return user == product || user == fill ||
                            user == generic || isa<memref::DeallocOp>(user);
                   });
  if (!inPlace && !temporary)
    return std::nullopt;
  return epilogue;
}

/// Rows per thread of products with at least kMinRowsToTile rows.
constexpr int64_t kTileRows = 4;
constexpr int64_t kMinRowsToTile = 64;

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
    // Tall products give each thread four rows: B's element is loaded once
    // for all four. Short ones keep a thread per element, for parallelism.
    int64_t rows = outType.getDimSize(outType.getRank() - 2);
    loops.tileRows =
        rows % kTileRows == 0 && rows >= kMinRowsToTile ? kTileRows : 1;
    loops.epilogue = findEpilogue(op, loops.out);
    if (!loops.epilogue) {
      loops.build(rewriter, op.getLoc());
      rewriter.eraseOp(op);
      return success();
    }
    // The fused loop takes the epilogue's place: every buffer it reads is
    // written by then, and nothing between the product and the epilogue
    // touches memory (findEpilogue).
    Epilogue epilogue = *loops.epilogue;
    bool inPlace = epilogue.generic.getDpsInitOperand(0)->get() == loops.out;
    rewriter.setInsertionPoint(epilogue.generic);
    loops.build(rewriter, op.getLoc());
    rewriter.eraseOp(epilogue.generic);
    rewriter.eraseOp(op);
    rewriter.eraseOp(epilogue.fill);
    if (!inPlace) {
      Operation *buffer = loops.out.getDefiningOp();
      for (Operation *user : llvm::make_early_inc_range(buffer->getUsers()))
        rewriter.eraseOp(user);
      rewriter.eraseOp(buffer);
    }
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
