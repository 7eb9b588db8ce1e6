//===- Tensor.cpp - Importers of ONNX shape and layout ops ----------------===//
//
// With static shapes, Reshape, Flatten, Squeeze and Unsqueeze are one
// reshape to the inferred type, and Shape is a constant.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

#include "quill/Dialect/Quill/IR/Quill.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace mlir::quill;
using namespace mlir::quill::onnx_import;

static LogicalResult importConstant(NodeImporter &node) {
  OpBuilder &b = node.getBuilder();
  FailureOr<RankedTensorType> type = node.getOutputType(0);
  if (failed(type))
    return failure();
  const onnx::AttributeProto *attr = nullptr;
  for (StringRef name :
       {"value", "value_float", "value_floats", "value_int", "value_ints",
        "sparse_value", "value_string", "value_strings"})
    if ((attr = node.getAttribute(name)))
      break;
  if (!attr)
    return node.emitError() << "expected a value attribute";
  DenseElementsAttr value;
  if (attr->name() == "value") {
    FailureOr<DenseElementsAttr> tensor = node.getTensor(attr->t());
    if (failed(tensor))
      return failure();
    value = *tensor;
  } else if (attr->name() == "value_float") {
    value = DenseElementsAttr::get(*type, attr->f());
  } else if (attr->name() == "value_floats") {
    value = DenseElementsAttr::get(
        *type, ArrayRef<float>(attr->floats().data(), attr->floats_size()));
  } else if (attr->name() == "value_int") {
    value = DenseElementsAttr::get(*type, static_cast<int64_t>(attr->i()));
  } else if (attr->name() == "value_ints") {
    value = DenseElementsAttr::get(
        *type, ArrayRef<int64_t>(attr->ints().data(), attr->ints_size()));
  } else {
    return node.emitError() << "unsupported attribute '" << attr->name() << "'";
  }
  if (value.getType() != *type)
    return node.emitError() << "the value has type " << value.getType()
                            << " but shape inference says " << *type;
  node.setResults(
      arith::ConstantOp::create(b, node.getLoc(), value)->getResults());
  return success();
}

/// Shape (with opset 15's start/end) of a static-shaped input.
static LogicalResult importShape(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredInput(0);
  FailureOr<RankedTensorType> type = node.getOutputType(0);
  if (failed(input) || failed(type))
    return failure();
  ArrayRef<int64_t> dims = cast<RankedTensorType>(input->getType()).getShape();
  int64_t rank = dims.size();
  auto clampIndex = [&](int64_t index) {
    return std::clamp<int64_t>(index < 0 ? index + rank : index, 0, rank);
  };
  int64_t start = clampIndex(node.getInt("start", 0));
  int64_t end = clampIndex(node.getInt("end", rank));
  SmallVector<int64_t> values(dims.begin() + start,
                              dims.begin() + std::max(start, end));
  auto value = DenseElementsAttr::get(*type, ArrayRef<int64_t>(values));
  node.setResults(
      arith::ConstantOp::create(node.getBuilder(), node.getLoc(), value)
          ->getResults());
  return success();
}

/// Reshape, Flatten, Squeeze, Unsqueeze: one reshape to the inferred shape.
static LogicalResult importReshape(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredInput(0);
  FailureOr<RankedTensorType> type = node.getOutputType(0);
  if (failed(input) || failed(type))
    return failure();
  node.setResults(
      ReshapeOp::create(node.getBuilder(), node.getLoc(), *type, *input)
          ->getResults());
  return success();
}

static LogicalResult importTranspose(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredInput(0);
  FailureOr<RankedTensorType> type = node.getOutputType(0);
  if (failed(input) || failed(type))
    return failure();
  int64_t rank = type->getRank();
  // The default reverses the dimensions.
  SmallVector<int64_t> permutation = node.getInts("perm").value_or(
      llvm::to_vector(llvm::reverse(llvm::seq<int64_t>(0, rank))));
  node.setResults(TransposeOp::create(node.getBuilder(), node.getLoc(), *type,
                                      *input, permutation)
                      ->getResults());
  return success();
}

static LogicalResult importConcat(NodeImporter &node) {
  FailureOr<RankedTensorType> type = node.getOutputType(0);
  if (failed(type))
    return failure();
  SmallVector<Value> inputs;
  for (unsigned i = 0, e = node.getNumInputs(); i < e; ++i) {
    FailureOr<Value> input = node.getRequiredInput(i);
    if (failed(input))
      return failure();
    inputs.push_back(*input);
  }
  if (!node.getAttribute("axis"))
    return node.emitError() << "expected an axis attribute";
  FailureOr<int64_t> axis =
      node.normalizeAxis(node.getInt("axis", 0), type->getRank());
  if (failed(axis))
    return failure();
  node.setResults(
      ConcatOp::create(node.getBuilder(), node.getLoc(), *type, inputs, *axis)
          ->getResults());
  return success();
}

/// Inference-time Dropout passes its input through; its optional mask is
/// all true.
static LogicalResult importDropout(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredInput(0);
  if (failed(input))
    return failure();
  // Opset 12 made training a run-time input; only inference is compiled.
  if (Value training = node.getInput(2)) {
    DenseElementsAttr mode = node.getConstantInput(2);
    if (!mode || mode.getSplatValue<bool>())
      return node.emitError() << "training_mode must be a constant false";
  }
  SmallVector<Value> results = {*input};
  if (node.getNode().output_size() > 1 && !node.getNode().output(1).empty()) {
    FailureOr<RankedTensorType> maskType = node.getOutputType(1);
    if (failed(maskType))
      return failure();
    results.push_back(
        arith::ConstantOp::create(node.getBuilder(), node.getLoc(),
                                  DenseElementsAttr::get(*maskType, true)));
  }
  node.setResults(results);
  return success();
}

ArrayRef<OpImportEntry> mlir::quill::onnx_import::getTensorOpImporters() {
  static const OpImportEntry entries[] = {
      {"", "Concat", 4, importConcat},
      {"", "Constant", 1, importConstant},
      {"", "Dropout", 1, importDropout},
      {"", "Flatten", 1, importReshape},
      {"", "Reshape", 1, importReshape},
      {"", "Shape", 1, importShape},
      {"", "Squeeze", 1, importReshape},
      {"", "Transpose", 1, importTranspose},
      {"", "Unsqueeze", 1, importReshape},
  };
  return entries;
}
