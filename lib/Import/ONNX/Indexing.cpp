//===- Indexing.cpp - Importers of ONNX ops that compute or follow indices ===//
//
// ArgMax, ArgMin, Hardmax, TopK, CumSum, OneHot, GatherND,
// ScatterElements (and the older Scatter), ScatterND, and NonZero's error
// (it folds when its input is known).
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

#include "quill/Dialect/Quill/IR/Quill.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace mlir::quill;
using namespace mlir::quill::onnx_import;

/// A constant i64 tensor `0, 1, ..., size - 1` laid along `axis` of a
/// rank-`rank` shape whose other dimensions are 1.
static Value buildIota(OpBuilder &b, Location loc, int64_t size, int64_t axis,
                       int64_t rank) {
  SmallVector<int64_t> shape(rank, 1);
  shape[axis] = size;
  SmallVector<int64_t> values = llvm::to_vector(llvm::seq<int64_t>(0, size));
  auto type = RankedTensorType::get(shape, b.getI64Type());
  return arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(type, ArrayRef(values)));
}

template <typename OpTy>
static LogicalResult importArgExtremum(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredInput(0);
  FailureOr<RankedTensorType> type = node.getOutputType(0);
  if (failed(input) || failed(type))
    return failure();
  FailureOr<int64_t> axis =
      node.normalizeAxis(node.getInt("axis", 0),
                         cast<RankedTensorType>(input->getType()).getRank());
  if (failed(axis))
    return failure();
  OpBuilder &b = node.getBuilder();
  auto flag = [&](StringRef name, int64_t defaultValue) {
    return node.getInt(name, defaultValue) != 0;
  };
  node.setResults(OpTy::create(b, node.getLoc(), *type, *input, *axis,
                               flag("keepdims", 1),
                               flag("select_last_index", 0))
                      ->getResults());
  return success();
}

/// Hardmax: 1 at the first maximum along the axis, else 0. Before opset 13
/// the input is read as a matrix of the dimensions before and from `axis`.
static LogicalResult importHardmax(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredInput(0);
  if (failed(input))
    return failure();
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  auto inputType = cast<RankedTensorType>(input->getType());
  bool coerced = node.getOpset() < 13;
  FailureOr<int64_t> axis = node.normalizeAxis(
      node.getInt("axis", coerced ? 1 : -1), inputType.getRank());
  if (failed(axis))
    return failure();
  Value x = *input;
  if (coerced) {
    ArrayRef<int64_t> shape = inputType.getShape();
    int64_t rows = 1, columns = 1;
    for (int64_t dim = 0; dim < inputType.getRank(); ++dim)
      (dim < *axis ? rows : columns) *= shape[dim];
    x = buildReshape(b, loc, x, {rows, columns});
    axis = 1;
  }
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> keptShape(type.getShape());
  keptShape[*axis] = 1;
  Value argMax = ArgMaxOp::create(
      b, loc, RankedTensorType::get(keptShape, b.getI64Type()), x, *axis,
      /*keepdims=*/true, /*select_last_index=*/false);
  Value iota = buildIota(b, loc, type.getDimSize(*axis), *axis, type.getRank());
  Value isMax = CompareOp::create(
      b, loc, RankedTensorType::get(type.getShape(), b.getI1Type()), argMax,
      iota, ComparePredicate::Equal);
  Value result = CastOp::create(b, loc, type, isMax);
  node.setResults(buildReshape(b, loc, result, inputType.getShape()));
  return success();
}

