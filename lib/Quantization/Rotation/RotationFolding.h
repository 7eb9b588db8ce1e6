//===- RotationFolding.h - Folding a rotation into constants ----*- C++ -*-===//
//
// What the online and offline rotations share: the transform of a constant
// along one axis, each line v becoming (v * s) H_b / sqrt(b) per block, the
// transform quill.hadamard applies to a row. A producer's weight (row
// vectors times M), a bias, and a consumer's weight (M^T W, column by
// column) all take this same transform.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_LIB_QUANTIZATION_ROTATION_ROTATIONFOLDING_H
#define QUILL_LIB_QUANTIZATION_ROTATION_ROTATIONFOLDING_H

#include "mlir/IR/BuiltinAttributes.h"

namespace mlir::quill {

/// `values` with every line along `axis` transformed in blocks of
/// `blockSize` with `signs` (one per element of the axis).
DenseElementsAttr rotateAlongAxis(DenseFPElementsAttr values, int64_t axis,
                                  int64_t blockSize, ArrayRef<float> signs);

} // namespace mlir::quill

#endif // QUILL_LIB_QUANTIZATION_ROTATION_ROTATIONFOLDING_H
