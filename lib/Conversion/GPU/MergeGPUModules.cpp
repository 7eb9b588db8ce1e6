//===- MergeGPUModules.cpp - One gpu.module for all kernels ---------------===//

#include "quill/Conversion/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::quill {
#define GEN_PASS_DEF_MERGEGPUMODULESPASS
#include "quill/Conversion/Passes.h.inc"
} // namespace mlir::quill

using namespace mlir;

namespace {

struct MergeGPUModulesPass
    : quill::impl::MergeGPUModulesPassBase<MergeGPUModulesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<gpu::GPUModuleOp> kernelModules(
        module.getOps<gpu::GPUModuleOp>());
    if (kernelModules.size() < 2)
      return;
    gpu::GPUModuleOp target = kernelModules.front();
    SymbolTable targetSymbols(target);
    // Old (module, function) names to new function names.
    llvm::DenseMap<std::pair<StringAttr, StringAttr>, StringAttr> renamed;
    for (gpu::GPUModuleOp source : llvm::drop_begin(kernelModules)) {
      for (Operation &op :
           llvm::make_early_inc_range(source.getBody()->getOperations())) {
        auto symbol = dyn_cast<SymbolOpInterface>(op);
        if (!symbol) {
          op.emitOpError("in a gpu.module cannot be merged into ")
              << target.getName();
          return signalPassFailure();
        }
        StringAttr oldName = symbol.getNameAttr();
        // Outlining copies the helpers a kernel calls (integer pow ...) into
        // its module: same name, same body. One copy serves every kernel.
        auto kernel = dyn_cast<gpu::GPUFuncOp>(op);
        if ((!kernel || !kernel.isKernel()) && targetSymbols.lookup(oldName)) {
          op.erase();
          continue;
        }
        op.remove();
        // Inserting renames the symbol when the name is taken.
        StringAttr newName = targetSymbols.insert(&op);
        renamed[{source.getNameAttr(), oldName}] = newName;
      }
      source.erase();
    }
    module.walk([&](gpu::LaunchFuncOp launch) {
      SymbolRefAttr kernel = launch.getKernel();
      auto it =
          renamed.find({kernel.getRootReference(), kernel.getLeafReference()});
      if (it == renamed.end())
        return;
      launch.setKernelAttr(SymbolRefAttr::get(
          target.getNameAttr(), {FlatSymbolRefAttr::get(it->second)}));
    });
  }
};

} // namespace
