//===- QuillGraphOps.cpp - Verifiers of elementwise, matmul, layout ops ---===//

#include "quill/Dialect/Quill/IR/Quill.h"

#include "ShapeChecks.h"

#include "mlir/Dialect/Traits.h"
#include "llvm/Support/InterleavedRange.h"

using namespace mlir;
using namespace mlir::quill;

LogicalResult MatMulOp::verify() {
  ArrayRef<int64_t> lhs = getLhs().getType().getShape();
  ArrayRef<int64_t> rhs = getRhs().getType().getShape();
  if (lhs.empty() || rhs.empty())
    return emitOpError("expected operands of rank 1 or more");
  // numpy promotes a vector to a matrix and drops the added dimension.
  SmallVector<int64_t> lhsMatrix(lhs), rhsMatrix(rhs);
  if (lhs.size() == 1)
    lhsMatrix.insert(lhsMatrix.begin(), 1);
  if (rhs.size() == 1)
    rhsMatrix.push_back(1);
  int64_t lhsK = lhsMatrix.back(), rhsK = rhsMatrix[rhsMatrix.size() - 2];
  if (!compatible(lhsK, rhsK))
    return emitOpError("expected contraction sizes to agree, got ")
           << lhsK << " and " << rhsK;
  SmallVector<int64_t> expected;
  if (!OpTrait::util::getBroadcastedShape(ArrayRef(lhsMatrix).drop_back(2),
                                          ArrayRef(rhsMatrix).drop_back(2),
                                          expected))
    return emitOpError("expected batch dimensions that broadcast, got [")
           << llvm::interleaved(ArrayRef(lhsMatrix).drop_back(2)) << "] and ["
           << llvm::interleaved(ArrayRef(rhsMatrix).drop_back(2)) << "]";
  if (lhs.size() > 1)
    expected.push_back(lhsMatrix[lhsMatrix.size() - 2]);
  if (rhs.size() > 1)
    expected.push_back(rhsMatrix.back());
  ArrayRef<int64_t> result = getResult().getType().getShape();
  if (!compatibleShapes(result, expected))
    return emitOpError("expected result shape [")
           << llvm::interleaved(expected) << "], got ["
           << llvm::interleaved(result) << "]";
  return success();
}

LogicalResult GemmOp::verify() {
  ArrayRef<int64_t> a = getA().getType().getShape();
  ArrayRef<int64_t> b = getB().getType().getShape();
  int64_t m = getTransA() ? a[1] : a[0], ka = getTransA() ? a[0] : a[1];
  int64_t kb = getTransB() ? b[1] : b[0], n = getTransB() ? b[0] : b[1];
  if (!compatible(ka, kb))
    return emitOpError("expected contraction sizes to agree, got ")
           << ka << " and " << kb;
  Type elementType = getA().getType().getElementType();
  if (getB().getType().getElementType() != elementType ||
      getResult().getType().getElementType() != elementType)
    return emitOpError("expected A, B and the result to share an element type");
  SmallVector<int64_t> expected = {m, n};
  if (Value c = getC()) {
    auto cType = cast<RankedTensorType>(c.getType());
    if (cType.getElementType() != elementType)
      return emitOpError("expected C of element type ") << elementType;
    // C broadcasts to [M, N] in one direction only.
    SmallVector<int64_t> broadcast;
    if (cType.getRank() > 2 ||
        !OpTrait::util::getBroadcastedShape(cType.getShape(), expected,
                                            broadcast) ||
        !compatibleShapes(broadcast, expected))
      return emitOpError("expected C to broadcast to [")
             << llvm::interleaved(expected) << "], got ["
             << llvm::interleaved(cType.getShape()) << "]";
  }
  ArrayRef<int64_t> result = getResult().getType().getShape();
  if (!compatibleShapes(result, expected))
    return emitOpError("expected result shape [")
           << llvm::interleaved(expected) << "], got ["
           << llvm::interleaved(result) << "]";
  return success();
}

