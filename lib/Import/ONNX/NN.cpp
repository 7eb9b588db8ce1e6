//===- NN.cpp - Importers of ONNX activations and softmax -----------------===//

#include "NodeImporter.h"

#include "quill/Dialect/Quill/IR/Quill.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

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

/// Clip bounds: attributes before opset 11, optional scalar inputs after.
static LogicalResult importClip(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredInput(0);
  if (failed(input))
    return failure();
  auto inputType = cast<RankedTensorType>(input->getType());
  auto scalarType = RankedTensorType::get({}, inputType.getElementType());
  OpBuilder &b = node.getBuilder();
  Value bounds[2];
  for (unsigned i = 0; i < 2; ++i) {
    StringRef name = i == 0 ? "min" : "max";
    if (node.getOpset() >= 11) {
      bounds[i] = node.getInput(i + 1);
      continue;
    }
    if (node.getAttribute(name))
      bounds[i] = arith::ConstantOp::create(
          b, node.getLoc(),
          DenseElementsAttr::get(scalarType,
                                 b.getFloatAttr(inputType.getElementType(),
                                                node.getFloat(name, 0.0f))));
  }
  for (Value bound : bounds)
    if (bound && bound.getType() != scalarType)
      return node.emitError() << "expected bounds of type " << scalarType
                              << ", got " << bound.getType();
  node.setResults(
      ClipOp::create(b, node.getLoc(), inputType, *input, bounds[0], bounds[1])
          ->getResults());
  return success();
}

/// Softmax and LogSoftmax. Before opset 13 they "coerce the input to 2-D":
/// dimensions before `axis` form the rows, the rest one row's elements.
template <typename OpTy>
static LogicalResult importSoftmax(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredInput(0);
  if (failed(input))
    return failure();
  auto type = cast<RankedTensorType>(input->getType());
  bool coerce = node.getOpset() < 13;
  FailureOr<int64_t> axis =
      node.normalizeAxis(node.getInt("axis", coerce ? 1 : -1), type.getRank());
  if (failed(axis))
    return failure();
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  if (!coerce || *axis == type.getRank() - 1) {
    node.setResults(OpTy::create(b, loc, *input, *axis)->getResults());
    return success();
  }
  ArrayRef<int64_t> shape = type.getShape();
  int64_t rows = 1, columns = 1;
  for (int64_t d = 0; d < type.getRank(); ++d)
    (d < *axis ? rows : columns) *= shape[d];
  auto matrixType =
      RankedTensorType::get({rows, columns}, type.getElementType());
  Value matrix = ReshapeOp::create(b, loc, matrixType, *input);
  Value softmax = OpTy::create(b, loc, matrix, 1);
  node.setResults(ReshapeOp::create(b, loc, type, softmax)->getResults());
  return success();
}

ArrayRef<OpImportEntry> mlir::quill::onnx_import::getNNOpImporters() {
  static const OpImportEntry entries[] = {
      {"", "Clip", 6, importClip},
      {"", "HardSigmoid", 6, importHardSigmoid},
      {"", "HardSwish", 14, importActivation<HardSwishOp>},
      {"", "LeakyRelu", 6, importLeakyRelu},
      {"", "LogSoftmax", 1, importSoftmax<LogSoftmaxOp>},
      {"", "Sigmoid", 6, importActivation<SigmoidOp>},
      {"", "Softmax", 1, importSoftmax<SoftmaxOp>},
  };
  return entries;
}
