//===- LoweringUtils.h - Shared pieces of the graph IR lowering -*- C++ -*-===//
//
// Builders every lowering pattern uses: empty and filled tensors, numpy
// broadcasting as indexing maps, elementwise and reduction linalg.generic
// ops, static reshapes, and scalar arithmetic that picks the float, signed
// or unsigned form from the element type.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_CONVERSION_QUILLTOLINALG_LOWERINGUTILS_H
#define QUILL_CONVERSION_QUILLTOLINALG_LOWERINGUTILS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::quill::lowering {

/// Maps tensors of unsigned integers and of quantized elements to tensors
/// of their signless storage integers, and tensors of 8-bit-or-narrower
/// floats (fp8, fp6, fp4, E8M0) to i8 tensors of their bits; other types are
/// unchanged.
class StorageTypeConverter : public TypeConverter {
public:
  StorageTypeConverter();
};

/// Arithmetic on one scalar type, choosing the float, signed or unsigned
/// operation; `isUnsigned` comes from the graph-level element type, which
/// the storage type no longer carries.
struct ScalarMath {
  OpBuilder &b;
  Location loc;
  bool isUnsigned = false;

  Value constant(Type type, double value) const;
  Value add(Value x, Value y) const;
  Value sub(Value x, Value y) const;
  Value mul(Value x, Value y) const;
  Value div(Value x, Value y) const;
  Value max(Value x, Value y) const;
  Value min(Value x, Value y) const;
  /// `x < y` as i1.
  Value lessThan(Value x, Value y) const;
  /// Numeric conversion with ONNX Cast's rules; `toUnsigned` for the target.
  Value convert(Value x, Type to, bool toUnsigned) const;
};

/// Signed integer arithmetic inside a linalg body, in `type` (int64 unless
/// said otherwise), with exact integer constants.
struct IntegerMath {
  OpBuilder &b;
  Location loc;
  Type type;

  IntegerMath(OpBuilder &b, Location loc);
  IntegerMath(OpBuilder &b, Location loc, Type type);

  Value constant(int64_t value) const;
  Value add(Value x, Value y) const;
  Value sub(Value x, Value y) const;
  Value mul(Value x, Value y) const;
  /// Division of non-negative values.
  Value div(Value x, Value y) const;
  Value shl(Value x, Value y) const;
  /// Arithmetic shift right (floor division by a power of two).
  Value shr(Value x, Value y) const;
  Value max(Value x, Value y) const;
  Value min(Value x, Value y) const;
  /// `x` read as `type`, sign- or zero-extended (unchanged if it is one).
  Value widen(Value x, bool isUnsigned) const;
  /// quill.requantize's arithmetic: (a * multiplier + 2^(shift-1)) >> shift,
  /// plus `zeroPoint`, clamped to [clampMin, clampMax] and truncated to
  /// `storage`.
  Value requantizeToStorage(Value a, Value multiplier, Value shift,
                            int64_t zeroPoint, int64_t clampMin,
                            int64_t clampMax, Type storage) const;
};

/// Whether the graph-level element type of `value`'s type is unsigned.
bool hasUnsignedElements(Type type);

Value createEmpty(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                  Type elementType);
/// A tensor of `shape` filled with the scalar `value`.
Value createFilled(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                   Value value);

/// The map from the loops of a `resultShape` iteration space to an operand
/// of `operandShape` that numpy-broadcasts to it (trailing dimensions
/// aligned, size-1 dimensions read at index 0).
AffineMap getBroadcastMap(ArrayRef<int64_t> operandShape,
                          ArrayRef<int64_t> resultShape, MLIRContext *context);

using ElementwiseBody =
    function_ref<Value(OpBuilder &, Location, ValueRange scalars)>;

/// A parallel linalg.generic over `shape` reading each of `operands` through
/// the map beside it; `body` computes one result element from one element of
/// each operand (and may use linalg.index).
Value buildMapped(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                  Type elementType, ValueRange operands,
                  ArrayRef<AffineMap> maps, ElementwiseBody body);

/// A tensor of `shape` whose element at each index is `input`'s element at
/// `map` of that index (slices, im2col, flips, broadcasts along any axes).
Value gatherThroughMap(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                       Value input, AffineMap map);

/// The converted type of `op`'s first result.
RankedTensorType getConvertedResultType(const TypeConverter &converter,
                                        Operation *op);

/// A parallel linalg.generic over `resultShape` whose operands broadcast to
/// it; `body` computes one result element from one element of each operand.
Value buildElementwise(OpBuilder &b, Location loc,
                       ArrayRef<int64_t> resultShape, Type resultElementType,
                       ValueRange operands, ElementwiseBody body);

/// Reduces `input` over the sorted `axes` starting from `init`; the result
/// drops the reduced dimensions.
Value buildReduction(
    OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes, Value init,
    function_ref<Value(OpBuilder &, Location, Value element, Value accumulator)>
        combine);

/// `value` reshaped to the static `shape` with the same element count, by
/// tensor.collapse_shape and/or tensor.expand_shape.
Value reshapeTo(OpBuilder &b, Location loc, Value value,
                ArrayRef<int64_t> shape);

/// The map from a rank-`rank` iteration space to a tensor that lacks the
/// reduced `axes` (what buildReduction returns).
AffineMap getReducedMap(int64_t rank, ArrayRef<int64_t> axes,
                        MLIRContext *context);

/// The identity element of max for `type`: -inf or the smallest integer.
Value lowestValue(OpBuilder &b, Location loc, Type type, bool isUnsigned);

/// The identity element of min for `type`: +inf or the largest integer.
Value highestValue(OpBuilder &b, Location loc, Type type, bool isUnsigned);

/// An index operand as `index`, negative values counting from `size`.
Value normalizeIndex(OpBuilder &b, Location loc, Value index, int64_t size);

/// Patterns of each category; every one also needs the type converter.
void populateElementwisePatterns(StorageTypeConverter &converter,
                                 RewritePatternSet &patterns);
void populateReductionPatterns(StorageTypeConverter &converter,
                               RewritePatternSet &patterns);
void populateDataMovementPatterns(StorageTypeConverter &converter,
                                  RewritePatternSet &patterns);
void populateMatMulPatterns(StorageTypeConverter &converter,
                            RewritePatternSet &patterns);
void populateConvolutionPatterns(StorageTypeConverter &converter,
                                 RewritePatternSet &patterns);
void populateResizePatterns(StorageTypeConverter &converter,
                            RewritePatternSet &patterns);
void populatePoolingPatterns(StorageTypeConverter &converter,
                             RewritePatternSet &patterns);
void populateQuantizationPatterns(StorageTypeConverter &converter,
                                  RewritePatternSet &patterns);
void populateIntegerNormalizationPatterns(StorageTypeConverter &converter,
                                          RewritePatternSet &patterns);
void populateBlockFormatPatterns(StorageTypeConverter &converter,
                                 RewritePatternSet &patterns);
void populateHadamardPatterns(StorageTypeConverter &converter,
                              RewritePatternSet &patterns);
void populateIndexingPatterns(StorageTypeConverter &converter,
                              RewritePatternSet &patterns);

} // namespace mlir::quill::lowering

#endif // QUILL_CONVERSION_QUILLTOLINALG_LOWERINGUTILS_H
