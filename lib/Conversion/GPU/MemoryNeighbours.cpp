//===- MemoryNeighbours.cpp - The ops touching memory around an op --------===//

#include "MemoryNeighbours.h"

#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;

Operation *quill::getNeighbourWithMemoryEffects(Operation *op, bool before) {
  for (Operation *next = before ? op->getPrevNode() : op->getNextNode(); next;
       next = before ? next->getPrevNode() : next->getNextNode())
    if (!isMemoryEffectFree(next))
      return next;
  return nullptr;
}

linalg::FillOp quill::findStartFill(Operation *op, Value accumulator) {
  auto fill = dyn_cast_or_null<linalg::FillOp>(
      getNeighbourWithMemoryEffects(op, /*before=*/true));
  if (!fill || fill.getOutputs().front() != accumulator)
    return nullptr;
  return fill;
}
