//===- PrepareEntryPoint.cpp - The model function as the C ABI calls it ---===//
//
// The compiled library's entry point calls one function, by a fixed name,
// with buffers its caller owns. This pass gives the model's public function
// that shape before bufferization.
//
//===----------------------------------------------------------------------===//

#include "quill/Conversion/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"

namespace mlir::quill {
#define GEN_PASS_DEF_PREPAREENTRYPOINTPASS
#include "quill/Conversion/Passes.h.inc"
} // namespace mlir::quill

using namespace mlir;
using namespace mlir::quill;

FailureOr<func::FuncOp> mlir::quill::getModelEntryFunction(ModuleOp module) {
  func::FuncOp entry;
  for (auto function : module.getOps<func::FuncOp>()) {
    if (function.isPrivate())
      continue;
    if (entry)
      return module.emitError()
             << "expected one public function, found '" << entry.getSymName()
             << "' and '" << function.getSymName() << "'";
    entry = function;
  }
  if (!entry)
    return module.emitError() << "no public function to compile";
  return entry;
}

SmallVector<std::optional<unsigned>>
mlir::quill::getRepeatedResults(func::FuncOp entry) {
  auto returnOp = cast<func::ReturnOp>(entry.getBody().back().getTerminator());
  SmallVector<std::optional<unsigned>> firstUses;
  for (auto [index, value] : llvm::enumerate(returnOp.getOperands())) {
    unsigned first = std::distance(returnOp.getOperands().begin(),
                                   llvm::find(returnOp.getOperands(), value));
    firstUses.push_back(first == index ? std::nullopt
                                       : std::optional<unsigned>(first));
  }
  return firstUses;
}

namespace {

struct PrepareEntryPointPass
    : quill::impl::PrepareEntryPointPassBase<PrepareEntryPointPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<func::FuncOp> found = getModelEntryFunction(module);
    if (failed(found))
      return signalPassFailure();
    func::FuncOp entry = *found;

    // Bufferization needs one buffer per returned value: a value returned
    // again becomes a copy that the entry point makes.
    llvm::BitVector repeated(entry.getNumResults());
    for (auto [index, first] : llvm::enumerate(getRepeatedResults(entry)))
      if (first)
        repeated.set(index);
    if (repeated.any()) {
      entry.getBody().back().getTerminator()->eraseOperands(repeated);
      if (failed(entry.eraseResults(repeated)))
        return signalPassFailure();
    }

    entry.setSymName(kModelFunctionName);
    // Callers own the input buffers: bufferization must not write into them.
    for (unsigned index = 0, e = entry.getNumArguments(); index < e; ++index)
      entry.setArgAttr(index,
                       bufferization::BufferizationDialect::kWritableAttrName,
                       BoolAttr::get(module.getContext(), false));
  }
};

} // namespace