LogicalResult ClipOp::verify() {
  auto inputType = getInput().getType();
  if (getResult().getType() != inputType)
    return emitOpError("expected the result type to be the input's, ")
           << inputType;
  auto scalarType = RankedTensorType::get({}, inputType.getElementType());
  for (Value bound : {getMin(), getMax()})
    if (bound && bound.getType() != scalarType)
      return emitOpError("expected bounds of type ")
             << scalarType << ", got " << bound.getType();
  return success();
}

/// Softmax and LogSoftmax reduce along one existing axis.
static LogicalResult verifyAxis(Operation *op, int64_t axis, int64_t rank) {
  if (axis < 0 || axis >= rank)
    return op->emitOpError("expected axis in [0, ")
           << rank << "), got " << axis;
  return success();
}

LogicalResult SoftmaxOp::verify() {
  return verifyAxis(*this, getAxis(), getInput().getType().getRank());
}

LogicalResult LogSoftmaxOp::verify() {
  return verifyAxis(*this, getAxis(), getInput().getType().getRank());
}

LogicalResult ReshapeOp::verify() {
  auto inputType = getInput().getType();
  auto resultType = cast<RankedTensorType>(getResult().getType());
  if (inputType.hasStaticShape() &&
      inputType.getNumElements() != resultType.getNumElements())
    return emitOpError("expected the same number of elements, got ")
           << inputType.getNumElements() << " and "
           << resultType.getNumElements();
  return success();
}

LogicalResult TransposeOp::verify() {
  ArrayRef<int64_t> permutation = getPermutation();
  auto inputType = getInput().getType();
  int64_t rank = inputType.getRank();
  SmallVector<bool> seen(rank, false);
  for (int64_t dim : permutation) {
    if (static_cast<int64_t>(permutation.size()) != rank || dim < 0 ||
        dim >= rank || seen[dim])
      return emitOpError("expected a permutation of [0, ")
             << rank << "), got [" << llvm::interleaved(permutation) << "]";
    seen[dim] = true;
  }
  SmallVector<int64_t> expected;
  for (int64_t dim : permutation)
    expected.push_back(inputType.getDimSize(dim));
  ArrayRef<int64_t> result =
      cast<RankedTensorType>(getResult().getType()).getShape();
  if (!compatibleShapes(result, expected))
    return emitOpError("expected result shape [")
           << llvm::interleaved(expected) << "], got ["
           << llvm::interleaved(result) << "]";
  return success();
}

LogicalResult ConcatOp::verify() {
  if (getInputs().empty())
    return emitOpError("expected at least one input");
  auto resultType = cast<RankedTensorType>(getResult().getType());
  int64_t rank = resultType.getRank(), axis = getAxis();
  if (failed(verifyAxis(*this, axis, rank)))
    return failure();
  SmallVector<int64_t> expected(resultType.getShape());
  expected[axis] = 0;
  for (Value input : getInputs()) {
    auto type = cast<RankedTensorType>(input.getType());
    if (type.getRank() != rank)
      return emitOpError("expected inputs of rank ")
             << rank << ", got " << type.getRank();
    for (int64_t dim = 0; dim < rank; ++dim) {
      if (dim == axis) {
        expected[axis] =
            ShapedType::isDynamic(expected[axis]) || type.isDynamicDim(dim)
                ? ShapedType::kDynamic
                : expected[axis] + type.getDimSize(dim);
      } else if (!compatible(type.getDimSize(dim), expected[dim])) {
        return emitOpError("expected inputs to agree on dimension ")
               << dim << ", got " << type.getDimSize(dim) << " and "
               << expected[dim];
      }
    }
  }
  if (!compatible(resultType.getDimSize(axis), expected[axis]))
    return emitOpError("expected result dimension ")
           << axis << " to be " << expected[axis] << ", got "
           << resultType.getDimSize(axis);
  return success();
}
