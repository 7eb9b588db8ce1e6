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
      // Weights are [C, M / group, K...]: scales per input channel (axis 0)
      // are valid for every group count.
      activation = &convTranspose.getInputMutable();
      weight = &convTranspose.getWeightMutable();
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

bool mlir::quill::movesQuantizedValues(Operation *op) {
  return isa<ReshapeOp, TransposeOp, MaxPoolOp>(op);
}
