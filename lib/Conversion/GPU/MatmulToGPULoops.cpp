//===- MatmulToGPULoops.cpp - Products as register-accumulating loops -----===//

#include "quill/Conversion/Passes.h"

#include "GPUProducts.h"
#include "MemoryNeighbours.h"

#include "mlir/Dialect/Affine/Utils.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::quill {
#define GEN_PASS_DEF_MATMULTOGPULOOPSPASS
#include "quill/Conversion/Passes.h.inc"
} // namespace mlir::quill

using namespace mlir;
using namespace mlir::quill::products;
using mlir::quill::DequantizedWeight;
using mlir::quill::eraseUnreadDequantize;
using mlir::quill::findDequantizedWeight;
using mlir::quill::findStartFill;
using mlir::quill::getNeighbourWithMemoryEffects;

namespace {

/// The loop nest of a product: one parallel iteration per `tileRows` x 1
/// block of output elements, whose reductions run in registers (the
/// accumulators; B's element is loaded once for the block's rows) and store
/// once each.
struct ThreadLoops : ProductLowering {
  int64_t tileRows;

  void build(PatternRewriter &rewriter, Location loc) const {
    auto outType = cast<MemRefType>(out.getType());
    unsigned rank = outType.getRank();
    auto index = [&](int64_t value) -> Value {
      return arith::ConstantIndexOp::create(rewriter, loc, value);
    };
    Value zero = index(0), one = index(1);
    SmallVector<Value> lower(rank, zero), steps(rank, one), upper;
    for (int64_t size : outType.getShape())
      upper.push_back(index(size));
    steps[rank - 2] = index(tileRows);
    Value depth = index(getDepth());
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
            inits.push_back(loadInitial(b, l, rowIvs));
          auto loop = scf::ForOp::create(
              b, l, zero, depth, kStep, inits,
              [&](OpBuilder &nb, Location nl, Value k, ValueRange accs) {
                Value column = loadRhs(nb, nl, ivs, k);
                SmallVector<Value> sums;
                for (auto [rowIvs, acc] : llvm::zip(rows, accs))
                  sums.push_back(multiplyAdd(nb, nl, loadLhs(nb, nl, rowIvs, k),
                                             column, acc));
                scf::YieldOp::create(nb, nl, sums);
              });
          for (auto [rowIvs, sum] : llvm::zip(rows, loop.getResults()))
            storeResult(b, l, rowIvs, sum);
          scf::ReduceOp::create(b, l);
        });
  }

private:
  /// B's part of a step, shared by the block's rows: its element at
  /// (k, n) extended, or for dp4a the four bytes of its column from k on.
  Value loadRhs(OpBuilder &b, Location loc, ValueRange ivs, Value k) const {
    if (rhsDecoder)
      return decodeRhs(b, loc, rhsIndices(ivs, k));
    if (step == Step::Scalar)
      return extend(b, loc,
                    memref::LoadOp::create(b, loc, rhs, rhsIndices(ivs, k)));
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

  /// B's element at `indices` computed as the dequantize generic computes
  /// it: the indices expanded through the collapse (k into block and
  /// position), the generic's inputs loaded through their maps, its body.
  Value decodeRhs(OpBuilder &b, Location loc, ArrayRef<Value> indices) const {
    linalg::GenericOp generic = rhsDecoder->dequantize;
    SmallVector<Value> ivs(indices);
    if (memref::CollapseShapeOp collapse = rhsDecoder->collapse) {
      ArrayRef<int64_t> shape = collapse.getSrcType().getShape();
      ivs.clear();
      for (auto [index, group] :
           llvm::zip(indices, collapse.getReassociationIndices())) {
        SmallVector<Value> parts(group.size());
        Value rest = index;
        for (int64_t i = group.size() - 1; i > 0; --i) {
          Value size = arith::ConstantIndexOp::create(b, loc, shape[group[i]]);
          parts[i] = arith::RemUIOp::create(b, loc, rest, size);
          rest = arith::DivUIOp::create(b, loc, rest, size);
        }
        parts[0] = rest;
        ivs.append(parts);
      }
    }
    IRMapping mapping;
    for (OpOperand *input : generic.getDpsInputOperands()) {
      BlockArgument argument = generic.getMatchingBlockArgument(input);
      if (argument.use_empty())
        continue;
      AffineMap map = generic.getMatchingIndexingMap(input);
      SmallVector<Value> at;
      for (AffineExpr result : map.getResults())
        at.push_back(affine::expandAffineExpr(b, loc, result, ivs, {}));
      mapping.map(argument, memref::LoadOp::create(b, loc, input->get(), at));
    }
    Block *body = generic.getBody();
    for (Operation &op : body->without_terminator())
      b.clone(op, mapping);
    return extend(
        b, loc,
        mapping.lookupOrDefault(
            cast<linalg::YieldOp>(body->getTerminator()).getOperand(0)));
  }

  /// A's part of a step for the row at `ivs`: its element at (m, k)
  /// extended, or for dp4a the four bytes of its row from k on (one load).
  Value loadLhs(OpBuilder &b, Location loc, ValueRange ivs, Value k) const {
    if (step == Step::Dp4a)
      return vector::LoadOp::create(b, loc, VectorType::get({4}, b.getI8Type()),
                                    lhs, lhsIndices(ivs, k));
    return extend(b, loc,
                  memref::LoadOp::create(b, loc, lhs, lhsIndices(ivs, k)));
  }
};

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

