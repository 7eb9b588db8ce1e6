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

/// Ops whose inputs map one to one onto operands and whose result is the
/// inferred output type: Cast, Where, Expand (its shape input is folded
/// into the type).
template <typename OpTy, unsigned NumInputs>
static LogicalResult importTyped(NodeImporter &node) {
  FailureOr<RankedTensorType> type = node.getOutputType(0);
  if (failed(type))
    return failure();
  SmallVector<Value> operands;
  for (unsigned i = 0; i < NumInputs; ++i) {
    FailureOr<Value> operand = node.getRequiredInput(i);
    if (failed(operand))
      return failure();
    operands.push_back(*operand);
  }
  node.setResults(
      OpTy::create(node.getBuilder(), node.getLoc(), *type, operands)
          ->getResults());
  return success();
}

/// Gather and GatherElements: data, indices and an axis of the data.
template <typename OpTy> static LogicalResult importGather(NodeImporter &node) {
  FailureOr<Value> data = node.getRequiredInput(0);
  FailureOr<Value> indices = node.getRequiredInput(1);
  FailureOr<RankedTensorType> type = node.getOutputType(0);
  if (failed(data) || failed(indices) || failed(type))
    return failure();
  FailureOr<int64_t> axis =
      node.normalizeAxis(node.getInt("axis", 0),
                         cast<RankedTensorType>(data->getType()).getRank());
  if (failed(axis))
    return failure();
  node.setResults(OpTy::create(node.getBuilder(), node.getLoc(), *type, *data,
                               *indices, *axis)
                      ->getResults());
  return success();
}

/// Size: the element count, a constant of the static shape.
static LogicalResult importSize(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredInput(0);
  if (failed(input))
    return failure();
  OpBuilder &b = node.getBuilder();
  auto type = RankedTensorType::get({}, b.getI64Type());
  int64_t count = cast<RankedTensorType>(input->getType()).getNumElements();
  node.setResults(arith::ConstantOp::create(
                      b, node.getLoc(),
                      DenseElementsAttr::get(type, b.getI64IntegerAttr(count)))
                      ->getResults());
  return success();
}

/// The ints of attribute `name` before opset `inputSince`, of constant input
/// `index` from it on; nullopt when absent, failure when not constant.
static FailureOr<std::optional<SmallVector<int64_t>>>
getIntsAttrOrInput(NodeImporter &node, StringRef name, unsigned index,
                   int64_t inputSince) {
  if (node.getOpset() < inputSince)
    return node.getInts(name);
  if (!node.getInput(index))
    return std::optional<SmallVector<int64_t>>();
  DenseElementsAttr values = node.getConstantInput(index);
  if (!values)
    return node.emitNotConstantError(index, name);
  return std::optional<SmallVector<int64_t>>(
      llvm::map_to_vector(values.getValues<APInt>(),
                          [](const APInt &v) { return v.getSExtValue(); }));
}

/// Slice with constant starts/ends/axes/steps (attributes before opset 10),
/// clamped as ONNX specifies into one start and step per dimension.
static LogicalResult importSlice(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredInput(0);
  FailureOr<RankedTensorType> type = node.getOutputType(0);
  if (failed(input) || failed(type))
    return failure();
  auto starts = getIntsAttrOrInput(node, "starts", 1, 10);
  auto ends = getIntsAttrOrInput(node, "ends", 2, 10);
  auto axes = getIntsAttrOrInput(node, "axes", 3, 10);
  auto steps = getIntsAttrOrInput(node, "steps", 4, 10);
  if (failed(starts) || failed(ends) || failed(axes) || failed(steps))
    return failure();
  if (!*starts || !*ends || (*starts)->size() != (*ends)->size())
    return node.emitError() << "expected as many starts as ends";
  auto inputType = cast<RankedTensorType>(input->getType());
  int64_t rank = inputType.getRank(), count = (*starts)->size();
  SmallVector<int64_t> axisList =
      axes->value_or(llvm::to_vector(llvm::seq<int64_t>(0, count)));
  SmallVector<int64_t> stepList =
      steps->value_or(SmallVector<int64_t>(count, 1));
  if (static_cast<int64_t>(axisList.size()) != count ||
      static_cast<int64_t>(stepList.size()) != count)
    return node.emitError() << "expected as many axes and steps as starts";
  SmallVector<int64_t> sliceStarts(rank, 0), sliceSteps(rank, 1);
  for (int64_t i = 0; i < count; ++i) {
    FailureOr<int64_t> axis = node.normalizeAxis(axisList[i], rank);
    if (failed(axis))
      return failure();
    int64_t size = inputType.getDimSize(*axis), step = stepList[i];
    if (step == 0)
      return node.emitError() << "expected non-zero steps";
    int64_t start = (**starts)[i];
    start = start < 0 ? start + size : start;
    start = step > 0 ? std::clamp<int64_t>(start, 0, size)
                     : std::clamp<int64_t>(start, 0, size - 1);
    sliceStarts[*axis] = start;
    sliceSteps[*axis] = step;
  }
  node.setResults(SliceOp::create(node.getBuilder(), node.getLoc(), *type,
                                  *input, sliceStarts, sliceSteps)
                      ->getResults());
  return success();
}

