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

/// The two operands of a binary op, numpy-broadcasting (opset 7 on) or in
/// the legacy `broadcast`/`axis` form, and its result type.
struct BinaryOperands {
  Value lhs, rhs;
  RankedTensorType type;
};

static FailureOr<BinaryOperands> readBinaryOperands(NodeImporter &node) {
  FailureOr<Value> lhs = node.getRequiredInput(0);
  FailureOr<Value> rhs = node.getRequiredInput(1);
  FailureOr<RankedTensorType> type = node.getOutputType(0);
  if (failed(lhs) || failed(rhs) || failed(type))
    return failure();
  rhs = alignLegacyBroadcast(node, *lhs, *rhs);
  if (failed(rhs))
    return failure();
  return BinaryOperands{*lhs, *rhs, *type};
}

/// Add, Sub, Mul, Div, Pow, And, Or, Xor.
template <typename OpTy>
static LogicalResult importBroadcastBinary(NodeImporter &node) {
  FailureOr<BinaryOperands> operands = readBinaryOperands(node);
  if (failed(operands))
    return failure();
  node.setResults(OpTy::create(node.getBuilder(), node.getLoc(), operands->type,
                               operands->lhs, operands->rhs)
                      ->getResults());
  return success();
}

/// Equal, Less, LessOrEqual, Greater, GreaterOrEqual: booleans.
template <ComparePredicate predicate>
static LogicalResult importCompare(NodeImporter &node) {
  FailureOr<BinaryOperands> operands = readBinaryOperands(node);
  if (failed(operands))
    return failure();
  OpBuilder &b = node.getBuilder();
  node.setResults(
      CompareOp::create(b, node.getLoc(), operands->type, operands->lhs,
                        operands->rhs,
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
  FailureOr<Value> input = node.getRequiredFloatInput(0);
  if (failed(input))
    return failure();
  node.setResults(
      OpTy::create(node.getBuilder(), node.getLoc(), *input)->getResults());
  return success();
}

static LogicalResult importReciprocal(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredFloatInput(0);
  if (failed(input))
    return failure();
  auto type = cast<RankedTensorType>(input->getType());
  auto floatType = cast<FloatType>(type.getElementType());
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

/// The sorted, normalized axes a Reduce* node reduces: an attribute, or an
/// optional input for ReduceSum from opset 13 and every reduction from 18.
/// Empty with `noop` set when the node reduces nothing (noop_with_empty_axes).
static FailureOr<SmallVector<int64_t>>
readReduceAxes(NodeImporter &node, int64_t rank, bool &noop) {
  std::optional<SmallVector<int64_t>> axes;
  bool axesFromInput =
      node.getOpset() >= 18 ||
      (node.getNode().op_type() == "ReduceSum" && node.getOpset() >= 13);
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
  noop = !axes && node.getInt("noop_with_empty_axes", 0);
  if (!axes)
    return llvm::to_vector(llvm::seq<int64_t>(0, rank));
  SmallVector<int64_t> normalized;
  for (int64_t axis : *axes) {
    FailureOr<int64_t> dim = node.normalizeAxis(axis, rank);
    if (failed(dim))
      return failure();
    normalized.push_back(*dim);
  }
  llvm::sort(normalized);
  normalized.erase(llvm::unique(normalized), normalized.end());
  return normalized;
}

/// ReduceSum, ReduceMean, ReduceMax, ReduceProd (any element type), and the
/// reductions
/// ONNX defines through them (floats).
enum class Reduction {
  Sum,
  Mean,
  Max,
  Min,
  L1,
  L2,
  SumSquare,
  LogSum,
  LogSumExp,
  Prod
};

template <Reduction kind>
static LogicalResult importReduce(NodeImporter &node) {
  // The reductions ONNX defines through others are computed in floats.
  bool composite = kind != Reduction::Sum && kind != Reduction::Mean &&
                   kind != Reduction::Max && kind != Reduction::Prod;
  FailureOr<Value> input =
      composite ? node.getRequiredFloatInput(0) : node.getRequiredInput(0);
  FailureOr<RankedTensorType> type = node.getOutputType(0);
  if (failed(input) || failed(type))
    return failure();
  auto inputType = cast<RankedTensorType>(input->getType());
  bool noop = false;
  FailureOr<SmallVector<int64_t>> axes =
      readReduceAxes(node, inputType.getRank(), noop);
  if (failed(axes))
    return failure();
  if (noop) {
    node.setResults(*input);
    return success();
  }
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  bool keepdims = node.getInt("keepdims", 1) != 0;
  Value x = *input;
  auto sum = [&](Value value, RankedTensorType resultType, bool keep) {
    return Value(ReduceSumOp::create(b, loc, resultType, value, *axes, keep));
  };
  auto square = [&](Value value) {
    return Value(MulOp::create(b, loc, value.getType(), value, value));
  };
  Value result;
  switch (kind) {
  case Reduction::Sum:
    result = sum(x, *type, keepdims);
    break;
  case Reduction::Mean:
    result = ReduceMeanOp::create(b, loc, *type, x, *axes, keepdims);
    break;
  case Reduction::Max:
    result = ReduceMaxOp::create(b, loc, *type, x, *axes, keepdims);
    break;
  case Reduction::Prod:
    result = ReduceProdOp::create(b, loc, *type, x, *axes, keepdims);
    break;
  case Reduction::Min:
    result = arith::NegFOp::create(
        b, loc,
        ReduceMaxOp::create(b, loc, *type, arith::NegFOp::create(b, loc, x),
                            *axes, keepdims));
    break;
  case Reduction::L1:
    result = sum(math::AbsFOp::create(b, loc, x), *type, keepdims);
    break;
  case Reduction::L2:
    result = math::SqrtOp::create(b, loc, sum(square(x), *type, keepdims));
    break;
  case Reduction::SumSquare:
    result = sum(square(x), *type, keepdims);
    break;
  case Reduction::LogSum:
    result = math::LogOp::create(b, loc, sum(x, *type, keepdims));
    break;
  case Reduction::LogSumExp: {
    // max + log(sum(exp(x - max))): no overflow for large inputs.
    SmallVector<int64_t> keptShape(inputType.getShape());
    for (int64_t axis : *axes)
      keptShape[axis] = 1;
    auto keptType = inputType.clone(keptShape);
    Value max = ReduceMaxOp::create(b, loc, keptType, x, *axes, true);
    Value shifted = SubOp::create(b, loc, inputType, x, max);
    Value logSum = math::LogOp::create(
        b, loc, sum(math::ExpOp::create(b, loc, shifted), keptType, true));
    result = AddOp::create(b, loc, keptType, logSum, max);
    if (!keepdims)
      result = ReshapeOp::create(b, loc, *type, result);
    break;
  }
  }
  node.setResults(result);
  return success();
}

/// Mod: fmod selects C's remainder; floats require it.
static LogicalResult importMod(NodeImporter &node) {
  FailureOr<BinaryOperands> operands = readBinaryOperands(node);
  if (failed(operands))
    return failure();
  bool fmod = node.getInt("fmod", 0) != 0;
  if (!fmod && isa<FloatType>(operands->type.getElementType()))
    return node.emitError() << "fmod = 0 is defined for integers only; float "
                               "inputs need fmod = 1";
  OpBuilder &b = node.getBuilder();
  node.setResults(ModOp::create(b, node.getLoc(), operands->type, operands->lhs,
                                operands->rhs,
                                fmod ? b.getUnitAttr() : UnitAttr())
                      ->getResults());
  return success();
}

/// LpNormalization: x divided by its L1 or L2 norm along `axis`.
static LogicalResult importLpNormalization(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredFloatInput(0);
  if (failed(input))
    return failure();
  auto type = cast<RankedTensorType>(input->getType());
  FailureOr<int64_t> axis =
      node.normalizeAxis(node.getInt("axis", -1), type.getRank());
  if (failed(axis))
    return failure();
  int64_t p = node.getInt("p", 2);
  if (p != 1 && p != 2)
    return node.emitError() << "expected p = 1 or 2, got " << p;
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  SmallVector<int64_t> keptShape(type.getShape());
  keptShape[*axis] = 1;
  Value x = *input;
  Value norm;
  if (p == 1) {
    norm = ReduceSumOp::create(b, loc, type.clone(keptShape),
                               math::AbsFOp::create(b, loc, x),
                               ArrayRef<int64_t>{*axis}, true);
  } else {
    Value squares = MulOp::create(b, loc, type, x, x);
    norm = math::SqrtOp::create(
        b, loc,
        ReduceSumOp::create(b, loc, type.clone(keptShape), squares,
                            ArrayRef<int64_t>{*axis}, true));
  }
  node.setResults(DivOp::create(b, loc, type, x, norm)->getResults());
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
      {"", "LpNormalization", 1, importLpNormalization},
      {"", "Mod", 10, importMod},
      {"", "Mul", 1, importBroadcastBinary<MulOp>},
      {"", "Neg", 6, importFloatUnary<arith::NegFOp>},
      {"", "Pow", 1, importPow},
      {"", "Reciprocal", 6, importReciprocal},
      {"", "ReduceMax", 1, importReduce<Reduction::Max>},
      {"", "ReduceL1", 1, importReduce<Reduction::L1>},
      {"", "ReduceL2", 1, importReduce<Reduction::L2>},
      {"", "ReduceLogSum", 1, importReduce<Reduction::LogSum>},
      {"", "ReduceLogSumExp", 1, importReduce<Reduction::LogSumExp>},
      {"", "ReduceMean", 1, importReduce<Reduction::Mean>},
      {"", "ReduceMin", 1, importReduce<Reduction::Min>},
      {"", "ReduceProd", 1, importReduce<Reduction::Prod>},
      {"", "ReduceSumSquare", 1, importReduce<Reduction::SumSquare>},
      {"", "ReduceSum", 1, importReduce<Reduction::Sum>},
      {"", "Relu", 6, importRelu},
      {"", "Sqrt", 6, importFloatUnary<math::SqrtOp>},
      {"", "Sub", 1, importBroadcastBinary<SubOp>},
      {"", "Tanh", 6, importFloatUnary<math::TanhOp>},
  };
  return entries;
}