/// TopK: k is an attribute before opset 10, a one-element input after.
static LogicalResult importTopK(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredInput(0);
  FailureOr<RankedTensorType> valuesType = node.getOutputType(0);
  FailureOr<RankedTensorType> indicesType = node.getOutputType(1);
  if (failed(input) || failed(valuesType) || failed(indicesType))
    return failure();
  FailureOr<int64_t> k = node.getOpset() < 10
                             ? FailureOr<int64_t>(node.getInt("k", -1))
                             : node.getConstantScalarInput(1, "k");
  if (failed(k))
    return failure();
  auto inputType = cast<RankedTensorType>(input->getType());
  FailureOr<int64_t> axis =
      node.normalizeAxis(node.getInt("axis", -1), inputType.getRank());
  if (failed(axis))
    return failure();
  if (*k < 0 || *k > inputType.getDimSize(*axis))
    return node.emitError() << "k = " << *k << " is not in [0, "
                            << inputType.getDimSize(*axis) << "]";
  OpBuilder &b = node.getBuilder();
  node.setResults(TopKOp::create(b, node.getLoc(), *valuesType, *indicesType,
                                 *input, *k, *axis,
                                 node.getInt("largest", 1) != 0)
                      ->getResults());
  return success();
}

static LogicalResult importCumSum(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredInput(0);
  if (failed(input))
    return failure();
  FailureOr<int64_t> axisValue = node.getConstantScalarInput(1, "axis");
  if (failed(axisValue))
    return failure();
  auto type = cast<RankedTensorType>(input->getType());
  FailureOr<int64_t> axis = node.normalizeAxis(*axisValue, type.getRank());
  if (failed(axis))
    return failure();
  OpBuilder &b = node.getBuilder();
  auto flag = [&](StringRef name) { return node.getInt(name, 0) != 0; };
  node.setResults(CumSumOp::create(b, node.getLoc(), type, *input, *axis,
                                   flag("exclusive"), flag("reverse"))
                      ->getResults());
  return success();
}

/// OneHot: `on` where an index equals the position along the new axis,
/// `off` elsewhere; negative indices count from `depth`, indices out of
/// range give a row of `off`.
static LogicalResult importOneHot(NodeImporter &node) {
  FailureOr<Value> indices = node.getRequiredInput(0);
  FailureOr<Value> values = node.getRequiredInput(2);
  FailureOr<RankedTensorType> type = node.getOutputType(0);
  if (failed(indices) || failed(values) || failed(type))
    return failure();
  FailureOr<int64_t> depth = node.getConstantScalarInput(1, "depth");
  if (failed(depth))
    return failure();
  auto valuesType = cast<RankedTensorType>(values->getType());
  if (valuesType.getNumElements() != 2)
    return node.emitError() << "expected values [off, on], got "
                            << valuesType.getNumElements() << " elements";
  int64_t rank = type->getRank();
  FailureOr<int64_t> axis = node.normalizeAxis(node.getInt("axis", -1), rank);
  if (failed(axis))
    return failure();
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  auto indicesType = cast<RankedTensorType>(indices->getType());
  SmallVector<int64_t> columnShape(indicesType.getShape());
  columnShape.insert(columnShape.begin() + *axis, 1);
  auto i64Type = RankedTensorType::get(columnShape, b.getI64Type());
  Value index = buildReshape(
      b, loc,
      CastOp::create(b, loc, indicesType.clone(b.getI64Type()), *indices),
      columnShape);
  auto scalarI64 = RankedTensorType::get({}, b.getI64Type());
  auto constantI64 = [&](int64_t value) {
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(scalarI64, b.getI64IntegerAttr(value)));
  };
  Value negative =
      CompareOp::create(b, loc, i64Type.clone(b.getI1Type()), index,
                        constantI64(0), ComparePredicate::Less);
  Value wrapped = AddOp::create(b, loc, i64Type, index, constantI64(*depth));
  index = WhereOp::create(b, loc, i64Type, negative, wrapped, index);
  Value hot = CompareOp::create(b, loc, type->clone(b.getI1Type()), index,
                                buildIota(b, loc, *depth, *axis, rank),
                                ComparePredicate::Equal);
  Value flatValues = buildReshape(b, loc, *values, {2});
  auto element = [&](int64_t position) {
    Value slice =
        SliceOp::create(b, loc, valuesType.clone({1}), flatValues,
                        ArrayRef<int64_t>{position}, ArrayRef<int64_t>{1});
    return buildReshape(b, loc, slice, {});
  };
  node.setResults(WhereOp::create(b, loc, *type, hot, element(1), element(0))
                      ->getResults());
  return success();
}

