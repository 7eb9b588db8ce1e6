//===- quill-opt.cpp - Quill's opt-style pass driver ----------------------===//
//
// Parses MLIR, runs a pass pipeline and prints the result, with the quill
// dialect, the upstream dialects Quill's IR uses, and Quill's passes
// registered.
//
//===----------------------------------------------------------------------===//

#include "quill/Dialect/Quill/IR/Quill.h"
#include "quill/Pipelines/Pipelines.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::registerTransformsPasses();
  mlir::quill::registerQuillPassesAndPipelines();

  mlir::DialectRegistry registry;
  registry.insert<mlir::quill::QuillDialect, mlir::arith::ArithDialect,
                  mlir::func::FuncDialect, mlir::math::MathDialect,
                  mlir::quant::QuantDialect, mlir::tensor::TensorDialect>();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Quill optimizer driver\n", registry));
}
