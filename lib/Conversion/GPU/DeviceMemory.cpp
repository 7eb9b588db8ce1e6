//===- DeviceMemory.cpp - A GPU model's host buffers in device memory -----===//

#include "quill/Conversion/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Interfaces/DataLayoutInterfaces.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::quill {
#define GEN_PASS_DEF_GPUDEVICEMEMORYPASS
#include "quill/Conversion/Passes.h.inc"
} // namespace mlir::quill

using namespace mlir;

namespace {

// The CUDA runtime's functions (lib/Runtime/CUDA/CudaRuntime.h).
constexpr StringLiteral kDeviceAlloc = "quill_cuda_alloc";
constexpr StringLiteral kDeviceFree = "quill_cuda_free";
constexpr StringLiteral kDeviceConstant = "quill_cuda_constant";

// What memref-to-llvm allocates with.
constexpr StringLiteral kHostAlloc = "malloc";
constexpr StringLiteral kHostFree = "free";

/// `malloc` and `free` calls as the device allocator's.
struct AllocationOnDevice : OpRewritePattern<LLVM::CallOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LLVM::CallOp call,
                                PatternRewriter &rewriter) const override {
    std::optional<StringRef> callee = call.getCallee();
    if (!callee || (*callee != kHostAlloc && *callee != kHostFree))
      return failure();
    rewriter.modifyOpInPlace(call, [&] {
      call.setCallee(*callee == kHostAlloc ? kDeviceAlloc : kDeviceFree);
    });
    return success();
  }
};

bool isUpload(Operation *user) {
  auto call = dyn_cast<LLVM::CallOp>(user);
  return call && call.getCallee() == kDeviceConstant;
}

/// The address of a constant global as the address of its device copy.
struct ConstantOnDevice : OpRewritePattern<LLVM::AddressOfOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LLVM::AddressOfOp address,
                                PatternRewriter &rewriter) const override {
    if (llvm::all_of(address->getUsers(), isUpload))
      return failure();
    SymbolTableCollection symbols;
    LLVM::GlobalOp global = address.getGlobal(symbols);
    if (!global)
      return failure();
    uint64_t bytes =
        DataLayout::closest(address).getTypeSize(global.getGlobalType());
    rewriter.setInsertionPointAfter(address);
    Location loc = address.getLoc();
    Value size = LLVM::ConstantOp::create(rewriter, loc, rewriter.getI64Type(),
                                          rewriter.getI64IntegerAttr(bytes));
    auto upload =
        LLVM::CallOp::create(rewriter, loc, TypeRange{address.getType()},
                             kDeviceConstant, ValueRange{address, size});
    rewriter.replaceAllUsesExcept(address, upload.getResult(), upload);
    return success();
  }
};

/// Declares `name` in `module` unless it exists.
void declare(ModuleOp module, StringRef name, LLVM::LLVMFunctionType type) {
  if (module.lookupSymbol(name))
    return;
  OpBuilder builder = OpBuilder::atBlockEnd(module.getBody());
  LLVM::LLVMFuncOp::create(builder, module.getLoc(), name, type);
}

/// Fails, with an error on the operation, where host code would touch
/// memory itself.
LogicalResult checkHostCode(LLVM::LLVMFuncOp function, ModuleOp module) {
  constexpr StringLiteral kEveryTensorOpInAKernel =
      "; in a GPU model every tensor operation must run in a kernel";
  WalkResult result = function.walk([&](Operation *op) {
    if (isa<LLVM::LoadOp, LLVM::StoreOp, LLVM::AllocaOp, LLVM::MemcpyOp,
            LLVM::MemmoveOp, LLVM::MemsetOp, LLVM::AtomicRMWOp,
            LLVM::AtomicCmpXchgOp>(op)) {
      op->emitError("host code would access memory itself")
          << kEveryTensorOpInAKernel;
      return WalkResult::interrupt();
    }
    if (auto call = dyn_cast<LLVM::CallOp>(op)) {
      std::optional<StringRef> callee = call.getCallee();
      auto target =
          callee ? module.lookupSymbol<LLVM::LLVMFuncOp>(*callee) : nullptr;
      bool allowed = callee && (*callee == kHostAlloc || *callee == kHostFree ||
                                (target && !target.isExternal()));
      if (!allowed) {
        call.emitError("host code calls ")
            << (callee ? "'" + callee->str() + "'" : "a function pointer")
            << kEveryTensorOpInAKernel;
        return WalkResult::interrupt();
      }
    }
    if (auto address = dyn_cast<LLVM::AddressOfOp>(op)) {
      auto global =
          module.lookupSymbol<LLVM::GlobalOp>(address.getGlobalName());
      if (global && !global.getConstant()) {
        address.emitError("host code passes the mutable global @")
            << global.getSymName()
            << " to the GPU; only constants get a device copy";
        return WalkResult::interrupt();
      }
    }
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}

struct GPUDeviceMemoryPass
    : quill::impl::GPUDeviceMemoryPassBase<GPUDeviceMemoryPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<LLVM::LLVMFuncOp> hostFunctions;
    for (auto function : module.getOps<LLVM::LLVMFuncOp>()) {
      if (function.isExternal())
        continue;
      if (failed(checkHostCode(function, module)))
        return signalPassFailure();
      hostFunctions.push_back(function);
    }
    MLIRContext *context = &getContext();
    auto ptr = LLVM::LLVMPointerType::get(context);
    auto i64 = IntegerType::get(context, 64);
    auto voidType = LLVM::LLVMVoidType::get(context);
    declare(module, kDeviceAlloc, LLVM::LLVMFunctionType::get(ptr, {i64}));
    declare(module, kDeviceFree, LLVM::LLVMFunctionType::get(voidType, {ptr}));
    declare(module, kDeviceConstant,
            LLVM::LLVMFunctionType::get(ptr, {ptr, i64}));

    RewritePatternSet patterns(context);
    patterns.add<AllocationOnDevice, ConstantOnDevice>(context);
    FrozenRewritePatternSet frozen(std::move(patterns));
    for (LLVM::LLVMFuncOp function : hostFunctions)
      if (failed(applyPatternsGreedily(function, frozen)))
        return signalPassFailure();

    for (StringRef name : {kHostAlloc, kHostFree}) {
      Operation *declaration = module.lookupSymbol(name);
      if (declaration && SymbolTable::symbolKnownUseEmpty(declaration, module))
        declaration->erase();
    }
  }
};

} // namespace
