//===- Math.cpp - Importers of ONNX math ops ------------------------------===//
//
// Elementwise arithmetic, activations and matrix products.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

#include "quill/Dialect/Quill/IR/Quill.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Traits.h"

using namespace mlir;
using namespace mlir::quill;
using namespace mlir::quill::onnx_import;

/// Before opset 7, B broadcasts to A only with `broadcast = 1`, its
/// dimensions aligned to A's from `axis` on (trailing dimensions when there
/// is no axis). Reshaping B with trailing 1s gives numpy broadcasting the
/// same meaning.
static FailureOr<Value> alignLegacyBroadcast(NodeImporter &node, Value lhs,
                                             Value rhs) {
  if (node.getOpset() >= 7 || !node.getInt("broadcast", 0) ||
      !node.getAttribute("axis"))
    return rhs;
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  auto rhsType = cast<RankedTensorType>(rhs.getType());
  FailureOr<int64_t> axis =
      node.normalizeAxis(node.getInt("axis", 0), lhsType.getRank());
  if (failed(axis))
    return failure();
  int64_t trailing = lhsType.getRank() - *axis - rhsType.getRank();
  if (trailing < 0)
    return node.emitError() << "B of rank " << rhsType.getRank()
                            << " does not fit A from axis " << *axis;
  SmallVector<int64_t> shape(rhsType.getShape());
  shape.append(trailing, 1);
  return ReshapeOp::create(node.getBuilder(), node.getLoc(),
                           rhsType.clone(shape), rhs)
      .getResult();
}

/// Add, Sub, Mul, Div, Pow: numpy broadcasting (opset 7 on) or the legacy
/// `broadcast`/`axis` form.
template <typename OpTy>
static LogicalResult importBroadcastBinary(NodeImporter &node) {
  FailureOr<Value> lhs = node.getRequiredInput(0);
  FailureOr<Value> rhs = node.getRequiredInput(1);
  FailureOr<RankedTensorType> type = node.getOutputType(0);
  if (failed(lhs) || failed(rhs) || failed(type))
    return failure();
  rhs = alignLegacyBroadcast(node, *lhs, *rhs);
  if (failed(rhs))
    return failure();
  node.setResults(
      OpTy::create(node.getBuilder(), node.getLoc(), *type, *lhs, *rhs)
          ->getResults());
  return success();
}

/// Equal, Less, LessOrEqual, Greater, GreaterOrEqual: booleans, broadcast
/// like the arithmetic ops.
template <ComparePredicate predicate>
static LogicalResult importCompare(NodeImporter &node) {
  FailureOr<Value> lhs = node.getRequiredInput(0);
  FailureOr<Value> rhs = node.getRequiredInput(1);
  FailureOr<RankedTensorType> type = node.getOutputType(0);
  if (failed(lhs) || failed(rhs) || failed(type))
    return failure();
  rhs = alignLegacyBroadcast(node, *lhs, *rhs);
  if (failed(rhs))
    return failure();
  OpBuilder &b = node.getBuilder();
  node.setResults(
      CompareOp::create(b, node.getLoc(), *type, *lhs, *rhs,
                        ComparePredicateAttr::get(b.getContext(), predicate))
          ->getResults());
  return success();
}

/// Not: xor with true.
static LogicalResult importNot(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredInput(0);
  if (failed(input))
    return failure();
  auto type = cast<RankedTensorType>(input->getType());
  OpBuilder &b = node.getBuilder();
  Value allTrue = arith::ConstantOp::create(
      b, node.getLoc(), DenseElementsAttr::get(type, b.getBoolAttr(true)));
  node.setResults(
      XorOp::create(b, node.getLoc(), type, *input, allTrue)->getResults());
  return success();
}

/// Elementwise float math that upstream has with ONNX's meaning.
template <typename OpTy>
static LogicalResult importFloatUnary(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredInput(0);
  if (failed(input))
    return failure();
  auto type = cast<RankedTensorType>(input->getType());
  if (!isa<FloatType>(type.getElementType()))
    return node.emitError()
           << "expected a float input, got " << type.getElementType();
  node.setResults(
      OpTy::create(node.getBuilder(), node.getLoc(), *input)->getResults());
  return success();
}

