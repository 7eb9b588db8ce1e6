//===- InputBindings.h - What the user fixes about the inputs --*- C++ -*-===//
//
// Internal to lib/Import/ONNX: --input-shape and --freeze-input applied to
// the ModelProto before shape inference.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_LIB_IMPORT_ONNX_INPUTBINDINGS_H
#define QUILL_LIB_IMPORT_ONNX_INPUTBINDINGS_H

#include "quill/Import/ONNXImporter.h"

#include <onnx/onnx_pb.h>

namespace mlir::quill::onnx_import {

/// Sets the dimensions --input-shape gives, checking them against the
/// model's static ones.
LogicalResult bindInputShapes(onnx::GraphProto &graph,
                              const ONNXImportOptions &options, Location loc);

/// Makes each frozen input an initializer of its name (the importer reads
/// such inputs as constants), after checking the value's type and shape
/// against the input's.
LogicalResult freezeInputs(onnx::GraphProto &graph,
                           const ONNXImportOptions &options, Location loc);

} // namespace mlir::quill::onnx_import

#endif // QUILL_LIB_IMPORT_ONNX_INPUTBINDINGS_H
