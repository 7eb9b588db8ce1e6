//===- MemoryNeighbours.h - The ops touching memory around an op -*- C++
//-*-===//
//
// The GPU loop passes fuse an op with its neighbours in memory order: a fill
// of an accumulator just before a product or reduction becomes the
// accumulators' start.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_CONVERSION_GPU_MEMORYNEIGHBOURS_H
#define QUILL_CONVERSION_GPU_MEMORYNEIGHBOURS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace mlir::quill {

/// The nearest op before (or after) `op` in its block that may touch
/// memory, or null.
Operation *getNeighbourWithMemoryEffects(Operation *op, bool before);

/// The fill of `accumulator` that is the op touching memory just before
/// `op`, or null.
linalg::FillOp findStartFill(Operation *op, Value accumulator);

} // namespace mlir::quill

#endif // QUILL_CONVERSION_GPU_MEMORYNEIGHBOURS_H