static LogicalResult importReciprocal(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredInput(0);
  if (failed(input))
    return failure();
  auto type = cast<RankedTensorType>(input->getType());
  auto floatType = dyn_cast<FloatType>(type.getElementType());
  if (!floatType)
    return node.emitError()
           << "expected a float input, got " << type.getElementType();
  OpBuilder &b = node.getBuilder();
  Value one = arith::ConstantOp::create(
      b, node.getLoc(),
      DenseElementsAttr::get(type, b.getFloatAttr(floatType, 1.0)));
  node.setResults(
      arith::DivFOp::create(b, node.getLoc(), one, *input)->getResults());
  return success();
}

static LogicalResult importRelu(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredInput(0);
  if (failed(input))
    return failure();
  node.setResults(
      ReluOp::create(node.getBuilder(), node.getLoc(), *input)->getResults());
  return success();
}

static LogicalResult importIdentity(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredInput(0);
  if (failed(input))
    return failure();
  node.setResults(*input);
  return success();
}

/// Max and Min take one or more inputs (broadcasting from opset 8, equal
/// shapes before); they become a chain of binary ops.
template <typename OpTy>
static LogicalResult importVariadicBroadcast(NodeImporter &node) {
  FailureOr<Value> result = node.getRequiredInput(0);
  if (failed(result))
    return failure();
  for (unsigned i = 1, e = node.getNumInputs(); i < e; ++i) {
    FailureOr<Value> next = node.getRequiredInput(i);
    if (failed(next))
      return failure();
    auto lhsType = cast<RankedTensorType>(result->getType());
    auto rhsType = cast<RankedTensorType>(next->getType());
    SmallVector<int64_t> shape;
    if (!OpTrait::util::getBroadcastedShape(lhsType.getShape(),
                                            rhsType.getShape(), shape))
      return node.emitError()
             << "inputs " << i - 1 << " and " << i << " do not broadcast";
    result = OpTy::create(node.getBuilder(), node.getLoc(),
                          lhsType.clone(shape), *result, *next)
                 .getResult();
  }
  node.setResults(*result);
  return success();
}

static LogicalResult importPow(NodeImporter &node) {
  return importBroadcastBinary<PowOp>(node);
}

static LogicalResult importMatMul(NodeImporter &node) {
  return importBroadcastBinary<MatMulOp>(node);
}

static LogicalResult importGemm(NodeImporter &node) {
  FailureOr<Value> a = node.getRequiredInput(0);
  FailureOr<Value> b = node.getRequiredInput(1);
  FailureOr<RankedTensorType> type = node.getOutputType(0);
  if (failed(a) || failed(b) || failed(type))
    return failure();
  // C is required before opset 11.
  Value c = node.getInput(2);
  if (!c && node.getOpset() < 11)
    return node.emitError() << "expected input 2 (C), required before opset 11";
  OpBuilder &builder = node.getBuilder();
  auto flag = [&](StringRef name) {
    return node.getInt(name, 0) ? builder.getUnitAttr() : UnitAttr();
  };
  auto gemm =
      GemmOp::create(builder, node.getLoc(), *type, *a, *b, c,
                     builder.getF32FloatAttr(node.getFloat("alpha", 1.0f)),
                     builder.getF32FloatAttr(node.getFloat("beta", 1.0f)),
                     flag("transA"), flag("transB"));
  node.setResults(gemm->getResults());
  return success();
}

