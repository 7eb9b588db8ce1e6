//===- RotationEstimate.h - Error of a product with and without rotation -*- C++
//-*-//
//
// What `--rotate=auto` compares per product: the SQNR of its output when
// its weights and activations are quantized in the target format, with the
// reduction axis unrotated or rotated in blocks of a given size. The weight
// (at most 128 columns, evenly strided) and the activation rows sampled by
// calibration (ChannelStatistics) are rotated by the same transform the pass
// folds in, then quantized as the format does it.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_LIB_QUANTIZATION_ROTATION_ROTATIONESTIMATE_H
#define QUILL_LIB_QUANTIZATION_ROTATION_ROTATIONESTIMATE_H

#include "quill/Quantization/HadamardRotation.h"
#include "quill/Quantization/QuantizableOps.h"

#include <vector>

namespace mlir::quill {

/// A product's data along its reduction axis of `size`.
struct ProductSamples {
  int64_t size = 0;
  /// Sampled weight columns as [column][size].
  std::vector<std::vector<float>> columns;
  /// Sampled activation rows (none without channel statistics).
  std::vector<std::vector<float>> rows;
};

ProductSamples getProductSamples(const QuantizableOp &product,
                                 const CalibrationStatistics *statistics);

/// SQNR (dB) of the product's output (of its weight alone without rows)
/// quantized in `options.format`, its reduction axis rotated in blocks of
/// `blockSize` (0: not rotated).
double estimateProductSqnr(const ProductSamples &samples, int64_t blockSize,
                           const HadamardRotationOptions &options);

} // namespace mlir::quill

#endif // QUILL_LIB_QUANTIZATION_ROTATION_ROTATIONESTIMATE_H