/// Split: every output is a slice along `axis`, its size the inferred one
/// (shape inference reads the `split` attribute or input, or divides the
/// axis equally).
static LogicalResult importSplit(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredInput(0);
  if (failed(input))
    return failure();
  auto inputType = cast<RankedTensorType>(input->getType());
  FailureOr<int64_t> axis =
      node.normalizeAxis(node.getInt("axis", 0), inputType.getRank());
  if (failed(axis))
    return failure();
  SmallVector<int64_t> starts(inputType.getRank(), 0);
  SmallVector<int64_t> steps(inputType.getRank(), 1);
  SmallVector<Value> results;
  for (int i = 0, e = node.getNode().output_size(); i < e; ++i) {
    FailureOr<RankedTensorType> type = node.getOutputType(i);
    if (failed(type))
      return failure();
    results.push_back(SliceOp::create(node.getBuilder(), node.getLoc(), *type,
                                      *input, starts, steps));
    starts[*axis] += type->getDimSize(*axis);
  }
  if (starts[*axis] != inputType.getDimSize(*axis))
    return node.emitError() << "the outputs do not cover axis " << *axis;
  node.setResults(results);
  return success();
}

/// Pad: pads and the constant value are attributes before opset 11, inputs
/// (pads constant) after.
static LogicalResult importPad(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredInput(0);
  FailureOr<RankedTensorType> type = node.getOutputType(0);
  if (failed(input) || failed(type))
    return failure();
  const onnx::AttributeProto *modeAttr = node.getAttribute("mode");
  std::string modeName = modeAttr ? modeAttr->s() : "constant";
  std::optional<PadMode> mode = symbolizePadMode(modeName);
  if (!mode)
    return node.emitError() << "unsupported mode '" << modeName << "'";
  FailureOr<std::optional<SmallVector<int64_t>>> pads =
      getIntsAttrOrInput(node, "pads", 1, 11);
  if (failed(pads))
    return failure();
  if (!*pads)
    return node.emitError() << "expected pads";
  auto inputType = cast<RankedTensorType>(input->getType());
  auto scalarType = RankedTensorType::get({}, inputType.getElementType());
  OpBuilder &b = node.getBuilder();
  Value value;
  if (node.getOpset() < 11) {
    float constant = node.getFloat("value", 0.0f);
    if (constant != 0.0f)
      value = arith::ConstantOp::create(
          b, node.getLoc(),
          DenseElementsAttr::get(
              scalarType,
              b.getFloatAttr(inputType.getElementType(), constant)));
  } else if (Value given = node.getInput(2)) {
    auto givenType = cast<RankedTensorType>(given.getType());
    if (givenType.getNumElements() != 1)
      return node.emitError() << "expected a scalar constant_value";
    value = givenType == scalarType
                ? given
                : ReshapeOp::create(b, node.getLoc(), scalarType, given)
                      .getResult();
  }
  if (*mode != PadMode::Constant)
    value = {};
  node.setResults(
      PadOp::create(b, node.getLoc(), *type, *input, value, **pads, *mode)
          ->getResults());
  return success();
}

/// ConstantOfShape: a splat of `value` (float 0 by default).
static LogicalResult importConstantOfShape(NodeImporter &node) {
  FailureOr<RankedTensorType> type = node.getOutputType(0);
  if (failed(type))
    return failure();
  OpBuilder &b = node.getBuilder();
  Attribute element = b.getZeroAttr(type->getElementType());
  if (const onnx::AttributeProto *attr = node.getAttribute("value")) {
    FailureOr<DenseElementsAttr> value = node.getTensor(attr->t());
    if (failed(value))
      return failure();
    if (value->getNumElements() != 1)
      return node.emitError() << "expected a one-element value";
    element = value->getSplatValue<Attribute>();
  }
  node.setResults(
      arith::ConstantOp::create(
          b, node.getLoc(), DenseElementsAttr::get(*type, ArrayRef(element)))
          ->getResults());
  return success();
}

ArrayRef<OpImportEntry> mlir::quill::onnx_import::getTensorOpImporters() {
  static const OpImportEntry entries[] = {
      {"", "Cast", 6, importTyped<CastOp, 1>},
      {"", "Concat", 4, importConcat},
      {"", "Constant", 1, importConstant},
      {"", "ConstantOfShape", 9, importConstantOfShape},
      {"", "Dropout", 1, importDropout},
      {"", "Expand", 8, importTyped<ExpandOp, 1>},
      {"", "Flatten", 1, importReshape},
      {"", "Gather", 1, importGather<GatherOp>},
      {"", "GatherElements", 11, importGather<GatherElementsOp>},
      {"", "Pad", 2, importPad},
      {"", "Reshape", 1, importReshape},
      {"", "Size", 1, importSize},
      {"", "Shape", 1, importShape},
      {"", "Slice", 1, importSlice},
      {"", "Split", 2, importSplit},
      {"", "Squeeze", 1, importReshape},
      {"", "Transpose", 1, importTranspose},
      {"", "Unsqueeze", 1, importReshape},
      {"", "Where", 9, importTyped<WhereOp, 3>},
  };
  return entries;
}
