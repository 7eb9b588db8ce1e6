//===- EmulateGPULaunch.cpp - gpu.launch as OpenMP teams on the CPU -------===//

#include "quill/Conversion/Passes.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::quill {
#define GEN_PASS_DEF_EMULATEGPULAUNCHPASS
#include "quill/Conversion/Passes.h.inc"
} // namespace mlir::quill

using namespace mlir;

namespace {

constexpr StringLiteral kThreadNumber = "omp_get_thread_num";
constexpr StringLiteral kThreadCount = "omp_get_num_threads";

/// Why `launch` cannot run as OpenMP teams, or an empty string.
std::string getUnsupportedReason(gpu::LaunchOp launch) {
  if (launch.getAsyncToken() || !launch.getAsyncDependencies().empty())
    return "an asynchronous launch";
  if (launch.getDynamicSharedMemorySize())
    return "dynamic shared memory";
  if (launch.hasClusterSize())
    return "thread block clusters";
  if (!launch.getPrivateAttributions().empty())
    return "private memory attributions";
  if (!launch.getBody().hasOneBlock())
    return "a kernel body of several blocks";
  // Workgroup buffers move to host memory, whose memref type differs: only
  // ops whose results do not carry the buffer's type may use them.
  for (BlockArgument buffer : launch.getWorkgroupAttributions())
    for (Operation *user : buffer.getUsers())
      if (!isa<memref::LoadOp, memref::StoreOp, vector::LoadOp,
               vector::StoreOp>(user))
        return "a workgroup buffer used by '" +
               user->getName().getStringRef().str() + "'";
  std::string reason;
  launch.getBody().walk([&](Operation *op) {
    if (isa<gpu::GPUDialect>(op->getDialect()) &&
        !isa<gpu::BarrierOp, gpu::TerminatorOp, gpu::ThreadIdOp, gpu::BlockIdOp,
             gpu::BlockDimOp, gpu::GridDimOp>(op)) {
      reason = "'" + op->getName().getStringRef().str() + "'";
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return reason;
}

Value getDimension(const gpu::KernelDim3 &values, gpu::Dimension dimension) {
  switch (dimension) {
  case gpu::Dimension::x:
    return values.x;
  case gpu::Dimension::y:
    return values.y;
  case gpu::Dimension::z:
    return values.z;
  }
  llvm_unreachable("unknown dimension");
}

/// Replaces `launch` by a loop over its blocks, each an OpenMP team of one
/// host thread per GPU thread running the body: gpu.barrier becomes the
/// team's barrier, workgroup buffers are allocated once on the host (the
/// blocks run one after another, each team joined before the next starts).
void emulateLaunch(gpu::LaunchOp launch, RewriterBase &rewriter) {
  Location loc = launch.getLoc();
  rewriter.setInsertionPoint(launch);
  SmallVector<Value> workgroupBuffers;
  for (BlockArgument buffer : launch.getWorkgroupAttributions()) {
    auto type = cast<MemRefType>(buffer.getType());
    workgroupBuffers.push_back(memref::AllocaOp::create(
        rewriter, loc,
        MemRefType::get(type.getShape(), type.getElementType(),
                        type.getLayout())));
  }
  gpu::KernelDim3 gridSize = launch.getGridSizeOperandValues();
  gpu::KernelDim3 blockSize = launch.getBlockSizeOperandValues();
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
  Value planeSize =
      arith::MulIOp::create(rewriter, loc, blockSize.x, blockSize.y);
  Value threadCount = arith::IndexCastOp::create(
      rewriter, loc, rewriter.getI32Type(),
      arith::MulIOp::create(rewriter, loc, planeSize, blockSize.z));
  gpu::KernelDim3 blockIds;
  auto blockLoop = [&](Value size) {
    auto loop = scf::ForOp::create(rewriter, loc, zero, size, one);
    rewriter.setInsertionPointToStart(loop.getBody());
    return loop.getInductionVar();
  };
  blockIds.z = blockLoop(gridSize.z);
  blockIds.y = blockLoop(gridSize.y);
  blockIds.x = blockLoop(gridSize.x);

  omp::ParallelOperands clauses;
  clauses.numThreads = threadCount;
  auto team = omp::ParallelOp::create(rewriter, loc, clauses);
  Block *teamBody = rewriter.createBlock(&team.getRegion());
  auto callIndex = [&](StringRef function) -> Value {
    Value result = func::CallOp::create(rewriter, loc, function,
                                        rewriter.getI32Type(), ValueRange{})
                       .getResult(0);
    return arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(),
                                      result);
  };
  // The OpenMP runtime may give a team fewer threads than asked for (a
  // thread limit): the block's threads would then silently be missing.
  Value teamSize = func::CallOp::create(rewriter, loc, kThreadCount,
                                        rewriter.getI32Type(), ValueRange{})
                       .getResult(0);
  cf::AssertOp::create(
      rewriter, loc,
      arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq, teamSize,
                            threadCount),
      "GPU emulator: the OpenMP runtime gave a block fewer threads than it "
      "has (OMP_THREAD_LIMIT?)");
  Value thread = callIndex(kThreadNumber);
  gpu::KernelDim3 threadIds;
  threadIds.x = arith::RemUIOp::create(rewriter, loc, thread, blockSize.x);
  threadIds.y = arith::RemUIOp::create(
      rewriter, loc, arith::DivUIOp::create(rewriter, loc, thread, blockSize.x),
      blockSize.y);
  threadIds.z = arith::DivUIOp::create(rewriter, loc, thread, planeSize);

  Block &body = launch.getBody().front();
  SmallVector<Value> arguments(body.getNumArguments());
  auto place = [&](const gpu::KernelDim3 &arguments3,
                   const gpu::KernelDim3 &values) {
    for (gpu::Dimension dimension :
         {gpu::Dimension::x, gpu::Dimension::y, gpu::Dimension::z})
      arguments[cast<BlockArgument>(getDimension(arguments3, dimension))
                    .getArgNumber()] = getDimension(values, dimension);
  };
  place(launch.getBlockIds(), blockIds);
  place(launch.getThreadIds(), threadIds);
  place(launch.getGridSize(), gridSize);
  place(launch.getBlockSize(), blockSize);
  for (auto [buffer, hostBuffer] :
       llvm::zip(launch.getWorkgroupAttributions(), workgroupBuffers))
    arguments[buffer.getArgNumber()] = hostBuffer;
  rewriter.inlineBlockBefore(&body, teamBody, teamBody->end(), arguments);

  for (Operation &op : llvm::make_early_inc_range(*teamBody)) {
    op.walk([&](Operation *nested) {
      rewriter.setInsertionPoint(nested);
      if (isa<gpu::BarrierOp>(nested))
        rewriter.replaceOpWithNewOp<omp::BarrierOp>(nested);
      else if (isa<gpu::TerminatorOp>(nested))
        rewriter.replaceOpWithNewOp<omp::TerminatorOp>(nested);
      else if (auto id = dyn_cast<gpu::ThreadIdOp>(nested))
        rewriter.replaceOp(id, getDimension(threadIds, id.getDimension()));
      else if (auto id = dyn_cast<gpu::BlockIdOp>(nested))
        rewriter.replaceOp(id, getDimension(blockIds, id.getDimension()));
      else if (auto size = dyn_cast<gpu::BlockDimOp>(nested))
        rewriter.replaceOp(size, getDimension(blockSize, size.getDimension()));
      else if (auto size = dyn_cast<gpu::GridDimOp>(nested))
        rewriter.replaceOp(size, getDimension(gridSize, size.getDimension()));
    });
  }
  rewriter.eraseOp(launch);
}

struct EmulateGPULaunchPass
    : quill::impl::EmulateGPULaunchPassBase<EmulateGPULaunchPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<gpu::LaunchOp> launches;
    bool supported = true;
    module.walk([&](gpu::LaunchOp launch) {
      std::string reason = getUnsupportedReason(launch);
      if (!reason.empty()) {
        launch.emitError("the GPU emulator cannot run a kernel with ")
            << reason;
        supported = false;
      }
      launches.push_back(launch);
    });
    if (!supported)
      return signalPassFailure();
    if (launches.empty())
      return;
    IRRewriter rewriter(&getContext());
    rewriter.setInsertionPointToEnd(module.getBody());
    for (StringRef name : {kThreadNumber, kThreadCount})
      if (!module.lookupSymbol(name))
        func::FuncOp::create(
            rewriter, module.getLoc(), name,
            rewriter.getFunctionType({}, rewriter.getI32Type()))
            .setPrivate();
    for (gpu::LaunchOp launch : launches)
      emulateLaunch(launch, rewriter);
  }
};

} // namespace
