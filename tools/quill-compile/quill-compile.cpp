//===- quill-compile.cpp - ONNX model to Quill artifacts ------------------===//
//
// quill-compile MODEL.onnx --emit=graph -o OUT.mlir
//
// Imports an ONNX model (binary, or ONNX text syntax for `.onnxtxt`), runs
// the prepare pipeline and writes the requested stage: the graph IR as
// imported, or after prepare.
//
//===----------------------------------------------------------------------===//

#include "quill/Dialect/Quill/IR/Quill.h"
#include "quill/Import/ONNXImporter.h"
#include "quill/Pipelines/Pipelines.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;

namespace {
enum class EmitKind { Import, Graph };
} // namespace

static llvm::cl::opt<std::string> inputPath(llvm::cl::Positional,
                                            llvm::cl::desc("<model.onnx>"),
                                            llvm::cl::Required);
static llvm::cl::opt<std::string>
    outputPath("o", llvm::cl::desc("Output file ('-' for stdout)"),
               llvm::cl::value_desc("path"), llvm::cl::init("-"));
static llvm::cl::opt<EmitKind>
    emitKind("emit", llvm::cl::desc("What to write"),
             llvm::cl::values(clEnumValN(EmitKind::Import, "import",
                                         "the graph IR as imported, before the "
                                         "prepare pipeline (MLIR)"),
                              clEnumValN(EmitKind::Graph, "graph",
                                         "the graph IR after import (MLIR)")),
             llvm::cl::init(EmitKind::Graph));
static llvm::cl::list<std::string> inputShapes(
    "input-shape",
    llvm::cl::desc(
        "Static shape of a graph input, NAME=D0xD1x... (repeatable)"),
    llvm::cl::value_desc("NAME=SHAPE"));

/// The file (and line, when there is one) a location points into.
static std::string describeLocation(Location loc) {
  if (auto named = dyn_cast<NameLoc>(loc))
    return describeLocation(named.getChildLoc());
  if (auto fused = dyn_cast<FusedLoc>(loc))
    return fused.getLocations().empty()
               ? std::string("<unknown>")
               : describeLocation(fused.getLocations().front());
  if (auto file = dyn_cast<FileLineColLoc>(loc)) {
    std::string text = file.getFilename().str();
    if (file.getLine() != 0)
      text += ":" + std::to_string(file.getLine()) + ":" +
              std::to_string(file.getColumn());
    return text;
  }
  return "<unknown>";
}

/// Prints `FILE: error: MESSAGE`, ONNX models having no lines to point at.
static void printDiagnostic(Diagnostic &diag) {
  StringRef severity = "error";
  if (diag.getSeverity() == DiagnosticSeverity::Warning)
    severity = "warning";
  else if (diag.getSeverity() == DiagnosticSeverity::Note)
    severity = "note";
  else if (diag.getSeverity() == DiagnosticSeverity::Remark)
    severity = "remark";
  llvm::errs() << describeLocation(diag.getLocation()) << ": " << severity
               << ": " << diag << "\n";
  for (Diagnostic &note : diag.getNotes())
    printDiagnostic(note);
}

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
  context.getDiagEngine().registerHandler(printDiagnostic);
  context.loadDialect<quill::QuillDialect, arith::ArithDialect,
                      func::FuncDialect, math::MathDialect>();
  OwningOpRef<ModuleOp> module =
      quill::importONNXFile(inputPath, &context, options);
  if (!module || failed(verify(*module)))
    return 1;
  if (emitKind != EmitKind::Import) {
    PassManager pm(&context);
    quill::buildPreparePipeline(pm);
    if (failed(pm.run(*module)))
      return 1;
  }

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