static LogicalResult importGatherND(NodeImporter &node) {
  FailureOr<Value> data = node.getRequiredInput(0);
  FailureOr<Value> indices = node.getRequiredInput(1);
  FailureOr<RankedTensorType> type = node.getOutputType(0);
  if (failed(data) || failed(indices) || failed(type))
    return failure();
  node.setResults(GatherNDOp::create(node.getBuilder(), node.getLoc(), *type,
                                     *data, *indices,
                                     node.getInt("batch_dims", 0))
                      ->getResults());
  return success();
}

/// The `reduction` attribute of ScatterElements and ScatterND.
static FailureOr<ScatterReduction> readScatterReduction(NodeImporter &node) {
  const onnx::AttributeProto *attr = node.getAttribute("reduction");
  StringRef name = attr && attr->has_s() ? StringRef(attr->s()) : "none";
  std::optional<ScatterReduction> reduction = symbolizeScatterReduction(name);
  if (!reduction)
    return node.emitError() << "unknown reduction '" << name
                            << "' (expected none, add, mul, max or min)";
  return *reduction;
}

/// The operands every scatter reads: data, indices, updates, reduction.
struct ScatterOperands {
  Value data, indices, updates;
  ScatterReduction reduction;
};

static FailureOr<ScatterOperands> readScatterOperands(NodeImporter &node) {
  FailureOr<Value> data = node.getRequiredInput(0);
  FailureOr<Value> indices = node.getRequiredInput(1);
  FailureOr<Value> updates = node.getRequiredInput(2);
  FailureOr<ScatterReduction> reduction = readScatterReduction(node);
  if (failed(data) || failed(indices) || failed(updates) || failed(reduction))
    return failure();
  return ScatterOperands{*data, *indices, *updates, *reduction};
}

static LogicalResult importScatterElements(NodeImporter &node) {
  FailureOr<ScatterOperands> operands = readScatterOperands(node);
  if (failed(operands))
    return failure();
  auto type = cast<RankedTensorType>(operands->data.getType());
  FailureOr<int64_t> axis =
      node.normalizeAxis(node.getInt("axis", 0), type.getRank());
  if (failed(axis))
    return failure();
  node.setResults(
      ScatterElementsOp::create(node.getBuilder(), node.getLoc(), type,
                                operands->data, operands->indices,
                                operands->updates, operands->reduction, *axis)
          ->getResults());
  return success();
}

static LogicalResult importScatterND(NodeImporter &node) {
  FailureOr<ScatterOperands> operands = readScatterOperands(node);
  if (failed(operands))
    return failure();
  node.setResults(ScatterNDOp::create(node.getBuilder(), node.getLoc(),
                                      operands->data.getType(), operands->data,
                                      operands->indices, operands->updates,
                                      operands->reduction)
                      ->getResults());
  return success();
}

/// A NonZero whose input is known folds before import (its output's shape
/// counts the input's non-zero elements); one that reaches here does not.
static LogicalResult importNonZero(NodeImporter &node) {
  return node.emitNotConstantError(
      0, "input (NonZero's output shape is the number of non-zero elements)");
}

ArrayRef<OpImportEntry> mlir::quill::onnx_import::getIndexingOpImporters() {
  static const OpImportEntry entries[] = {
      {"", "ArgMax", 1, importArgExtremum<ArgMaxOp>},
      {"", "ArgMin", 1, importArgExtremum<ArgMinOp>},
      {"", "CumSum", 11, importCumSum},
      {"", "GatherND", 11, importGatherND},
      {"", "Hardmax", 1, importHardmax},
      {"", "NonZero", 9, importNonZero},
      {"", "OneHot", 9, importOneHot},
      // Scatter is ScatterElements under its opset 9-10 name.
      {"", "Scatter", 9, importScatterElements},
      {"", "ScatterElements", 11, importScatterElements},
      {"", "ScatterND", 11, importScatterND},
      {"", "TopK", 1, importTopK},
  };
  return entries;
}
