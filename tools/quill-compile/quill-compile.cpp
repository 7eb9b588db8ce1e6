//===- quill-compile.cpp - ONNX model to Quill artifacts ------------------===//
//
// quill-compile MODEL.onnx --emit=graph -o OUT.mlir
//
// Imports an ONNX model (binary, or ONNX text syntax for `.onnxtxt`) and
// writes the requested stage. Today the graph IR is the only stage.
//
//===----------------------------------------------------------------------===//

#include "quill/Dialect/Quill/IR/Quill.h"
#include "quill/Import/ONNXImporter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;

namespace {
enum class EmitKind { Graph };
} // namespace

static llvm::cl::opt<std::string> inputPath(llvm::cl::Positional,
                                            llvm::cl::desc("<model.onnx>"),
                                            llvm::cl::Required);
static llvm::cl::opt<std::string> outputPath("o", llvm::cl::desc("Output file ('-' for stdout)"),
                                             llvm::cl::value_desc("path"),
                                             llvm::cl::init("-"));
static llvm::cl::opt<EmitKind> emitKind(
    "emit", llvm::cl::desc("What to write"),
    llvm::cl::values(clEnumValN(EmitKind::Graph, "graph",
                                "the graph IR after import (MLIR)")),
    llvm::cl::init(EmitKind::Graph));
static llvm::cl::list<std::string> inputShapes(
    "input-shape",
    llvm::cl::desc("Static shape of a graph input, NAME=D0xD1x... (repeatable)"),
    llvm::cl::value_desc("NAME=SHAPE"));

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  llvm::cl::ParseCommandLineOptions(argc, argv, "Quill ONNX compiler\n");

  quill::ONNXImportOptions options;
  for (const std::string &spec : inputShapes) {
    std::string error;
    if (failed(quill::parseInputShape(spec, options, error))) {
      llvm::errs() << "quill-compile: --input-shape: " << error << "\n";
      return 1;
    }
  }

  MLIRContext context;
  context.loadDialect<quill::QuillDialect, arith::ArithDialect,
                      func::FuncDialect, math::MathDialect>();
  OwningOpRef<ModuleOp> module =
      quill::importONNXFile(inputPath, &context, options);
  if (!module || failed(verify(*module)))
    return 1;

  std::string error;
  std::unique_ptr<llvm::ToolOutputFile> output =
      openOutputFile(outputPath, &error);
  if (!output) {
    llvm::errs() << "quill-compile: " << error << "\n";
    return 1;
  }
  module->print(output->os());
  output->keep();
  return 0;
}
