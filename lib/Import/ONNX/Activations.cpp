//===- Activations.cpp - Importers of ONNX activation functions -----------===//
//
// Each activation is one graph op, its parameters attributes with ONNX's
// defaults; quantization and the integer-only rewrite see the op whole.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

#include "quill/Dialect/Quill/IR/Quill.h"

#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;
using namespace mlir::quill;
using namespace mlir::quill::onnx_import;

template <typename OpTy>
static LogicalResult importActivation(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredInput(0);
  if (failed(input))
    return failure();
  node.setResults(
      OpTy::create(node.getBuilder(), node.getLoc(), *input)->getResults());
  return success();
}

/// Mish (opset 18): x * tanh(softplus(x)).
static LogicalResult importMish(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredFloatInput(0);
  if (failed(input))
    return failure();
  auto type = cast<RankedTensorType>(input->getType());
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  Value softplus = SoftplusOp::create(b, loc, type, *input);
  Value gate = math::TanhOp::create(b, loc, softplus);
  node.setResults(MulOp::create(b, loc, type, *input, gate)->getResults());
  return success();
}

/// com.microsoft Gelu (erf form), FastGelu (tanh approximation, optional
/// bias added first) and BiasGelu (bias added first).
static LogicalResult importMicrosoftGelu(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredInput(0);
  if (failed(input))
    return failure();
  StringRef op = node.getNode().op_type();
  OpBuilder &b = node.getBuilder();
  Value x = *input;
  if (Value bias = node.getInput(1); bias && op != "Gelu")
    x = AddOp::create(b, node.getLoc(), x.getType(), x, bias);
  node.setResults(
      GeluOp::create(b, node.getLoc(), x, op == "FastGelu")->getResults());
  return success();
}

static LogicalResult importHardSigmoid(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredInput(0);
  if (failed(input))
    return failure();
  OpBuilder &b = node.getBuilder();
  node.setResults(
      HardSigmoidOp::create(b, node.getLoc(), *input,
                            b.getF32FloatAttr(node.getFloat("alpha", 0.2f)),
                            b.getF32FloatAttr(node.getFloat("beta", 0.5f)))
          ->getResults());
  return success();
}

static LogicalResult importPRelu(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredInput(0);
  FailureOr<Value> slope = node.getRequiredInput(1);
  if (failed(input) || failed(slope))
    return failure();
  // Before opset 7 a [C] slope applies per channel (axis 1).
  auto inputType = cast<RankedTensorType>(input->getType());
  auto slopeType = cast<RankedTensorType>(slope->getType());
  if (node.getOpset() < 7 && slopeType.getRank() == 1 &&
      inputType.getRank() > 2 && slopeType.getNumElements() > 1) {
    SmallVector<int64_t> shape(inputType.getRank() - 1, 1);
    shape[0] = slopeType.getDimSize(0);
    slope = ReshapeOp::create(node.getBuilder(), node.getLoc(),
                              slopeType.clone(shape), *slope)
                .getResult();
  }
  node.setResults(PReluOp::create(node.getBuilder(), node.getLoc(),
                                  input->getType(), *input, *slope)
                      ->getResults());
  return success();
}

static LogicalResult importLeakyRelu(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredInput(0);
  if (failed(input))
    return failure();
  OpBuilder &b = node.getBuilder();
  node.setResults(
      LeakyReluOp::create(b, node.getLoc(), *input,
                          b.getF32FloatAttr(node.getFloat("alpha", 0.01f)))
          ->getResults());
  return success();
}

/// Elu, Celu, ThresholdedRelu: one `alpha`, default 1.
template <typename OpTy>
static LogicalResult importAlphaActivation(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredInput(0);
  if (failed(input))
    return failure();
  OpBuilder &b = node.getBuilder();
  node.setResults(OpTy::create(b, node.getLoc(), *input,
                               b.getF32FloatAttr(node.getFloat("alpha", 1.0f)))
                      ->getResults());
  return success();
}

static LogicalResult importSelu(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredInput(0);
  if (failed(input))
    return failure();
  OpBuilder &b = node.getBuilder();
  node.setResults(
      SeluOp::create(
          b, node.getLoc(), *input,
          b.getF32FloatAttr(node.getFloat("alpha", 1.67326319217681884765625f)),
          b.getF32FloatAttr(node.getFloat("gamma", 1.05070102214813232421875f)))
          ->getResults());
  return success();
}

ArrayRef<OpImportEntry> mlir::quill::onnx_import::getActivationOpImporters() {
  static const OpImportEntry entries[] = {
      {"", "Celu", 12, importAlphaActivation<CeluOp>},
      {"", "Elu", 1, importAlphaActivation<EluOp>},
      {"", "HardSigmoid", 6, importHardSigmoid},
      {"", "HardSwish", 14, importActivation<HardSwishOp>},
      {"", "LeakyRelu", 6, importLeakyRelu},
      {"", "PRelu", 6, importPRelu},
      {"", "Selu", 1, importSelu},
      {"", "Sigmoid", 6, importActivation<SigmoidOp>},
      {"", "Sign", 9, importActivation<SignOp>},
      {"", "Mish", 18, importMish},
      {"", "Softplus", 1, importActivation<SoftplusOp>},
      {"", "Softsign", 1, importActivation<SoftsignOp>},
      {"", "ThresholdedRelu", 10, importAlphaActivation<ThresholdedReluOp>},
      {"com.microsoft", "BiasGelu", 1, importMicrosoftGelu},
      {"com.microsoft", "FastGelu", 1, importMicrosoftGelu},
      {"com.microsoft", "Gelu", 1, importMicrosoftGelu},
  };
  return entries;
}