/// The epilogue of `product`, which accumulates into `accumulator` after
/// `fill`: fused when the op touching memory just after the product is an
/// elementwise generic that reads the buffer (identity map, projected
/// permutations elsewhere, no other operand a view of it, its output not a
/// view of the product's inputs), and the generic either writes its result
/// back into the buffer or the buffer has no other use (it is then a
/// temporary that goes away).
std::optional<Epilogue> findEpilogue(Operation *product, Value accumulator,
                                     linalg::FillOp fill) {
  auto generic = dyn_cast_or_null<linalg::GenericOp>(
      getNeighbourWithMemoryEffects(product, /*before=*/false));
  if (!generic || generic.getNumDpsInits() != 1 ||
      !generic.hasPureBufferSemantics() ||
      generic.getNumParallelLoops() != generic.getNumLoops() ||
      !llvm::all_of(generic.getIndexingMapsArray(), [](AffineMap map) {
        return map.isProjectedPermutation(/*allowZeroInResults=*/false);
      }))
    return std::nullopt;
  Epilogue epilogue{generic, nullptr};
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

/// The dequantize generic whose codes and scales a thread's loop can read
/// in place of B: tagged, elementwise with B's iteration as its output's
/// (identity map), a body that reads neither its output nor the iteration.
std::optional<DequantizedWeight> findRhsDecoder(Operation *product, Value rhs) {
  std::optional<DequantizedWeight> weight = findDequantizedWeight(product, rhs);
  if (!weight)
    return std::nullopt;
  linalg::GenericOp generic = weight->dequantize;
  if (!generic.hasPureBufferSemantics() ||
      generic.getNumParallelLoops() != generic.getNumLoops() ||
      !generic.getMatchingIndexingMap(generic.getDpsInitOperand(0))
           .isIdentity() ||
      generic.payloadUsesValueFromOperand(generic.getDpsInitOperand(0)) ||
      !generic.getBody()->getOps<linalg::IndexOp>().empty())
    return std::nullopt;
  return weight;
}

/// A product's indexing maps with B transposed: (batch..., m, n, k) to
/// A (batch..., m, k), B (batch..., n, k), C (batch..., m, n); `lhsMap`
/// gives the number of loops.
SmallVector<AffineMap> getRhsTransposedMaps(AffineMap lhsMap) {
  unsigned loops = lhsMap.getNumDims();
  MLIRContext *context = lhsMap.getContext();
  SmallVector<AffineExpr> batch;
  for (unsigned i = 0; i + 3 < loops; ++i)
    batch.push_back(getAffineDimExpr(i, context));
  AffineExpr m = getAffineDimExpr(loops - 3, context);
  AffineExpr n = getAffineDimExpr(loops - 2, context);
  AffineExpr k = getAffineDimExpr(loops - 1, context);
  auto map = [&](AffineExpr row, AffineExpr column) {
    SmallVector<AffineExpr> results(batch);
    results.append({row, column});
    return AffineMap::get(loops, 0, results, context);
  };
  return {map(m, k), map(n, k), map(m, n)};
}

/// Rows per thread of products with at least kMinRowsToTile rows.
constexpr int64_t kTileRows = 4;
constexpr int64_t kMinRowsToTile = 64;

template <typename ProductOp>
struct ProductToLoops : OpRewritePattern<ProductOp> {
  using OpRewritePattern<ProductOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(ProductOp op,
                                PatternRewriter &rewriter) const override {
    // The plain product, or with B transposed, on buffers of static shapes.
    if (!op.hasPureBufferSemantics())
      return failure();
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    bool rhsTransposed = maps == getRhsTransposedMaps(maps.front());
    if (!rhsTransposed &&
        maps != ProductOp::getDefaultIndexingMaps(op.getContext()))
      return failure();
    ProductLowering product;
    product.rhsTransposed = rhsTransposed;
    product.lhs = op.getDpsInputOperand(0)->get();
    product.rhs = op.getDpsInputOperand(1)->get();
    product.out = op.getDpsInitOperand(0)->get();
    product.unsignedCast = op.getCast() == linalg::TypeFn::cast_unsigned;
    auto lhsType = cast<MemRefType>(product.lhs.getType());
    auto rhsType = cast<MemRefType>(product.rhs.getType());
    auto outType = cast<MemRefType>(product.out.getType());
    if (!lhsType.hasStaticShape() || !rhsType.hasStaticShape() ||
        !outType.hasStaticShape())
      return failure();
    Type lhsElement = lhsType.getElementType();
    Type rhsElement = rhsType.getElementType();
    Type outElement = outType.getElementType();
    if (!haveSupportedTypes(lhsElement, rhsElement, outElement))
      return failure();
    bool dp4a = !product.unsignedCast && lhsElement.isInteger(8) &&
                rhsElement.isInteger(8) && outElement.isInteger(32) &&
                lhsType.getShape().back() % 4 == 0;
    product.step = dp4a ? Step::Dp4a : Step::Scalar;
    product.fill = findStartFill(op, product.out);
    if (product.fill)
      product.epilogue = findEpilogue(op, product.out, product.fill);
    bool tiled = isTiledKernelProfitable(lhsType, rhsType, outType);
    if (!tiled && product.step == Step::Scalar)
      product.rhsDecoder = findRhsDecoder(op, product.rhs);
    auto build = [&] {
      if (tiled) {
        buildTiledKernel(product, rewriter, op.getLoc());
        return;
      }
      // Tall products give each thread four rows: B's element is loaded
      // once for all four. Short ones keep a thread per element, for
      // parallelism.
      int64_t rows = outType.getDimSize(outType.getRank() - 2);
      int64_t tileRows =
          rows % kTileRows == 0 && rows >= kMinRowsToTile ? kTileRows : 1;
      ThreadLoops{product, tileRows}.build(rewriter, op.getLoc());
    };
    if (!product.epilogue) {
      build();
      rewriter.eraseOp(op);
      if (product.fill)
        rewriter.eraseOp(product.fill);
      if (product.rhsDecoder)
        eraseUnreadDequantize(rewriter, *product.rhsDecoder);
      return success();
    }
    // The fused loop takes the epilogue's place: every buffer it reads is
    // written by then, and nothing between the product and the epilogue
    // touches memory (findEpilogue).
    Epilogue epilogue = *product.epilogue;
    bool inPlace = epilogue.generic.getDpsInitOperand(0)->get() == product.out;
    rewriter.setInsertionPoint(epilogue.generic);
    build();
    rewriter.eraseOp(epilogue.generic);
    rewriter.eraseOp(op);
    rewriter.eraseOp(product.fill);
    if (!inPlace) {
      Operation *buffer = product.out.getDefiningOp();
      for (Operation *user : llvm::make_early_inc_range(buffer->getUsers()))
        rewriter.eraseOp(user);
      rewriter.eraseOp(buffer);
    }
    if (product.rhsDecoder)
      eraseUnreadDequantize(rewriter, *product.rhsDecoder);
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
