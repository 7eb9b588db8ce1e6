//===- RequantizationEpilogue.h - Matmul epilogues the kernel can fuse ----===//
//
// The int8 GEMM can requantize its int32 sums before they leave registers
// (quill_igemm_s8_packed_requantize, lib/Runtime/Kernels/Igemm.h). This
// recognises a linalg.generic on buffers that computes exactly that from a
// matmul's accumulator, and builds the kernel's per-column vectors from it.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_LIB_CONVERSION_CPU_REQUANTIZATIONEPILOGUE_H
#define QUILL_LIB_CONVERSION_CPU_REQUANTIZATIONEPILOGUE_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <optional>

namespace mlir::quill {

/// An elementwise generic that maps accumulator element s of column j to
///   clamp(((s + offset) * multiplier + rounding) >> shift + zeroPoint,
///         lo, hi) ^ flip
/// truncated to i8, where offset, multiplier, rounding and shift are
/// functions of column j alone (values the generic reads per column, or
/// constants). The values below are the generic's own body values. The
/// generic reads the [rows, columns] accumulator directly or with its rows
/// expanded into several dimensions, in any loop order, and writes any
/// permutation of that: a convolution's epilogue reads its [N*H*W, F]
/// product as [N, H, W, F] and writes [N, F, H, W].
struct RequantizationEpilogue {
  linalg::GenericOp generic;
  /// The block argument that reads the accumulator.
  BlockArgument accumulator;
  /// The accumulator's block argument plus per-column terms (i32).
  Value offsetSum;
  Value multiplier;
  Value rounding;
  Value shift;
  int64_t zeroPoint;
  int64_t lo;
  int64_t hi;
  int64_t flip;
  /// The output's dimensions in the accumulator's order: Out transposed
  /// by this permutation, its row dimensions collapsed, is the
  /// [rows, columns] matrix the kernel writes.
  SmallVector<unsigned> outputPermutation;
  /// Whether the rows collapse only image by image (the leading dimension
  /// of several convolved images): then the kernel runs once per image.
  bool perImage;
};

/// Matches `generic` as a requantization epilogue of `accumulator`, the
/// i32 [rows, columns] matrix or a memref.expand_shape of its rows that
/// the generic reads; its other inputs must be read per column.
std::optional<RequantizationEpilogue>
matchRequantizationEpilogue(linalg::GenericOp generic, Value accumulator);

/// The epilogue's output as the [rows, columns] view the kernel writes,
/// built at `b`'s insertion point: all of it, or with `perImage` the rows
/// of image `image`.
Value buildOutputMatrix(OpBuilder &b, const RequantizationEpilogue &epilogue,
                        Value image = Value());

/// The number of images the kernel runs over (1 unless `perImage`).
int64_t getImageCount(const RequantizationEpilogue &epilogue);

/// Computes the epilogue's per-column vectors (offset i32, then multiplier,
/// rounding and shift i64, one entry per accumulator column) into new
/// buffers, with a 1-d generic at `b`'s insertion point.
SmallVector<Value, 4>
materializeColumnVectors(OpBuilder &b, const RequantizationEpilogue &epilogue,
                         int64_t columns);

} // namespace mlir::quill

#endif // QUILL_LIB_CONVERSION_CPU_REQUANTIZATIONEPILOGUE_H
