//===- ReductionsToGPULoops.cpp - Reductions accumulating in registers ----===//

#include "quill/Conversion/Passes.h"

#include "MemoryNeighbours.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::quill {
#define GEN_PASS_DEF_REDUCTIONSTOGPULOOPSPASS
#include "quill/Conversion/Passes.h.inc"
} // namespace mlir::quill

using namespace mlir;

namespace {

/// The indices of `map` at the loop iteration `ivs`: the ivs themselves
/// for dimensions, affine.apply for other expressions.
SmallVector<Value> getIndices(OpBuilder &b, Location loc, AffineMap map,
                              ValueRange ivs) {
  SmallVector<Value> indices;
  for (unsigned i = 0; i < map.getNumResults(); ++i) {
    AffineExpr result = map.getResult(i);
    if (auto dim = dyn_cast<AffineDimExpr>(result)) {
      indices.push_back(ivs[dim.getPosition()]);
      continue;
    }
    indices.push_back(
        affine::AffineApplyOp::create(b, loc, map.getSubMap({i}), ivs));
  }
  return indices;
}

/// A linalg.generic with reduction dimensions on buffers as an scf.parallel
/// over its parallel dimensions whose iterations load their outputs once
/// (or start from the value of a fill of the output just before), run the
/// reduction dimensions as scf.for loops carrying the outputs' values, and
/// store them once.
struct ReductionToLoops : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::GenericOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureBufferSemantics() || op.getNumReductionLoops() == 0)
      return failure();
    SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
    // Each output is one element per parallel iteration, written by it
    // alone: its map is a permutation of the parallel dimensions.
    for (OpOperand &output : op.getDpsInitsMutable()) {
      AffineMap map = op.getMatchingIndexingMap(&output);
      if (!map.isProjectedPermutation() ||
          map.getNumResults() != op.getNumParallelLoops())
        return failure();
      for (AffineExpr result : map.getResults())
        if (iterators[cast<AffineDimExpr>(result).getPosition()] !=
            utils::IteratorType::parallel)
          return failure();
    }
    // A fill of the only output just before: its value starts the
    // reduction, as every element is written.
    linalg::FillOp fill;
    if (op.getNumDpsInits() == 1)
      fill = quill::findStartFill(op, op.getDpsInitOperand(0)->get());
    Location loc = op.getLoc();
    SmallVector<Range> ranges = cast<linalg::LinalgOp>(op.getOperation())
                                    .createLoopRanges(rewriter, loc);
    auto bound = [&](OpFoldResult value) {
      return getValueOrCreateConstantIndexOp(rewriter, loc, value);
    };
    SmallVector<Value> lower, upper, steps;
    SmallVector<unsigned> parallelDims, reductionDims;
    for (auto [dim, iterator] : llvm::enumerate(iterators)) {
      if (iterator == utils::IteratorType::parallel)
        parallelDims.push_back(dim);
      else
        reductionDims.push_back(dim);
    }
    for (unsigned dim : parallelDims) {
      lower.push_back(bound(ranges[dim].offset));
      upper.push_back(bound(ranges[dim].size));
      steps.push_back(bound(ranges[dim].stride));
    }

    SmallVector<Value> ivs(iterators.size());
    auto buildIteration = [&](OpBuilder &b, Location l) {
      SmallVector<Value> initial;
      for (OpOperand &output : op.getDpsInitsMutable())
        initial.push_back(
            fill
                ? fill.value()
                : memref::LoadOp::create(
                      b, l, output.get(),
                      getIndices(b, l, op.getMatchingIndexingMap(&output), ivs))
                      .getResult());
      SmallVector<Value> results =
          buildReduction(b, l, op, ranges, reductionDims, 0, ivs, initial);
      for (auto [output, result] : llvm::zip(op.getDpsInitsMutable(), results))
        memref::StoreOp::create(
            b, l, result, output.get(),
            getIndices(b, l, op.getMatchingIndexingMap(&output), ivs));
    };
    if (parallelDims.empty()) {
      // A reduction to one element: serial (quill-wrap-serial-loops puts it
      // in a one-thread kernel).
      buildIteration(rewriter, loc);
    } else {
      scf::ParallelOp::create(
          rewriter, loc, lower, upper, steps,
          [&](OpBuilder &b, Location l, ValueRange parallelIvs) {
            for (auto [dim, iv] : llvm::zip(parallelDims, parallelIvs))
              ivs[dim] = iv;
            buildIteration(b, l);
            scf::ReduceOp::create(b, l);
          });
    }
    rewriter.eraseOp(op);
    if (fill)
      rewriter.eraseOp(fill);
    return success();
  }

private:
  /// The loops over `reductionDims` from `depth` on, carrying `values` (the
  /// outputs'), with the generic's body innermost; returns the final values.
  static SmallVector<Value>
  buildReduction(OpBuilder &b, Location loc, linalg::GenericOp op,
                 ArrayRef<Range> ranges, ArrayRef<unsigned> reductionDims,
                 size_t depth, SmallVector<Value> &ivs, ValueRange values) {
    if (depth == reductionDims.size())
      return applyBody(b, loc, op, ivs, values);
    unsigned dim = reductionDims[depth];
    auto bound = [&](OpFoldResult value) {
      return getValueOrCreateConstantIndexOp(b, loc, value);
    };
    auto loop = scf::ForOp::create(
        b, loc, bound(ranges[dim].offset), bound(ranges[dim].size),
        bound(ranges[dim].stride), values,
        [&](OpBuilder &nb, Location nl, Value iv, ValueRange carried) {
          ivs[dim] = iv;
          scf::YieldOp::create(nb, nl,
                               buildReduction(nb, nl, op, ranges, reductionDims,
                                              depth + 1, ivs, carried));
        });
    return SmallVector<Value>(loop.getResults());
  }

  /// The generic's body at the iteration `ivs`: inputs loaded there,
  /// outputs' current `values`; returns what it yields.
  static SmallVector<Value> applyBody(OpBuilder &b, Location loc,
                                      linalg::GenericOp op, ValueRange ivs,
                                      ValueRange values) {
    IRMapping mapping;
    Block *body = op.getBody();
    for (OpOperand *input : op.getDpsInputOperands()) {
      BlockArgument argument = op.getMatchingBlockArgument(input);
      if (argument.use_empty())
        continue;
      if (!isa<MemRefType>(input->get().getType())) {
        mapping.map(argument, input->get());
        continue;
      }
      mapping.map(
          argument,
          memref::LoadOp::create(
              b, loc, input->get(),
              getIndices(b, loc, op.getMatchingIndexingMap(input), ivs)));
    }
    for (auto [output, value] : llvm::zip(op.getDpsInitsMutable(), values))
      mapping.map(op.getMatchingBlockArgument(&output), value);
    for (Operation &bodyOp : body->without_terminator()) {
      if (auto index = dyn_cast<linalg::IndexOp>(bodyOp)) {
        mapping.map(index.getResult(), ivs[index.getDim()]);
        continue;
      }
      b.clone(bodyOp, mapping);
    }
    return llvm::map_to_vector(
        cast<linalg::YieldOp>(body->getTerminator()).getValues(),
        [&](Value value) { return mapping.lookupOrDefault(value); });
  }
};

struct ReductionsToGPULoopsPass
    : quill::impl::ReductionsToGPULoopsPassBase<ReductionsToGPULoopsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ReductionToLoops>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
