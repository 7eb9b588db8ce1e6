//===- QuillGraphOps.cpp - Verifiers of elementwise, matmul, layout ops ---===//

#include "quill/Dialect/Quill/IR/Quill.h"

#include "ShapeChecks.h"

#include "mlir/Dialect/Traits.h"
#include "llvm/Support/InterleavedRange.h"

using namespace mlir;
using namespace mlir::quill;

LogicalResult mlir::quill::verifyMatMulShapes(Operation *op,
                                              ArrayRef<int64_t> lhs,
                                              ArrayRef<int64_t> rhs,
                                              ArrayRef<int64_t> result) {
  if (lhs.empty() || rhs.empty())
    return op->emitOpError("expected operands of rank 1 or more");
  // numpy promotes a vector to a matrix and drops the added dimension.
  SmallVector<int64_t> lhsMatrix(lhs), rhsMatrix(rhs);
  if (lhs.size() == 1)
    lhsMatrix.insert(lhsMatrix.begin(), 1);
  if (rhs.size() == 1)
    rhsMatrix.push_back(1);
  int64_t lhsK = lhsMatrix.back(), rhsK = rhsMatrix[rhsMatrix.size() - 2];
  if (!compatible(lhsK, rhsK))
    return op->emitOpError("expected contraction sizes to agree, got ")
           << lhsK << " and " << rhsK;
  SmallVector<int64_t> expected;
  if (!OpTrait::util::getBroadcastedShape(ArrayRef(lhsMatrix).drop_back(2),
                                          ArrayRef(rhsMatrix).drop_back(2),
                                          expected))
    return op->emitOpError("expected batch dimensions that broadcast, got [")
           << llvm::interleaved(ArrayRef(lhsMatrix).drop_back(2)) << "] and ["
           << llvm::interleaved(ArrayRef(rhsMatrix).drop_back(2)) << "]";
  if (lhs.size() > 1)
    expected.push_back(lhsMatrix[lhsMatrix.size() - 2]);
  if (rhs.size() > 1)
    expected.push_back(rhsMatrix.back());
  return verifyResultShape(op, expected, result);
}

LogicalResult MatMulOp::verify() {
  return verifyMatMulShapes(*this, getLhs().getType().getShape(),
                            getRhs().getType().getShape(),
                            getResult().getType().getShape());
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
  return verifyResultShape(*this, expected, getResult().getType().getShape());
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
  return verifyResultShape(
      *this, expected,
      cast<RankedTensorType>(getResult().getType()).getShape());
}

