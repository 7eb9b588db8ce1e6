//===- ShapeInference.cpp - ONNX shape inference without exceptions -------===//

#include "ShapeInference.h"

#include <onnx/defs/parser.h>
#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>

#include <exception>

using namespace mlir::quill::onnx_import;

bool mlir::quill::onnx_import::inferShapes(onnx::ModelProto &model,
                                           std::string &error) {
  try {
    onnx::ShapeInferenceOptions options{/*check_type=*/true,
                                        /*error_mode=*/1,
                                        /*enable_data_propagation=*/true};
    onnx::shape_inference::InferShapes(
        model, onnx::OpSchemaRegistry::Instance(), options);
  } catch (const std::exception &e) {
    error = e.what();
    return false;
  }
  return true;
}

bool mlir::quill::onnx_import::parseModelText(const std::string &text,
                                              onnx::ModelProto &model,
                                              std::string &error) {
  try {
    onnx::OnnxParser parser(text.c_str());
    onnx::Status status = parser.Parse(model);
    if (!status.IsOK()) {
      error = status.ErrorMessage();
      return false;
    }
  } catch (const std::exception &e) {
    error = e.what();
    return false;
  }
  return true;
}
