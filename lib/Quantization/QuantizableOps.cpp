//===- QuantizableOps.cpp - What int8 quantization touches ----------------===//

#include "quill/Quantization/QuantizableOps.h"

#include "quill/Dialect/Quill/IR/Quill.h"

#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::quill;

static bool isFloatTensor(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && type.getElementType().isF32() && type.hasStaticShape();
}

SmallVector<QuantizableOp>
mlir::quill::getQuantizableOps(func::FuncOp function) {
  SmallVector<QuantizableOp> ops;
  function.walk([&](Operation *op) {
    OpOperand *activation = nullptr, *weight = nullptr;
    int64_t axis = 0;
    if (auto matmul = dyn_cast<MatMulOp>(op)) {
      if (matmul.getRhs().getType().getRank() != 2)
        return;
      activation = &matmul.getLhsMutable();
      weight = &matmul.getRhsMutable();
      axis = 1;
    } else if (auto gemm = dyn_cast<GemmOp>(op)) {
      if (gemm.getTransA())
        return;
      activation = &gemm.getAMutable();
      weight = &gemm.getBMutable();
      axis = gemm.getTransB() ? 0 : 1;
    } else if (auto conv = dyn_cast<ConvOp>(op)) {
      activation = &conv.getInputMutable();
      weight = &conv.getWeightMutable();
    } else if (auto convTranspose = dyn_cast<ConvTransposeOp>(op)) {
      // Weights are [C, M / group, K...]. With one group, scales per output
      // channel (axis 1, as ONNX Runtime's quantizer) let the product run on
      // integers; with more, axis 1 would share scales across groups, so
      // they are per input channel (axis 0) and the product stays float.
      activation = &convTranspose.getInputMutable();
      weight = &convTranspose.getWeightMutable();
      axis = convTranspose.getGroup() == 1 ? 1 : 0;
    } else {
      return;
    }
    if (!isFloatTensor(activation->get()) || !isFloatTensor(weight->get()) ||
        !isFloatTensor(op->getResult(0)) ||
        !matchPattern(weight->get(), m_Constant()))
      return;
    Value output = op->getResult(0);
    if (output.hasOneUse())
      if (auto relu = dyn_cast<ReluOp>(*output.getUsers().begin()))
        output = relu.getResult();
    ops.push_back({op, activation, weight, axis, output});
  });
  return ops;
}

ReductionAxes mlir::quill::getReductionAxes(const QuantizableOp &op) {
  auto activationType = cast<RankedTensorType>(op.activation->get().getType());
  if (isa<MatMulOp, GemmOp>(op.op))
    return {activationType.getRank() - 1, 1 - op.weightChannelAxis};
  return {1, isa<ConvOp>(op.op) ? 1 : 0};
}

std::optional<std::string> mlir::quill::getStatisticsName(Value value) {
  if (auto argument = dyn_cast<BlockArgument>(value)) {
    auto function = dyn_cast<func::FuncOp>(argument.getOwner()->getParentOp());
    if (!function)
      return std::nullopt;
    if (auto name = function.getArgAttrOfType<StringAttr>(
            argument.getArgNumber(), "quill.name"))
      return name.str();
    return std::nullopt;
  }
  auto result = cast<OpResult>(value);
  auto name = dyn_cast<NameLoc>(result.getOwner()->getLoc());
  if (!name)
    return std::nullopt;
  std::string text = name.getName().str();
  if (result.getResultNumber() > 0)
    text += ":" + std::to_string(result.getResultNumber());
  return text;
}

/// Whether `value`'s only user is a ReLU, or an add of a constant to a
/// MatMul result: the user's result is the one quantized.
static bool isQuantizedAfterItsUser(Value value) {
  if (!value.hasOneUse())
    return false;
  Operation *user = *value.getUsers().begin();
  if (isa<ReluOp>(user))
    return true;
  auto matmul = value.getDefiningOp<MatMulOp>();
  if (!isa<AddOp>(user) || !matmul)
    return false;
  int64_t columns = matmul.getType().getShape().back();
  // A bias: one value, or one per column.
  return llvm::any_of(user->getOperands(), [&](Value operand) {
    auto type = cast<RankedTensorType>(operand.getType());
    return operand != value && matchPattern(operand, m_Constant()) &&
           (type.getNumElements() == 1 || (type.getNumElements() == columns &&
                                           type.getShape().back() == columns));
  });
}

SmallVector<Value> mlir::quill::getActivationTensors(func::FuncOp function) {
  SmallVector<Value> tensors;
  if (function.isExternal())
    return tensors;
  auto keep = [&](Value value) {
    if (isFloatTensor(value) && !isQuantizedAfterItsUser(value))
      tensors.push_back(value);
  };
  for (BlockArgument argument : function.getArguments())
    keep(argument);
  for (Operation &op : function.getBody().front()) {
    bool constantsOnly = llvm::all_of(op.getOperands(), [](Value operand) {
      return matchPattern(operand, m_Constant());
    });
    if (constantsOnly || isa<DequantizeOp>(op) || movesQuantizedValues(&op))
      continue;
    for (Value result : op.getResults())
      keep(result);
  }
  return tensors;
}

bool mlir::quill::movesQuantizedValues(Operation *op) {
  return isa<ReshapeOp, TransposeOp, MaxPoolOp>(op);
}
