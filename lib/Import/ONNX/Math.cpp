//===- Math.cpp - Importers of ONNX math ops ------------------------------===//
//
// Elementwise arithmetic, activations and matrix products.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

#include "quill/Dialect/Quill/IR/Quill.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;
using namespace mlir::quill;
using namespace mlir::quill::onnx_import;

/// Add, Sub, Mul, Div (opset 7 on: numpy broadcasting, no `broadcast` attr).
template <typename OpTy>
static LogicalResult importBroadcastBinary(NodeImporter &node) {
  FailureOr<Value> lhs = node.getRequiredInput(0);
  FailureOr<Value> rhs = node.getRequiredInput(1);
  FailureOr<RankedTensorType> type = node.getOutputType(0);
  if (failed(lhs) || failed(rhs) || failed(type))
    return failure();
  node.setResults(
      OpTy::create(node.getBuilder(), node.getLoc(), *type, *lhs, *rhs)
          ->getResults());
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

ArrayRef<OpImportEntry> mlir::quill::onnx_import::getMathOpImporters() {
  static const OpImportEntry entries[] = {
      {"", "Abs", 6, importFloatUnary<math::AbsFOp>},
      {"", "Add", 7, importBroadcastBinary<AddOp>},
      {"", "Div", 7, importBroadcastBinary<DivOp>},
      {"", "Erf", 9, importFloatUnary<math::ErfOp>},
      {"", "Exp", 6, importFloatUnary<math::ExpOp>},
      {"", "Gemm", 7, importGemm},
      {"", "Identity", 1, importIdentity},
      {"", "Log", 6, importFloatUnary<math::LogOp>},
      {"", "MatMul", 1, importMatMul},
      {"", "Mul", 7, importBroadcastBinary<MulOp>},
      {"", "Neg", 6, importFloatUnary<arith::NegFOp>},
      {"", "Reciprocal", 6, importReciprocal},
      {"", "Relu", 6, importRelu},
      {"", "Sqrt", 6, importFloatUnary<math::SqrtOp>},
      {"", "Sub", 7, importBroadcastBinary<SubOp>},
      {"", "Tanh", 6, importFloatUnary<math::TanhOp>},
  };
  return entries;
}
