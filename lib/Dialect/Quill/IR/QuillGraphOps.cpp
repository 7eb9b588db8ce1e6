//===- QuillGraphOps.cpp - Verifiers of the graph-level ops ---------------===//

#include "quill/Dialect/Quill/IR/Quill.h"

#include "mlir/Dialect/Traits.h"
#include "llvm/Support/InterleavedRange.h"

using namespace mlir;
using namespace mlir::quill;

/// Dimensions agree when equal or when either is not known yet.
static bool compatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

static bool compatibleShapes(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  return a.size() == b.size() && llvm::all_of(llvm::zip(a, b), [](auto dims) {
           return compatible(std::get<0>(dims), std::get<1>(dims));
         });
}

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
