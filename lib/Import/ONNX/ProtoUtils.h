//===- ProtoUtils.h - Reading attributes and types of ONNX protos -*- C++
//-*-===//
//
// Internal to lib/Import/ONNX: the proto-level reads shared by the node
// importers and the passes over the ModelProto (shape folding, typing of
// com.microsoft ops).
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_LIB_IMPORT_ONNX_PROTOUTILS_H
#define QUILL_LIB_IMPORT_ONNX_PROTOUTILS_H

#include "llvm/ADT/StringRef.h"

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace mlir::quill::onnx_import {

/// The attribute `name` of `node`, or null.
inline const onnx::AttributeProto *findAttribute(const onnx::NodeProto &node,
                                                 llvm::StringRef name) {
  for (const onnx::AttributeProto &attr : node.attribute())
    if (attr.name() == name)
      return &attr;
  return nullptr;
}

/// The INT attribute `name` of `node`, or `defaultValue` when absent.
inline int64_t getIntAttribute(const onnx::NodeProto &node,
                               llvm::StringRef name, int64_t defaultValue) {
  const onnx::AttributeProto *attr = findAttribute(node, name);
  return attr && attr->has_i() ? attr->i() : defaultValue;
}

/// The dimensions of a tensor type whose every dimension is a known size,
/// else nullopt.
inline std::optional<std::vector<int64_t>>
getStaticDims(const onnx::TypeProto &type) {
  if (!type.has_tensor_type() || !type.tensor_type().has_shape())
    return std::nullopt;
  std::vector<int64_t> dims;
  for (const auto &dim : type.tensor_type().shape().dim()) {
    if (!dim.has_dim_value() || dim.dim_value() < 0)
      return std::nullopt;
    dims.push_back(dim.dim_value());
  }
  return dims;
}

} // namespace mlir::quill::onnx_import

#endif // QUILL_LIB_IMPORT_ONNX_PROTOUTILS_H
