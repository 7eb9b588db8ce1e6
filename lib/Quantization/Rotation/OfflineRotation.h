//===- OfflineRotation.h - Rotations folded entirely into constants -*- C++
//-*-//
//
// A product's output rotated by M (its weight's output channels and bias
// times M) reaches the products that read it through ops that commute with
// M on the last axis; each of those folds M^T into its weight, so no
// quill.hadamard runs at all. Attention's V -> O path (R2 of QuaRot) is the
// common case: V's projection, its bias, the head split, P V (V is the
// right operand), the head merge, and the output projection.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_LIB_QUANTIZATION_ROTATION_OFFLINEROTATION_H
#define QUILL_LIB_QUANTIZATION_ROTATION_OFFLINEROTATION_H

#include "quill/Quantization/HadamardRotation.h"

#include "llvm/ADT/DenseMap.h"

namespace mlir::quill {

/// Rotates every product whose output reaches only such consumers, in the
/// largest Hadamard block that divides the last axis all along the way
/// (the head dimension on V -> O), with one sign pattern per block so that
/// head splits and merges keep it. Returns, for each consumer that now
/// reads a rotated activation, its block size. With `options.remarks`, a
/// remark on each producer that could not be rotated says where the path
/// broke.
llvm::DenseMap<Operation *, int64_t>
rotateOffline(func::FuncOp function, const HadamardRotationOptions &options);

} // namespace mlir::quill

#endif // QUILL_LIB_QUANTIZATION_ROTATION_OFFLINEROTATION_H
