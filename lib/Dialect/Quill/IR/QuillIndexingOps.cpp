//===- QuillIndexingOps.cpp - Verifiers of the index-valued ops -----------===//

#include "quill/Dialect/Quill/IR/Quill.h"

#include "ShapeChecks.h"

#include "llvm/Support/InterleavedRange.h"

using namespace mlir;
using namespace mlir::quill;

/// `shape` with `axis` dropped, or set to 1 with `keepdims`.
static SmallVector<int64_t> reduceAxis(ArrayRef<int64_t> shape, int64_t axis,
                                       bool keepdims) {
  SmallVector<int64_t> result(shape);
  if (keepdims)
    result[axis] = 1;
  else
    result.erase(result.begin() + axis);
  return result;
}

template <typename OpTy> static LogicalResult verifyArgExtremum(OpTy op) {
  ArrayRef<int64_t> shape = op.getInput().getType().getShape();
  if (failed(verifyAxis(op, op.getAxis(), shape.size())))
    return failure();
  return verifyResultShape(op,
                           reduceAxis(shape, op.getAxis(), op.getKeepdims()),
                           op.getResult().getType().getShape());
}

LogicalResult ArgMaxOp::verify() { return verifyArgExtremum(*this); }
LogicalResult ArgMinOp::verify() { return verifyArgExtremum(*this); }

LogicalResult CumSumOp::verify() {
  return verifyAxis(*this, getAxis(), getInput().getType().getRank());
}

LogicalResult TopKOp::verify() {
  RankedTensorType input = getInput().getType();
  int64_t axis = getAxis();
  if (failed(verifyAxis(*this, axis, input.getRank())))
    return failure();
  int64_t k = getK();
  if (k < 0 || (!input.isDynamicDim(axis) && k > input.getDimSize(axis)))
    return emitOpError("expected k in [0, ")
           << input.getDimSize(axis) << "], got " << k;
  if (getValues().getType().getElementType() != input.getElementType())
    return emitOpError("expected values of the input's element type");
  SmallVector<int64_t> expected(input.getShape());
  expected[axis] = k;
  if (failed(
          verifyResultShape(*this, expected, getValues().getType().getShape())))
    return failure();
  return verifyResultShape(*this, expected, getIndices().getType().getShape());
}

LogicalResult GatherElementsOp::verify() {
  auto data = cast<RankedTensorType>(getData().getType());
  RankedTensorType indices = getIndices().getType();
  auto result = cast<RankedTensorType>(getResult().getType());
  if (failed(verifyAxis(*this, getAxis(), data.getRank())))
    return failure();
  if (indices.getRank() != data.getRank())
    return emitOpError("expected indices of the data's rank ")
           << data.getRank() << ", got " << indices.getRank();
  if (result.getElementType() != data.getElementType())
    return emitOpError("expected the result to have the data's element type");
  return verifyResultShape(*this, indices.getShape(), result.getShape());
}

LogicalResult GatherNDOp::verify() {
  auto data = cast<RankedTensorType>(getData().getType());
  RankedTensorType indices = getIndices().getType();
  auto result = cast<RankedTensorType>(getResult().getType());
  int64_t batchDims = getBatchDims();
  if (indices.getRank() < 1 || batchDims < 0 ||
      batchDims >= std::min(data.getRank(), indices.getRank()))
    return emitOpError("expected batch_dims below both ranks, got ")
           << batchDims;
  int64_t tuple = indices.getShape().back();
  if (ShapedType::isDynamic(tuple) || tuple < 1 ||
      batchDims + tuple > data.getRank())
    return emitOpError("expected index tuples of 1 to ")
           << data.getRank() - batchDims << " elements, got " << tuple;
  if (!compatibleShapes(data.getShape().take_front(batchDims),
                        indices.getShape().take_front(batchDims)))
    return emitOpError("expected the data and indices to share their ")
           << batchDims << " batch dimensions";
  if (result.getElementType() != data.getElementType())
    return emitOpError("expected the result to have the data's element type");
  SmallVector<int64_t> expected(indices.getShape().drop_back());
  llvm::append_range(expected, data.getShape().drop_front(batchDims + tuple));
  return verifyResultShape(*this, expected, result.getShape());
}

/// What every scatter requires of its operands: the result is the data's
/// type, updates have its element type.
template <typename OpTy> static LogicalResult verifyScatterTypes(OpTy op) {
  auto data = cast<RankedTensorType>(op.getData().getType());
  auto updates = cast<RankedTensorType>(op.getUpdates().getType());
  if (op.getResult().getType() != data)
    return op.emitOpError("expected the result to have the data's type");
  if (updates.getElementType() != data.getElementType())
    return op.emitOpError("expected updates of the data's element type");
  if (op.getReduction() != ScatterReduction::None &&
      data.getElementType().isInteger(1))
    return op.emitOpError("expected numbers to combine, got booleans");
  return success();
}

LogicalResult ScatterElementsOp::verify() {
  if (failed(verifyScatterTypes(*this)))
    return failure();
  auto data = cast<RankedTensorType>(getData().getType());
  RankedTensorType indices = getIndices().getType();
  if (failed(verifyAxis(*this, getAxis(), data.getRank())))
    return failure();
  if (indices.getRank() != data.getRank())
    return emitOpError("expected indices of the data's rank ")
           << data.getRank() << ", got " << indices.getRank();
  if (!compatibleShapes(
          indices.getShape(),
          cast<RankedTensorType>(getUpdates().getType()).getShape()))
    return emitOpError("expected updates of the indices' shape");
  return success();
}

LogicalResult ScatterNDOp::verify() {
  if (failed(verifyScatterTypes(*this)))
    return failure();
  auto data = cast<RankedTensorType>(getData().getType());
  RankedTensorType indices = getIndices().getType();
  int64_t tuple = indices.getRank() ? indices.getShape().back() : 0;
  if (indices.getRank() < 1 || ShapedType::isDynamic(tuple) || tuple < 1 ||
      tuple > data.getRank())
    return emitOpError("expected index tuples of 1 to ")
           << data.getRank() << " elements in the last axis of the indices";
  SmallVector<int64_t> expected(indices.getShape().drop_back());
  llvm::append_range(expected, data.getShape().drop_front(tuple));
  ArrayRef<int64_t> updates =
      cast<RankedTensorType>(getUpdates().getType()).getShape();
  if (!compatibleShapes(updates, expected))
    return emitOpError("expected updates of shape [")
           << llvm::interleaved(expected) << "], got ["
           << llvm::interleaved(updates) << "]";
  return success();
}
