//===- ProtoUtils.h - Reading attributes and types of ONNX protos -*- C++
//-*-===//
//
// Internal to lib/Import/ONNX: the proto-level reads shared by the node
// importers and the passes over the ModelProto (shape folding, Quill's own
// type rules).
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_LIB_IMPORT_ONNX_PROTOUTILS_H
#define QUILL_LIB_IMPORT_ONNX_PROTOUTILS_H

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <cstring>
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

/// The static shape of every value of `graph` that has one: graph inputs,
/// inferred value_info, graph outputs and initializers (which decide).
inline llvm::StringMap<std::vector<int64_t>>
getStaticShapes(const onnx::GraphProto &graph) {
  llvm::StringMap<std::vector<int64_t>> shapes;
  for (const auto *list :
       {&graph.input(), &graph.value_info(), &graph.output()})
    for (const onnx::ValueInfoProto &info : *list)
      if (std::optional<std::vector<int64_t>> dims = getStaticDims(info.type()))
        shapes[info.name()] = *dims;
  for (const onnx::TensorProto &tensor : graph.initializer())
    shapes[tensor.name()] = {tensor.dims().begin(), tensor.dims().end()};
  return shapes;
}

/// The value of a one-element bool, int32, int64, float or double tensor
/// stored in the proto (not external data), truncated to an integer; else
/// nullopt.
inline std::optional<int64_t> readScalar(const onnx::TensorProto &tensor) {
  int64_t count = 1;
  for (int64_t dim : tensor.dims())
    count *= dim;
  if (count != 1 || tensor.data_location() == onnx::TensorProto::EXTERNAL)
    return std::nullopt;
  const std::string &raw = tensor.raw_data();
  auto fromRaw = [&](auto zero) -> std::optional<int64_t> {
    if (raw.size() != sizeof(zero))
      return std::nullopt;
    std::memcpy(&zero, raw.data(), sizeof(zero));
    return static_cast<int64_t>(zero);
  };
  bool hasRaw = tensor.has_raw_data();
  switch (tensor.data_type()) {
  case onnx::TensorProto::BOOL:
    if (hasRaw)
      return fromRaw(uint8_t());
    if (tensor.int32_data_size() == 1)
      return tensor.int32_data(0) != 0;
    return std::nullopt;
  case onnx::TensorProto::INT32:
    if (hasRaw)
      return fromRaw(int32_t());
    if (tensor.int32_data_size() == 1)
      return tensor.int32_data(0);
    return std::nullopt;
  case onnx::TensorProto::INT64:
    if (hasRaw)
      return fromRaw(int64_t());
    if (tensor.int64_data_size() == 1)
      return tensor.int64_data(0);
    return std::nullopt;
  case onnx::TensorProto::FLOAT:
    if (hasRaw)
      return fromRaw(float());
    if (tensor.float_data_size() == 1)
      return static_cast<int64_t>(tensor.float_data(0));
    return std::nullopt;
  case onnx::TensorProto::DOUBLE:
    if (hasRaw)
      return fromRaw(double());
    if (tensor.double_data_size() == 1)
      return static_cast<int64_t>(tensor.double_data(0));
    return std::nullopt;
  default:
    return std::nullopt;
  }
}

} // namespace mlir::quill::onnx_import

#endif // QUILL_LIB_IMPORT_ONNX_PROTOUTILS_H
