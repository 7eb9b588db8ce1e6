//===- DequantizedWeights.h - Products reading dequantized weights -*- C++
//-*-===//
//
// After bufferization a quantized weight is a tagged dequantize generic
// (kBlockDequantizeAttrName) writing a buffer that a product reads, directly
// or through a collapse_shape. The CPU's block-weight kernel and the GPU's
// product loops both read the codes and scales themselves instead; these
// find the generic and erase it once nothing reads its buffer.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_CONVERSION_DEQUANTIZEDWEIGHTS_H
#define QUILL_CONVERSION_DEQUANTIZEDWEIGHTS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::quill {

/// The tagged dequantize generic whose output `product` reads as `weight`,
/// and the view it reads it through.
struct DequantizedWeight {
  linalg::GenericOp dequantize;
  /// Null when the product reads the generic's buffer itself.
  memref::CollapseShapeOp collapse;
  /// The generic's output buffer.
  Value buffer;
};

/// The weight `product` reads as `weight`, when the generic that last wrote
/// it before `product` in its block is tagged, writes all of it, and
/// nothing but other products reading it touches it between. Bufferization
/// reuses a dead weight's buffer for the next one, so the buffer alone does
/// not say which dequantize a product reads.
std::optional<DequantizedWeight> findDequantizedWeight(Operation *product,
                                                       Value weight);

/// Erases the dequantize generic (and the view, when unused) when what it
/// wrote is not read any more: the next op of the block that touches the
/// buffer or a view of it overwrites it whole or frees it. The buffer goes
/// too when nothing but deallocations use it.
void eraseUnreadDequantize(PatternRewriter &rewriter,
                           const DequantizedWeight &weight);

} // namespace mlir::quill

#endif // QUILL_CONVERSION_DEQUANTIZEDWEIGHTS_H