LogicalResult CompareOp::verify() {
  Type lhs = getLhs().getType().getElementType();
  Type rhs = getRhs().getType().getElementType();
  if (lhs != rhs)
    return emitOpError("expected operands of one element type, got ")
           << lhs << " and " << rhs;
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

template <typename ReduceOp> static LogicalResult verifyReduce(ReduceOp op) {
  RankedTensorType input = op.getInput().getType();
  ArrayRef<int64_t> axes = op.getAxes();
  for (auto [index, axis] : llvm::enumerate(axes))
    if (axis < 0 || axis >= input.getRank() ||
        (index > 0 && axis <= axes[index - 1]))
      return op.emitOpError("expected sorted, distinct axes in [0, ")
             << input.getRank() << "), got [" << llvm::interleaved(axes) << "]";
  SmallVector<int64_t> expected;
  for (int64_t dim = 0; dim < input.getRank(); ++dim) {
    if (!llvm::is_contained(axes, dim))
      expected.push_back(input.getDimSize(dim));
    else if (op.getKeepdims())
      expected.push_back(1);
  }
  return verifyResultShape(op, expected, op.getResult().getType().getShape());
}

LogicalResult ReduceMeanOp::verify() { return verifyReduce(*this); }
LogicalResult ReduceSumOp::verify() { return verifyReduce(*this); }
LogicalResult ReduceMaxOp::verify() { return verifyReduce(*this); }
LogicalResult ReduceProdOp::verify() { return verifyReduce(*this); }

LogicalResult ModOp::verify() {
  if (isa<FloatType>(getResult().getType().getElementType()) && !getFmod())
    return emitOpError("expected fmod for float operands: floored remainder "
                       "is defined for integers only");
  return success();
}

LogicalResult WhereOp::verify() {
  Type elementType = getResult().getType().getElementType();
  if (getTrueValue().getType().getElementType() != elementType ||
      getFalseValue().getType().getElementType() != elementType)
    return emitOpError("expected both values to have the result's element "
                       "type ")
           << elementType;
  return success();
}

LogicalResult ExpandOp::verify() {
  ArrayRef<int64_t> result =
      cast<RankedTensorType>(getResult().getType()).getShape();
  SmallVector<int64_t> broadcast;
  if (!OpTrait::util::getBroadcastedShape(getInput().getType().getShape(),
                                          result, broadcast) ||
      !compatibleShapes(broadcast, result))
    return emitOpError("expected the input to broadcast to [")
           << llvm::interleaved(result) << "]";
  return success();
}

LogicalResult GatherOp::verify() {
  auto data = cast<RankedTensorType>(getData().getType());
  int64_t axis = getAxis();
  if (failed(verifyAxis(*this, axis, data.getRank())))
    return failure();
  auto resultType = cast<RankedTensorType>(getResult().getType());
  if (resultType.getElementType() != data.getElementType())
    return emitOpError("expected the result to have the data's element type");
  SmallVector<int64_t> expected(data.getShape().take_front(axis));
  llvm::append_range(expected, getIndices().getType().getShape());
  llvm::append_range(expected, data.getShape().drop_front(axis + 1));
  return verifyResultShape(*this, expected, resultType.getShape());
}

LogicalResult SliceOp::verify() {
  RankedTensorType input = getInput().getType();
  auto result = cast<RankedTensorType>(getResult().getType());
  ArrayRef<int64_t> starts = getStarts(), steps = getSteps();
  int64_t rank = input.getRank();
  if (static_cast<int64_t>(starts.size()) != rank ||
      static_cast<int64_t>(steps.size()) != rank || result.getRank() != rank)
    return emitOpError("expected one start and step per dimension and a "
                       "result of rank ")
           << rank;
  for (int64_t dim = 0; dim < rank; ++dim) {
    int64_t size = input.getDimSize(dim), count = result.getDimSize(dim);
    if (steps[dim] == 0)
      return emitOpError("expected non-zero steps");
    if (count == 0 || ShapedType::isDynamic(size))
      continue;
    int64_t last = starts[dim] + (count - 1) * steps[dim];
    if (starts[dim] < 0 || starts[dim] >= size || last < 0 || last >= size)
      return emitOpError("expected dimension ")
             << dim << " to read indices in [0, " << size << "), got "
             << starts[dim] << " to " << last;
  }
  return success();
}

LogicalResult PadOp::verify() {
  RankedTensorType input = getInput().getType();
  auto result = cast<RankedTensorType>(getResult().getType());
  ArrayRef<int64_t> pads = getPads();
  int64_t rank = input.getRank();
  if (static_cast<int64_t>(pads.size()) != 2 * rank)
    return emitOpError("expected ") << 2 * rank << " pads, got " << pads.size();
  SmallVector<int64_t> expected;
  for (int64_t dim = 0; dim < rank; ++dim) {
    int64_t size = input.getDimSize(dim);
    expected.push_back(ShapedType::isDynamic(size)
                           ? ShapedType::kDynamic
                           : size + pads[dim] + pads[dim + rank]);
  }
  if (failed(verifyResultShape(*this, expected, result.getShape())))
    return failure();
  if (Value value = getValue()) {
    if (value.getType() != RankedTensorType::get({}, input.getElementType()))
      return emitOpError("expected a scalar value of the input's element "
                         "type, got ")
             << value.getType();
    if (getMode() != PadMode::Constant)
      return emitOpError("expected no value outside constant mode");
  }
  return success();
}
