//===- WrapSerialLoops.cpp - Serial loop nests as one-thread kernels ------===//

#include "quill/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"

namespace mlir::quill {
#define GEN_PASS_DEF_WRAPSERIALLOOPSPASS
#include "quill/Conversion/Passes.h.inc"
} // namespace mlir::quill

using namespace mlir;

namespace {

struct WrapSerialLoopsPass
    : quill::impl::WrapSerialLoopsPassBase<WrapSerialLoopsPass> {
  void runOnOperation() override {
    SmallVector<scf::ForOp> nests;
    for (Block &block : getOperation().getBody())
      for (auto loop : block.getOps<scf::ForOp>())
        nests.push_back(loop);
    for (scf::ForOp loop : nests) {
      OpBuilder b(loop);
      Location loc = loop.getLoc();
      Value zero = arith::ConstantIndexOp::create(b, loc, 0);
      Value one = arith::ConstantIndexOp::create(b, loc, 1);
      auto parallel = scf::ParallelOp::create(b, loc, ValueRange{zero},
                                              ValueRange{one}, ValueRange{one});
      loop->moveBefore(parallel.getBody()->getTerminator());
    }
  }
};

} // namespace