/// ReduceMean, ReduceSum, ReduceMax. Axes are an attribute, except for
/// ReduceSum from opset 13 (an optional input, with noop_with_empty_axes).
template <typename ReduceOp>
static LogicalResult importReduce(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredInput(0);
  FailureOr<RankedTensorType> type = node.getOutputType(0);
  if (failed(input) || failed(type))
    return failure();
  int64_t rank = cast<RankedTensorType>(input->getType()).getRank();
  std::optional<SmallVector<int64_t>> axes;
  bool axesFromInput =
      std::is_same_v<ReduceOp, ReduceSumOp> && node.getOpset() >= 13;
  if (!axesFromInput) {
    axes = node.getInts("axes");
  } else if (node.getInput(1)) {
    DenseElementsAttr values = node.getConstantInput(1);
    if (!values)
      return node.emitNotConstantError(1, "axes");
    axes = llvm::to_vector(values.getValues<int64_t>());
  }
  if (axes && axes->empty())
    axes.reset();
  if (!axes && node.getInt("noop_with_empty_axes", 0)) {
    node.setResults(*input);
    return success();
  }
  SmallVector<int64_t> normalized;
  if (!axes) {
    normalized = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  } else {
    for (int64_t axis : *axes) {
      FailureOr<int64_t> dim = node.normalizeAxis(axis, rank);
      if (failed(dim))
        return failure();
      normalized.push_back(*dim);
    }
    llvm::sort(normalized);
    normalized.erase(llvm::unique(normalized), normalized.end());
  }
  OpBuilder &b = node.getBuilder();
  node.setResults(ReduceOp::create(b, node.getLoc(), *type, *input, normalized,
                                   node.getInt("keepdims", 1) != 0)
                      ->getResults());
  return success();
}

ArrayRef<OpImportEntry> mlir::quill::onnx_import::getMathOpImporters() {
  static const OpImportEntry entries[] = {
      {"", "Abs", 6, importFloatUnary<math::AbsFOp>},
      {"", "Add", 1, importBroadcastBinary<AddOp>},
      {"", "And", 1, importBroadcastBinary<AndOp>},
      {"", "Ceil", 1, importFloatUnary<math::CeilOp>},
      {"", "Equal", 1, importCompare<ComparePredicate::Equal>},
      {"", "Floor", 1, importFloatUnary<math::FloorOp>},
      {"", "Greater", 1, importCompare<ComparePredicate::Greater>},
      {"", "GreaterOrEqual", 12,
       importCompare<ComparePredicate::GreaterOrEqual>},
      {"", "Less", 1, importCompare<ComparePredicate::Less>},
      {"", "LessOrEqual", 12, importCompare<ComparePredicate::LessOrEqual>},
      {"", "Not", 1, importNot},
      {"", "Or", 1, importBroadcastBinary<OrOp>},
      // Round halves to even, as numpy.
      {"", "Round", 11, importFloatUnary<math::RoundEvenOp>},
      {"", "Xor", 1, importBroadcastBinary<XorOp>},
      {"", "Div", 1, importBroadcastBinary<DivOp>},
      {"", "Erf", 9, importFloatUnary<math::ErfOp>},
      {"", "Exp", 6, importFloatUnary<math::ExpOp>},
      {"", "Gemm", 6, importGemm},
      {"", "Identity", 1, importIdentity},
      {"", "Log", 6, importFloatUnary<math::LogOp>},
      {"", "MatMul", 1, importMatMul},
      {"", "Max", 1, importVariadicBroadcast<MaxOp>},
      {"", "Min", 1, importVariadicBroadcast<MinOp>},
      {"", "Mul", 1, importBroadcastBinary<MulOp>},
      {"", "Neg", 6, importFloatUnary<arith::NegFOp>},
      {"", "Pow", 1, importPow},
      {"", "Reciprocal", 6, importReciprocal},
      {"", "ReduceMax", 1, importReduce<ReduceMaxOp>},
      {"", "ReduceMean", 1, importReduce<ReduceMeanOp>},
      {"", "ReduceSum", 1, importReduce<ReduceSumOp>},
      {"", "Relu", 6, importRelu},
      {"", "Sqrt", 6, importFloatUnary<math::SqrtOp>},
      {"", "Sub", 1, importBroadcastBinary<SubOp>},
      {"", "Tanh", 6, importFloatUnary<math::TanhOp>},
  };
  return entries;
}
