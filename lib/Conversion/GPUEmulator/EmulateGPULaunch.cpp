//===- EmulateGPULaunch.cpp - gpu.launch as OpenMP teams on the CPU -------===//

#include "quill/Conversion/Passes.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
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
constexpr int64_t kWarpSize = 32;
/// The most registers of an emulated mma thread fragment the team shares
/// (m16n8k32: A's four words, then B's two).
constexpr int64_t kMmaOperandWords = 6;

/// Whether `mma` is a tensor-core form the emulator computes: m16n8k16 or
/// m16n8k32, s8 x s8 -> s32, A row-major, B column-major, wrapping.
bool isEmulatedMma(NVVM::MmaOp mma) {
  NVVM::MMAShapeAttr shape = mma.getShape();
  int64_t depth = shape.getK();
  return shape.getM() == 16 && shape.getN() == 8 &&
         (depth == 16 || depth == 32) &&
         mma.getMultiplicandAPtxType() == NVVM::MMATypes::s8 &&
         mma.getMultiplicandBPtxType() == NVVM::MMATypes::s8 &&
         mma.getLayoutA() == NVVM::MMALayout::row &&
         mma.getLayoutB() == NVVM::MMALayout::col &&
         mma.getIntOverflowBehavior() == NVVM::MMAIntOverflow::wrapped &&
         static_cast<int64_t>(mma.getOperandA().size()) == depth / 8 &&
         static_cast<int64_t>(mma.getOperandB().size()) == depth / 16 &&
         mma.getOperandC().size() == 4;
}

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
    auto mma = dyn_cast<NVVM::MmaOp>(op);
    bool unsupportedGPUOp =
        isa<gpu::GPUDialect>(op->getDialect()) &&
        !isa<gpu::BarrierOp, gpu::TerminatorOp, gpu::ThreadIdOp, gpu::BlockIdOp,
             gpu::BlockDimOp, gpu::GridDimOp>(op);
    bool unsupportedNVVMOp = isa<NVVM::NVVMDialect>(op->getDialect()) &&
                             (!mma || !isEmulatedMma(mma));
    if (unsupportedGPUOp || unsupportedNVVMOp) {
      reason = "'" + op->getName().getStringRef().str() + "'";
      if (mma)
        reason += " other than m16n8k16/m16n8k32 s8 row/col wrapping";
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

/// Replaces `mma` (a warp-wide operation) by what it computes, from the
/// fragments the warp's threads leave in `fragments` ([thread][word]: A's
/// words, then B's) between two team barriers (every thread of the block
/// reaches a kernel's mma): each of the thread's four outputs, at row
/// groupID (+ 8 for c2, c3) and column 2 * threadID_in_group (+ 1 for c1,
/// c3), is its accumulator plus the products of A's row bytes and B's
/// column bytes along K, read from the lanes that hold them. A's row r,
/// bytes k..k+3: lane 4 * (r % 8) + (k % 16) / 4, word 2 * (k / 16) + r / 8;
/// B's column n: lane 4 * n + (k % 16) / 4, word k / 16 (the PTX ISA's
/// fragment tables, as MLIR's nvgpu getLaneIdAndValueIdToOperandCoord also
/// maps them). Byte i of a word is bits 8i..8i+7.
void emulateMma(NVVM::MmaOp mma, Value thread, Value fragments,
                RewriterBase &rewriter) {
  Location loc = mma.getLoc();
  rewriter.setInsertionPoint(mma);
  auto index = [&](int64_t value) -> Value {
    return arith::ConstantIndexOp::create(rewriter, loc, value);
  };
  auto add = [&](Value x, Value y) -> Value {
    return arith::AddIOp::create(rewriter, loc, x, y);
  };
  auto multiply = [&](Value x, int64_t y) -> Value {
    return arith::MulIOp::create(rewriter, loc, x, index(y));
  };
  int64_t depth = mma.getShape().getK();
  int64_t aWords = mma.getOperandA().size();
  SmallVector<Value> words(mma.getOperandA());
  llvm::append_range(words, mma.getOperandB());
  for (auto [word, value] : llvm::enumerate(words))
    memref::StoreOp::create(rewriter, loc, value, fragments,
                            ValueRange{thread, index(word)});
  omp::BarrierOp::create(rewriter, loc);

  Value lane = arith::RemUIOp::create(rewriter, loc, thread, index(kWarpSize));
  Value warpBase = arith::SubIOp::create(rewriter, loc, thread, lane);
  Value group = arith::DivUIOp::create(rewriter, loc, lane, index(4));
  Value threadInGroup = arith::RemUIOp::create(rewriter, loc, lane, index(4));
  Value aLaneBase = add(warpBase, multiply(group, 4));
  Type i32 = rewriter.getI32Type();
  auto byteOf = [&](OpBuilder &b, Location l, Value word, Value k) -> Value {
    Value byte = arith::RemUIOp::create(
        b, l, k, arith::ConstantIndexOp::create(b, l, 4));
    Value shift = arith::IndexCastOp::create(
        b, l, i32,
        arith::MulIOp::create(b, l, byte,
                              arith::ConstantIndexOp::create(b, l, 8)));
    Value shifted = arith::ShRUIOp::create(b, l, word, shift);
    Value narrow = arith::TruncIOp::create(b, l, b.getI8Type(), shifted);
    return arith::ExtSIOp::create(b, l, i32, narrow);
  };
  SmallVector<Value> outputs;
  for (auto [i, accumulator] : llvm::enumerate(mma.getOperandC())) {
    Value column = add(multiply(threadInGroup, 2), index(i % 2));
    int64_t aRowWord = i / 2;
    Value bLaneBase = add(warpBase, multiply(column, 4));
    auto loop = scf::ForOp::create(
        rewriter, loc, index(0), index(depth), index(1),
        ValueRange{accumulator},
        [&](OpBuilder &b, Location l, Value k, ValueRange sum) {
          auto constant = [&](int64_t value) -> Value {
            return arith::ConstantIndexOp::create(b, l, value);
          };
          Value half = arith::DivUIOp::create(b, l, k, constant(16));
          Value laneInGroup = arith::DivUIOp::create(
              b, l, arith::RemUIOp::create(b, l, k, constant(16)), constant(4));
          Value aWord = memref::LoadOp::create(
              b, l, fragments,
              ValueRange{arith::AddIOp::create(b, l, aLaneBase, laneInGroup),
                         arith::AddIOp::create(
                             b, l,
                             arith::MulIOp::create(b, l, half, constant(2)),
                             constant(aRowWord))});
          Value bWord = memref::LoadOp::create(
              b, l, fragments,
              ValueRange{arith::AddIOp::create(b, l, bLaneBase, laneInGroup),
                         arith::AddIOp::create(b, l, half, constant(aWords))});
          Value product = arith::MulIOp::create(b, l, byteOf(b, l, aWord, k),
                                                byteOf(b, l, bWord, k));
          scf::YieldOp::create(
              b, l, ValueRange{arith::AddIOp::create(b, l, sum[0], product)});
        });
    outputs.push_back(loop.getResult(0));
  }
  // The whole warp reads the fragments before any thread's next mma
  // overwrites them.
  omp::BarrierOp::create(rewriter, loc);
  Value result = LLVM::UndefOp::create(rewriter, loc, mma.getType());
  for (auto [i, output] : llvm::enumerate(outputs))
    result = LLVM::InsertValueOp::create(rewriter, loc, result, output, i);
  rewriter.replaceOp(mma, result);
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
  // Tensor-core fragments the block's threads exchange (see emulateMma).
  Value fragments;
  bool hasMma = launch.getBody()
                    .walk([](NVVM::MmaOp) { return WalkResult::interrupt(); })
                    .wasInterrupted();
  if (hasMma)
    fragments = memref::AllocaOp::create(
        rewriter, loc,
        MemRefType::get({ShapedType::kDynamic, kMmaOperandWords},
                        rewriter.getI32Type()),
        ValueRange{
            arith::MulIOp::create(rewriter, loc, planeSize, blockSize.z)});
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
      else if (auto mma = dyn_cast<NVVM::MmaOp>(nested))
        emulateMma(mma, thread, fragments, rewriter);
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
