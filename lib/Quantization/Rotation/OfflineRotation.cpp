//===- OfflineRotation.cpp - Rotations folded entirely into constants -----===//

#include "OfflineRotation.h"
#include "RotationFolding.h"

#include "quill/Dialect/Quill/IR/Hadamard.h"
#include "quill/Dialect/Quill/IR/Quill.h"
#include "quill/Quantization/QuantizableOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Matchers.h"

#include <numeric>

using namespace mlir;
using namespace mlir::quill;

namespace {

/// What rotating one product's output touches.
struct OfflinePlan {
  /// Constants to transform along their last axis (the producer's weight
  /// is one of them when it is laid out [K, N]), with that axis.
  SmallVector<std::pair<OpOperand *, int64_t>> constants;
  /// Consumers and the axis of their weight that they sum over.
  SmallVector<std::pair<OpOperand *, int64_t>> consumerWeights;
  /// Every last-axis size on the way: the block must divide each.
  int64_t sizes = 0;
};

int64_t lastAxisSize(Value value) {
  return cast<RankedTensorType>(value.getType()).getShape().back();
}

/// A constant that only varies along the last axis of `result`'s shape
/// (a bias).
bool isLastAxisConstant(Value value, Value result) {
  DenseFPElementsAttr constant;
  if (!matchPattern(value, m_Constant(&constant)))
    return false;
  ArrayRef<int64_t> shape = constant.getType().getShape();
  return !shape.empty() && shape.back() == lastAxisSize(result) &&
         llvm::all_of(shape.drop_back(), [](int64_t d) { return d == 1; }) &&
         shape.size() <=
             cast<RankedTensorType>(result.getType()).getShape().size();
}

bool isScalarConstant(Value value) {
  DenseFPElementsAttr constant;
  return matchPattern(value, m_Constant(&constant)) &&
         constant.getNumElements() == 1;
}

/// Follows every use of `value` (rotated on its last axis) to the products
/// that absorb the rotation; the op where a path breaks otherwise.
LogicalResult follow(Value value, OfflinePlan &plan, Operation *&brokenAt) {
  plan.sizes = std::gcd(plan.sizes, lastAxisSize(value));
  for (OpOperand &use : value.getUses()) {
    Operation *user = use.getOwner();
    auto weightOf = [&](Value weight) {
      DenseFPElementsAttr constant;
      return matchPattern(weight, m_Constant(&constant)) &&
             constant.getType().getRank() == 2 &&
             constant.getElementType().isF32();
    };
    bool flows = false;
    if (auto matmul = dyn_cast<MatMulOp>(user)) {
      if (use.getOperandNumber() == 0 && weightOf(matmul.getRhs())) {
        plan.consumerWeights.push_back({&matmul.getRhsMutable(), 0});
        continue;
      }
      // P V: the rotation of V's columns is the product's.
      flows = use.getOperandNumber() == 1;
    } else if (auto gemm = dyn_cast<GemmOp>(user)) {
      if (use.getOperandNumber() == 0 && !gemm.getTransA() &&
          weightOf(gemm.getB())) {
        plan.consumerWeights.push_back(
            {&gemm.getBMutable(), gemm.getTransB() ? 1 : 0});
        continue;
      }
    } else if (isa<AddOp, SubOp>(user)) {
      Value other = user->getOperand(1 - use.getOperandNumber());
      flows = isLastAxisConstant(other, user->getResult(0));
      if (flows)
        plan.constants.push_back(
            {&user->getOpOperand(1 - use.getOperandNumber()),
             cast<RankedTensorType>(other.getType()).getRank() - 1});
    } else if (isa<MulOp>(user) ||
               (isa<DivOp>(user) && use.getOperandNumber() == 0)) {
      flows = isScalarConstant(user->getOperand(1 - use.getOperandNumber()));
    } else if (isa<ReshapeOp>(user)) {
      flows = true;
    } else if (auto transpose = dyn_cast<TransposeOp>(user)) {
      ArrayRef<int64_t> perm = transpose.getPermutation();
      flows = !perm.empty() && perm.back() == int64_t(perm.size()) - 1;
    }
    if (!flows) {
      brokenAt = user;
      return failure();
    }
    if (failed(follow(user->getResult(0), plan, brokenAt)))
      return failure();
  }
  return success();
}

} // namespace

llvm::DenseMap<Operation *, int64_t>
mlir::quill::rotateOffline(func::FuncOp function,
                           const HadamardRotationOptions &options) {
  llvm::DenseMap<Operation *, int64_t> rotatedConsumers;
  for (const QuantizableOp &product : getQuantizableOps(function)) {
    Operation *op = product.op;
    DenseFPElementsAttr weight;
    if (!isa<MatMulOp, GemmOp>(op) ||
        !matchPattern(product.weight->get(), m_Constant(&weight)) ||
        !weight.getElementType().isF32() || weight.getType().getRank() != 2)
      continue;
    // The producer's output channels: its weight along them, and Gemm's
    // bias.
    OfflinePlan plan;
    plan.constants.push_back({product.weight, product.weightChannelAxis});
    if (auto gemm = dyn_cast<GemmOp>(op); gemm && gemm.getC()) {
      if (!isLastAxisConstant(gemm.getC(), gemm.getResult()))
        continue;
      plan.constants.push_back(
          {&gemm->getOpOperand(2),
           cast<RankedTensorType>(gemm.getC().getType()).getRank() - 1});
    }
    Operation *brokenAt = nullptr;
    if (failed(follow(op->getResult(0), plan, brokenAt)) ||
        plan.consumerWeights.empty()) {
      if (options.remarks && brokenAt)
        op->emitRemark("no offline rotation of its output: the path to its "
                       "consumers goes through '")
            << brokenAt->getName() << "'";
      continue;
    }
    int64_t blockSize = getLargestHadamardBlock(plan.sizes);
    if (options.blockSize > 0 && plan.sizes % options.blockSize == 0 &&
        factorHadamardSize(options.blockSize))
      blockSize = options.blockSize;
    if (blockSize <= 1)
      continue;
    // One sign pattern per block, so that head splits and merges, which
    // move whole blocks, keep the rotation the same everywhere.
    SmallVector<float> block = getRandomSigns(blockSize, options.seed);
    auto signsFor = [&](int64_t size) {
      SmallVector<float> signs;
      for (int64_t i = 0; i < size; ++i)
        signs.push_back(block[i % blockSize]);
      return signs;
    };
    auto rewrite = [&](OpOperand *operand, int64_t axis) {
      DenseFPElementsAttr constant;
      matchPattern(operand->get(), m_Constant(&constant));
      int64_t size = constant.getType().getShape()[axis];
      OpBuilder b(operand->getOwner());
      operand->set(arith::ConstantOp::create(
          b, operand->get().getLoc(),
          rotateAlongAxis(constant, axis, blockSize, signsFor(size))));
    };
    for (auto [operand, axis] : plan.constants)
      rewrite(operand, axis);
    for (auto [operand, axis] : plan.consumerWeights) {
      rewrite(operand, axis);
      rotatedConsumers[operand->getOwner()] = blockSize;
    }
  }
  return rotatedConsumers;
}
