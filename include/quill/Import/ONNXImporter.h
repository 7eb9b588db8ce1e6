//===- ONNXImporter.h - ONNX models into Quill's graph IR -------*- C++ -*-===//
//
// Reads an ONNX model (binary protobuf, or ONNX's text syntax) into a module
// holding one function, @main, in the graph IR: quill graph ops and upstream
// elementwise math on static-shaped tensors, with the graph's input and
// output names kept as `quill.name` argument/result attributes. Errors are
// emitted as diagnostics that name the file, and the node, op type and opset
// where there is one.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_IMPORT_ONNXIMPORTER_H
#define QUILL_IMPORT_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringMap.h"

namespace onnx {
class ModelProto;
} // namespace onnx

namespace mlir::quill {

struct ONNXImportOptions {
  /// Static shapes for graph inputs, by name: they bind the inputs' dynamic
  /// dimensions (and must agree with their static ones).
  llvm::StringMap<SmallVector<int64_t>> inputShapes;
};

/// Imports the model in `path`: ONNX text syntax when the name ends in
/// `.onnxtxt`, binary protobuf otherwise. Returns null after emitting a
/// diagnostic on failure.
OwningOpRef<ModuleOp> importONNXFile(StringRef path, MLIRContext *context,
                                     const ONNXImportOptions &options);

/// Imports a model held in memory; `fileName` names it in diagnostics and
/// anchors relative paths of external data.
OwningOpRef<ModuleOp> importONNXBuffer(StringRef bytes, StringRef fileName,
                                       bool isText, MLIRContext *context,
                                       const ONNXImportOptions &options);

/// Parses `NAME=D0xD1x...` (the --input-shape syntax) into `options`.
/// Reads an ONNX model file as it is, binary or (for `.onnxtxt`) ONNX text
/// syntax; on failure `error` says why.
LogicalResult readONNXModelFile(StringRef path, onnx::ModelProto &model,
                                std::string &error);

LogicalResult parseInputShape(StringRef spec, ONNXImportOptions &options,
                              std::string &error);

} // namespace mlir::quill

#endif // QUILL_IMPORT_ONNXIMPORTER_H
