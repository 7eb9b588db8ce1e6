//===- quill-opt.cpp - Quill's opt-style pass driver ----------------------===//
//
// Parses MLIR, runs a pass pipeline and prints the result, with the quill
// dialect, the upstream dialects and passes Quill's pipelines use, and
// Quill's passes and named pipelines registered.
//
//===----------------------------------------------------------------------===//

#include "quill/Driver/Passes.h"
#include "quill/Pipelines/Pipelines.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::quill::registerQuillPassesAndPipelines();
  mlir::quill::registerQuillDriverPasses();
  mlir::DialectRegistry registry;
  mlir::quill::registerQuillDialects(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Quill optimizer driver\n", registry));
}
