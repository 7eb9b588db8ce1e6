//===- DequantizedWeights.cpp - Products reading dequantized weights ------===//

#include "quill/Conversion/DequantizedWeights.h"
#include "quill/Conversion/Passes.h"

#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;
using namespace mlir::quill;

std::optional<DequantizedWeight>
mlir::quill::findDequantizedWeight(Operation *product, Value weight) {
  auto collapse = weight.getDefiningOp<memref::CollapseShapeOp>();
  Value buffer = collapse ? collapse.getSrc() : weight;
  for (Operation *previous = product->getPrevNode(); previous;
       previous = previous->getPrevNode()) {
    if (previous == collapse ||
        !llvm::is_contained(previous->getOperands(), buffer))
      continue;
    // Another product reading the same weights leaves them as they are.
    auto reader = dyn_cast<linalg::LinalgOp>(previous);
    if (reader && !isa<linalg::GenericOp>(previous) &&
        !llvm::is_contained(reader.getDpsInits(), buffer))
      continue;
    auto generic = dyn_cast<linalg::GenericOp>(previous);
    if (!generic || generic.getNumDpsInits() != 1 ||
        generic.getDpsInits()[0] != buffer ||
        !generic->hasAttr(kBlockDequantizeAttrName))
      return std::nullopt;
    return DequantizedWeight{generic, collapse, buffer};
  }
  return std::nullopt;
}

void mlir::quill::eraseUnreadDequantize(PatternRewriter &rewriter,
                                        const DequantizedWeight &weight) {
  Value buffer = weight.buffer;
  if (weight.collapse && weight.collapse->use_empty())
    rewriter.eraseOp(weight.collapse);
  llvm::SmallPtrSet<Value, 4> aliases = {buffer};
  for (Operation *user : buffer.getUsers())
    if (isa<ViewLikeOpInterface, memref::CastOp>(user))
      aliases.insert(user->getResult(0));
  for (Operation *next = weight.dequantize->getNextNode(); next;
       next = next->getNextNode()) {
    if (isa<ViewLikeOpInterface, memref::CastOp>(next) ||
        llvm::none_of(next->getOperands(),
                      [&](Value v) { return aliases.contains(v); }))
      continue;
    auto overwrite = dyn_cast<linalg::LinalgOp>(next);
    bool dead = isa<memref::DeallocOp>(next) ||
                (overwrite && overwrite.getNumDpsInits() == 1 &&
                 overwrite.getDpsInits()[0] == buffer &&
                 llvm::none_of(overwrite.getDpsInputs(),
                               [&](Value v) { return aliases.contains(v); }) &&
                 !overwrite.payloadUsesValueFromOperand(
                     overwrite.getDpsInitOperand(0)));
    if (!dead)
      return;
    break;
  }
  rewriter.eraseOp(weight.dequantize);
  auto alloc = buffer.getDefiningOp<memref::AllocOp>();
  if (alloc && llvm::all_of(alloc->getUsers(), [](Operation *user) {
        return isa<memref::DeallocOp>(user);
      })) {
    for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
      rewriter.eraseOp(user);
    rewriter.eraseOp(alloc);
  }
}
