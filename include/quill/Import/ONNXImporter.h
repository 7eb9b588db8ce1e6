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

#include <string>
#include <vector>

namespace onnx {
class ModelProto;
} // namespace onnx

namespace mlir::quill {

/// A value for a graph input, fixed at compile time (--freeze-input): the
/// input becomes a constant of the model, so that the shapes and values
/// computed from it (a resize scale, a sample rate, a mask) fold.
struct FrozenInput {
  /// Where the value comes from, for messages: the file or the text.
  std::string source;
  /// From a tensor file: its ONNX element type, shape and raw little-endian
  /// bytes.
  int32_t elementType = 0;
  SmallVector<int64_t> shape;
  std::string rawData;
  /// From the command line (elementType 0): numbers, converted to the
  /// input's element type and shaped like the input.
  SmallVector<double> numbers;
};

struct ONNXImportOptions {
  /// Static shapes for graph inputs, by name: they bind the inputs' dynamic
  /// dimensions (and must agree with their static ones).
  llvm::StringMap<SmallVector<int64_t>> inputShapes;
  /// Values for graph inputs, by name, which stop being inputs.
  llvm::StringMap<FrozenInput> frozenInputs;
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

/// An ONNX op the importer reads: its domain ("" for ONNX's default) and
/// type, and the opsets from which each of its imported forms applies.
struct SupportedONNXOp {
  std::string domain, opType;
  SmallVector<int64_t> sinceVersions;
};

/// Every op the importer reads, by domain, then op type.
std::vector<SupportedONNXOp> getSupportedONNXOps();

/// Reads an ONNX model file as it is, binary or (for `.onnxtxt`) ONNX text
/// syntax; on failure `error` says why.
LogicalResult readONNXModelFile(StringRef path, onnx::ModelProto &model,
                                std::string &error);

/// Parses `NAME=D0xD1x...` (the --input-shape syntax) into `options`.
LogicalResult parseInputShape(StringRef spec, ONNXImportOptions &options,
                              std::string &error);

/// Parses `NAME=FILE.npy`, `NAME=FILE.pb` or `NAME=V0,V1,...` (the
/// --freeze-input syntax) into `options`, reading the file.
LogicalResult parseFreezeInput(StringRef spec, ONNXImportOptions &options,
                               std::string &error);

} // namespace mlir::quill

#endif // QUILL_IMPORT_ONNXIMPORTER_H
