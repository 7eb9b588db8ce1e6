//===- ShapeInference.h - ONNX shape inference without exceptions -*- C++
//-*-===//
//
// Internal to lib/Import/ONNX. libonnx reports errors by throwing and its
// inference can crash on malformed models; this is the one file built with
// exceptions, and it turns both into messages.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_LIB_IMPORT_ONNX_SHAPEINFERENCE_H
#define QUILL_LIB_IMPORT_ONNX_SHAPEINFERENCE_H

#include <onnx/onnx_pb.h>

#include <string>

namespace mlir::quill::onnx_import {

/// Runs ONNX shape inference (with data propagation, so Shape -> Reshape
/// chains get static shapes) in a child process and stores the inferred
/// value types in `model`.
bool inferShapes(onnx::ModelProto &model, std::string &error);

/// Parses ONNX's text syntax into `model`.
bool parseModelText(const std::string &text, onnx::ModelProto &model,
                    std::string &error);

} // namespace mlir::quill::onnx_import

#endif // QUILL_LIB_IMPORT_ONNX_SHAPEINFERENCE_H
