//===- ShapeChecks.h - Shape comparisons shared by op verifiers -*- C++ -*-===//
//
// Internal to lib/Dialect/Quill/IR. Every op verifier words shape and axis
// errors the same way through these.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_LIB_DIALECT_QUILL_IR_SHAPECHECKS_H
#define QUILL_LIB_DIALECT_QUILL_IR_SHAPECHECKS_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/InterleavedRange.h"

namespace mlir::quill {

/// Dimensions agree when equal or when either is not known yet.
inline bool compatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

inline bool compatibleShapes(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  return a.size() == b.size() && llvm::all_of(llvm::zip(a, b), [](auto dims) {
           return compatible(std::get<0>(dims), std::get<1>(dims));
         });
}

/// Fails, naming both shapes, unless `result` matches `expected` up to
/// dynamic dimensions.
inline LogicalResult verifyResultShape(Operation *op,
                                       ArrayRef<int64_t> expected,
                                       ArrayRef<int64_t> result) {
  if (!compatibleShapes(result, expected))
    return op->emitOpError("expected result shape [")
           << llvm::interleaved(expected) << "], got ["
           << llvm::interleaved(result) << "]";
  return success();
}

/// Fails unless `axis` is a dimension of a tensor of rank `rank`.
inline LogicalResult verifyAxis(Operation *op, int64_t axis, int64_t rank) {
  if (axis < 0 || axis >= rank)
    return op->emitOpError("expected axis in [0, ")
           << rank << "), got " << axis;
  return success();
}

/// numpy matmul shapes: contraction sizes agree, batch dimensions
/// broadcast, and `result` is the product's shape (quill.matmul and
/// quill.quantized_matmul).
LogicalResult verifyMatMulShapes(Operation *op, ArrayRef<int64_t> lhs,
                                 ArrayRef<int64_t> rhs,
                                 ArrayRef<int64_t> result);

/// ONNX Conv's operand shapes, window attributes and result shape
/// (quill.conv and quill.quantized_conv).
LogicalResult verifyConvShapes(Operation *op, RankedTensorType input,
                               RankedTensorType weight, Value bias,
                               int64_t group, ArrayRef<int64_t> strides,
                               ArrayRef<int64_t> pads,
                               ArrayRef<int64_t> dilations,
                               RankedTensorType result);

} // namespace mlir::quill

#endif // QUILL_LIB_DIALECT_QUILL_IR_SHAPECHECKS_H
