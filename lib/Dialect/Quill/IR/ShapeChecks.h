//===- ShapeChecks.h - Shape comparisons shared by op verifiers -*- C++ -*-===//
//
// Internal to lib/Dialect/Quill/IR.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_LIB_DIALECT_QUILL_IR_SHAPECHECKS_H
#define QUILL_LIB_DIALECT_QUILL_IR_SHAPECHECKS_H

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/STLExtras.h"

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

} // namespace mlir::quill

#endif // QUILL_LIB_DIALECT_QUILL_IR_SHAPECHECKS_H
