//===- QuantParams.h - Quantization parameters and their checks -*- C++ -*-===//
//
// One place that knows which element types carry quantization parameters,
// which storage ranges integers have, what each block format is made of, and
// whether a set of parameters fits a tensor's shape. Op verifiers, folders
// and passes all ask here.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_DIALECT_QUILL_IR_QUANTPARAMS_H
#define QUILL_DIALECT_QUILL_IR_QUANTPARAMS_H

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Support/LLVM.h"

namespace mlir::quill {

/// True for the element types that quill.quantize produces: !quant.uniform
/// (per-tensor, per-axis, per-block) and !quill.float_quant.
bool isQuantizedElementType(Type type);

/// The float type a quantized element type stands for, or null.
Type getExpressedType(Type quantizedElementType);

/// The zero points of a per-block type, one per block in row-major order.
/// Upstream stores them in the storage width; unsigned storage reads them
/// zero-extended.
SmallVector<int64_t>
getBlockZeroPoints(quant::UniformQuantizedSubChannelType type);

/// A matrix of 4-bit (or narrower) integer weights whose parameters a
/// block-weight kernel reads: one scale and zero point per block of
/// `blockSize` along `reductionAxis` (the whole axis for per-axis types) and
/// per index of the other axis; `blockSize` is a multiple of 4.
struct BlockedWeightLayout {
  int64_t reductionAxis;
  int64_t blockSize;
};
std::optional<BlockedWeightLayout>
getBlockedWeightLayout(RankedTensorType quantizedType);

/// Checks that the quantization parameters of `type`'s element type fit its
/// shape: zero points inside the storage range, axes inside the rank, one
/// scale per axis index, block sizes dividing their axes and one scale per
/// block. Dynamic dimensions are not checked.
LogicalResult
verifyQuantizedTensorType(function_ref<InFlightDiagnostic()> emitError,
                          RankedTensorType type);

/// The closed range of values a `width`-bit integer holds when read as
/// signed or unsigned. `width` is at most 32.
struct StorageRange {
  int64_t min;
  int64_t max;
  bool contains(int64_t value) const { return value >= min && value <= max; }
};
StorageRange getStorageRange(unsigned width, bool isUnsigned);

/// What a block-scaled format is made of.
enum class BlockFormat : uint32_t;
struct BlockFormatInfo {
  Type elementType;
  Type scaleType;
  int64_t blockSize;
  /// NVFP4's second-level f32 scale for the whole tensor.
  bool hasTensorScale;
};
BlockFormatInfo getBlockFormatInfo(MLIRContext *context, BlockFormat format);

} // namespace mlir::quill

#endif // QUILL_DIALECT_QUILL_IR_QUANTPARAMS_H
