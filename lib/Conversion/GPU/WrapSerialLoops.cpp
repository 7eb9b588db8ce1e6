//===- WrapSerialLoops.cpp - Serial work as one-thread kernels ------------===//

#include "quill/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::quill {
#define GEN_PASS_DEF_WRAPSERIALLOOPSPASS
#include "quill/Conversion/Passes.h.inc"
} // namespace mlir::quill

using namespace mlir;

namespace {

/// Whether `op`, at the top of a function, reads or writes tensor memory.
bool isSerialWork(Operation *op) {
  return isa<scf::ForOp, memref::LoadOp, memref::StoreOp>(op);
}

/// Scalar arithmetic between serial work, which may move into its kernel.
bool isScalarArithmetic(Operation *op) {
  return isPure(op) && op->getNumRegions() == 0 &&
         llvm::none_of(op->getResultTypes(), llvm::IsaPred<BaseMemRefType>);
}

/// Whether `user` is one of the ops of `run` or nested in one.
bool isInside(Operation *user, ArrayRef<Operation *> run) {
  return llvm::any_of(run, [&](Operation *op) {
    return op == user || op->isProperAncestor(user);
  });
}

bool isUsedOutside(Operation *op, ArrayRef<Operation *> run) {
  return llvm::any_of(op->getUsers(),
                      [&](Operation *user) { return !isInside(user, run); });
}

/// Whether `op` of `run` must stay outside the kernel but cannot: a load
/// whose value is used after the run, or arithmetic used after the run on a
/// value the run computes.
bool cannotMove(Operation *op, ArrayRef<Operation *> run) {
  if (!isUsedOutside(op, run))
    return false;
  if (isa<memref::LoadOp>(op))
    return true;
  return llvm::any_of(op->getOperands(), [&](Value operand) {
    return llvm::is_contained(run, operand.getDefiningOp());
  });
}

/// The maximal runs of top-level serial work in `block` with the scalar
/// arithmetic between their ops, each cut before its first op that cannot
/// move into a kernel.
SmallVector<SmallVector<Operation *>> getSerialRuns(Block &block) {
  SmallVector<SmallVector<Operation *>> candidates(1);
  for (Operation &op : block.without_terminator()) {
    if (isSerialWork(&op) ||
        (!candidates.back().empty() && isScalarArithmetic(&op)))
      candidates.back().push_back(&op);
    else if (!candidates.back().empty())
      candidates.emplace_back();
  }
  SmallVector<SmallVector<Operation *>> runs;
  for (SmallVector<Operation *> &run : candidates) {
    auto cut =
        llvm::find_if(run, [&](Operation *op) { return cannotMove(op, run); });
    run.erase(cut, run.end());
    while (!run.empty() && !isSerialWork(run.back()))
      run.pop_back();
    if (!run.empty())
      runs.push_back(std::move(run));
  }
  return runs;
}

struct WrapSerialLoopsPass
    : quill::impl::WrapSerialLoopsPassBase<WrapSerialLoopsPass> {
  void runOnOperation() override {
    for (Block &block : getOperation().getBody()) {
      for (SmallVector<Operation *> &run : getSerialRuns(block)) {
        OpBuilder b(run.front());
        Location loc = run.front()->getLoc();
        Value zero = arith::ConstantIndexOp::create(b, loc, 0);
        Value one = arith::ConstantIndexOp::create(b, loc, 1);
        auto parallel = scf::ParallelOp::create(
            b, loc, ValueRange{zero}, ValueRange{one}, ValueRange{one});
        // Arithmetic also used after the run reads only values from before
        // it (see cannotMove): it stays on the host, ahead of the kernel.
        for (Operation *op : run) {
          if (isUsedOutside(op, run))
            op->moveBefore(parallel);
          else
            op->moveBefore(parallel.getBody()->getTerminator());
        }
      }
    }
  }
};

} // namespace
