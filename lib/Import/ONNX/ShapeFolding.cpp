//===- ShapeFolding.cpp - Folding of shape computations in ONNX graphs ----===//

#include "ShapeFolding.h"

#include "ProtoUtils.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

using namespace mlir::quill::onnx_import;

namespace {

/// An integer tensor small enough to be a shape computation.
struct IntTensor {
  std::vector<int64_t> dims;
  std::vector<int64_t> values;
  int32_t dataType = onnx::TensorProto::INT64;
};

constexpr size_t kMaxElements = 1024;

int64_t numElements(const std::vector<int64_t> &dims) {
  int64_t count = 1;
  for (int64_t dim : dims)
    count *= dim;
  return count;
}

std::optional<IntTensor> readTensor(const onnx::TensorProto &tensor) {
  if (tensor.data_type() != onnx::TensorProto::INT64 &&
      tensor.data_type() != onnx::TensorProto::INT32)
    return std::nullopt;
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL)
    return std::nullopt;
  IntTensor result;
  result.dataType = tensor.data_type();
  for (int64_t dim : tensor.dims()) {
    if (dim < 0 || dim > static_cast<int64_t>(kMaxElements))
      return std::nullopt;
    result.dims.push_back(dim);
  }
  size_t count = numElements(result.dims);
  if (count > kMaxElements)
    return std::nullopt;
  bool is64 = tensor.data_type() == onnx::TensorProto::INT64;
  if (tensor.has_raw_data()) {
    const std::string &raw = tensor.raw_data();
    size_t width = is64 ? 8 : 4;
    if (raw.size() != count * width)
      return std::nullopt;
    for (size_t i = 0; i < count; ++i) {
      int64_t value = 0;
      if (is64) {
        std::memcpy(&value, raw.data() + 8 * i, 8);
      } else {
        int32_t narrow;
        std::memcpy(&narrow, raw.data() + 4 * i, 4);
        value = narrow;
      }
      result.values.push_back(value);
    }
  } else if (is64 && tensor.int64_data_size() == static_cast<int>(count)) {
    result.values.assign(tensor.int64_data().begin(),
                         tensor.int64_data().end());
  } else if (!is64 && tensor.int32_data_size() == static_cast<int>(count)) {
    result.values.assign(tensor.int32_data().begin(),
                         tensor.int32_data().end());
  } else {
    return std::nullopt;
  }
  return result;
}

onnx::TensorProto writeTensor(const IntTensor &tensor,
                              const std::string &name) {
  onnx::TensorProto proto;
  proto.set_name(name);
  proto.set_data_type(tensor.dataType);
  for (int64_t dim : tensor.dims)
    proto.add_dims(dim);
  for (int64_t value : tensor.values) {
    if (tensor.dataType == onnx::TensorProto::INT64)
      proto.add_int64_data(value);
    else
      proto.add_int32_data(static_cast<int32_t>(value));
  }
  return proto;
}

/// Folds one node given its known inputs; nullopt when it cannot.
class Evaluator {
public:
  Evaluator(const llvm::StringMap<IntTensor> &known,
            const llvm::StringMap<std::vector<int64_t>> &shapes, int64_t opset)
      : known(known), shapes(shapes), opset(opset) {}

  std::optional<IntTensor> evaluate(const onnx::NodeProto &node) {
    const std::string &op = node.op_type();
    if (!node.domain().empty() && node.domain() != "ai.onnx")
      return std::nullopt;
    if (node.output_size() != 1)
      return std::nullopt;
    if (op == "Shape")
      return shape(node);
    if (op == "Constant")
      return constant(node);
    std::vector<const IntTensor *> inputs;
    for (const std::string &name : node.input()) {
      auto it = known.find(name);
      inputs.push_back(it == known.end() ? nullptr : &it->second);
    }
    if (inputs.empty() || !inputs[0])
      return std::nullopt;
    if (op == "Identity")
      return *inputs[0];
    if (op == "Cast")
      return cast(node, *inputs[0]);
    if (op == "Gather" && inputs.size() == 2 && inputs[1])
      return gather(node, *inputs[0], *inputs[1]);
    if (op == "Unsqueeze" || op == "Squeeze")
      return reshapeAxes(node, inputs, op == "Unsqueeze");
    if (op == "Concat")
      return concat(node, inputs);
    if (op == "Slice")
      return slice(node, inputs);
    if ((op == "Add" || op == "Sub" || op == "Mul" || op == "Div") &&
        inputs.size() == 2 && inputs[1])
      return arithmetic(op, *inputs[0], *inputs[1]);
    return std::nullopt;
  }

private:
  std::optional<IntTensor> shape(const onnx::NodeProto &node) {
    if (node.input_size() != 1)
      return std::nullopt;
    auto it = shapes.find(node.input(0));
    if (it == shapes.end())
      return std::nullopt;
    const std::vector<int64_t> &dims = it->second;
    int64_t rank = dims.size();
    auto clampIndex = [&](int64_t index) {
      return std::clamp<int64_t>(index < 0 ? index + rank : index, 0, rank);
    };
    int64_t start = clampIndex(getIntAttribute(node, "start", 0));
    int64_t end = clampIndex(getIntAttribute(node, "end", rank));
    IntTensor result;
    result.values.assign(dims.begin() + start,
                         dims.begin() + std::max(start, end));
    result.dims = {static_cast<int64_t>(result.values.size())};
    return result;
  }

  std::optional<IntTensor> constant(const onnx::NodeProto &node) {
    if (const onnx::AttributeProto *attr = findAttribute(node, "value"))
      return readTensor(attr->t());
    if (const onnx::AttributeProto *attr = findAttribute(node, "value_int"))
      return IntTensor{{}, {attr->i()}};
    if (const onnx::AttributeProto *attr = findAttribute(node, "value_ints")) {
      IntTensor result{{attr->ints_size()}, {}};
      result.values.assign(attr->ints().begin(), attr->ints().end());
      return result;
    }
    return std::nullopt;
  }

  std::optional<IntTensor> cast(const onnx::NodeProto &node,
                                const IntTensor &input) {
    int64_t to = getIntAttribute(node, "to", 0);
    if (to != onnx::TensorProto::INT64 && to != onnx::TensorProto::INT32)
      return std::nullopt;
    IntTensor result = input;
    result.dataType = static_cast<int32_t>(to);
    if (to == onnx::TensorProto::INT32)
      for (int64_t &value : result.values)
        value = static_cast<int32_t>(value);
    return result;
  }

  std::optional<IntTensor> gather(const onnx::NodeProto &node,
                                  const IntTensor &data,
                                  const IntTensor &indices) {
    if (data.dims.size() != 1 || getIntAttribute(node, "axis", 0) != 0)
      return std::nullopt;
    IntTensor result{indices.dims, {}, data.dataType};
    int64_t size = data.dims[0];
    for (int64_t index : indices.values) {
      if (index < 0)
        index += size;
      if (index < 0 || index >= size)
        return std::nullopt;
      result.values.push_back(data.values[index]);
    }
    return result;
  }

  /// Unsqueeze and Squeeze change only dims; axes are an attribute before
  /// opset 13 and an input from it.
  std::optional<IntTensor>
  reshapeAxes(const onnx::NodeProto &node,
              const std::vector<const IntTensor *> &inputs, bool insert) {
    std::vector<int64_t> axes;
    if (opset < 13) {
      const onnx::AttributeProto *attr = findAttribute(node, "axes");
      if (attr)
        axes.assign(attr->ints().begin(), attr->ints().end());
    } else if (inputs.size() > 1) {
      if (!inputs[1])
        return std::nullopt;
      axes = inputs[1]->values;
    }
    IntTensor result = *inputs[0];
    int64_t rank = result.dims.size() + (insert ? axes.size() : 0);
    for (int64_t &axis : axes)
      if (axis < 0)
        axis += rank;
    llvm::sort(axes);
    if (insert) {
      for (int64_t axis : axes) {
        if (axis < 0 || axis > static_cast<int64_t>(result.dims.size()))
          return std::nullopt;
        result.dims.insert(result.dims.begin() + axis, 1);
      }
      return result;
    }
    std::vector<int64_t> dims;
    for (int64_t d = 0; d < static_cast<int64_t>(result.dims.size()); ++d) {
      bool squeezed =
          axes.empty() ? result.dims[d] == 1 : llvm::is_contained(axes, d);
      if (squeezed && result.dims[d] != 1)
        return std::nullopt;
      if (!squeezed)
        dims.push_back(result.dims[d]);
    }
    result.dims = dims;
    return result;
  }

  std::optional<IntTensor>
  concat(const onnx::NodeProto &node,
         const std::vector<const IntTensor *> &inputs) {
    int64_t axis = getIntAttribute(node, "axis", 0);
    IntTensor result{{0}, {}, inputs[0]->dataType};
    for (const IntTensor *input : inputs) {
      if (!input || input->dims.size() != 1 || (axis != 0 && axis != -1))
        return std::nullopt;
      llvm::append_range(result.values, input->values);
    }
    result.dims[0] = result.values.size();
    return result;
  }

  std::optional<IntTensor> slice(const onnx::NodeProto &node,
                                 const std::vector<const IntTensor *> &inputs) {
    const IntTensor &data = *inputs[0];
    if (data.dims.size() != 1 || opset < 10 || inputs.size() < 3 ||
        !inputs[1] || !inputs[2] || inputs[1]->values.size() != 1 ||
        inputs[2]->values.size() != 1)
      return std::nullopt;
    if (inputs.size() > 3 &&
        (!inputs[3] || inputs[3]->values.size() != 1 ||
         (inputs[3]->values[0] != 0 && inputs[3]->values[0] != -1)))
      return std::nullopt;
    int64_t step = 1;
    if (inputs.size() > 4) {
      if (!inputs[4] || inputs[4]->values.size() != 1)
        return std::nullopt;
      step = inputs[4]->values[0];
    }
    if (step == 0)
      return std::nullopt;
    int64_t size = data.dims[0];
    auto clampIndex = [&](int64_t index, int64_t low, int64_t high) {
      return std::clamp<int64_t>(index < 0 ? index + size : index, low, high);
    };
    int64_t start = inputs[1]->values[0], end = inputs[2]->values[0];
    start =
        step > 0 ? clampIndex(start, 0, size) : clampIndex(start, 0, size - 1);
    end = step > 0 ? clampIndex(end, 0, size) : clampIndex(end, -1, size - 1);
    IntTensor result{{0}, {}, data.dataType};
    for (int64_t i = start; step > 0 ? i < end : i > end; i += step)
      result.values.push_back(data.values[i]);
    result.dims[0] = result.values.size();
    return result;
  }

  std::optional<IntTensor> arithmetic(const std::string &op,
                                      const IntTensor &lhs,
                                      const IntTensor &rhs) {
    // Shape arithmetic combines equal shapes or a tensor with a scalar.
    bool lhsScalar = lhs.values.size() == 1, rhsScalar = rhs.values.size() == 1;
    if (lhs.dims != rhs.dims && !lhsScalar && !rhsScalar)
      return std::nullopt;
    const IntTensor &shaped =
        lhs.dims.size() >= rhs.dims.size() && !lhsScalar ? lhs : rhs;
    IntTensor result{
        lhsScalar && rhsScalar
            ? (lhs.dims.size() >= rhs.dims.size() ? lhs.dims : rhs.dims)
            : shaped.dims,
        {},
        lhs.dataType};
    size_t count = std::max(lhs.values.size(), rhs.values.size());
    for (size_t i = 0; i < count; ++i) {
      int64_t a = lhs.values[lhsScalar ? 0 : i];
      int64_t b = rhs.values[rhsScalar ? 0 : i];
      if (op == "Div" && b == 0)
        return std::nullopt;
      // ONNX integer division truncates toward zero, as C++ does.
      result.values.push_back(op == "Add"   ? a + b
                              : op == "Sub" ? a - b
                              : op == "Mul" ? a * b
                                            : a / b);
    }
    return result;
  }

  const llvm::StringMap<IntTensor> &known;
  const llvm::StringMap<std::vector<int64_t>> &shapes;
  int64_t opset;
};

} // namespace

bool mlir::quill::onnx_import::foldShapeComputations(onnx::GraphProto &graph,
                                                     int64_t opset) {
  llvm::StringMap<IntTensor> known;
  for (const onnx::TensorProto &tensor : graph.initializer())
    if (std::optional<IntTensor> value = readTensor(tensor))
      known[tensor.name()] = *value;
  // Static shapes from the inputs and from shape inference.
  llvm::StringMap<std::vector<int64_t>> shapes;
  for (const auto *list :
       {&graph.input(), &graph.value_info(), &graph.output()}) {
    for (const onnx::ValueInfoProto &info : *list)
      if (std::optional<std::vector<int64_t>> dims = getStaticDims(info.type()))
        shapes[info.name()] = *dims;
  }
  for (const onnx::TensorProto &tensor : graph.initializer())
    shapes[tensor.name()] = {tensor.dims().begin(), tensor.dims().end()};

  // The graph's outputs stay computed by nodes: folding them would turn a
  // graph output into an initializer.
  llvm::StringMap<bool> graphOutputs;
  for (const onnx::ValueInfoProto &output : graph.output())
    graphOutputs[output.name()] = true;

  Evaluator evaluator(known, shapes, opset);
  bool changed = false;
  google::protobuf::RepeatedPtrField<onnx::NodeProto> kept;
  for (onnx::NodeProto &node : *graph.mutable_node()) {
    std::optional<IntTensor> value;
    if (node.output_size() == 1 && !graphOutputs.count(node.output(0)))
      value = evaluator.evaluate(node);
    if (!value) {
      *kept.Add() = std::move(node);
      continue;
    }
    known[node.output(0)] = *value;
    shapes[node.output(0)] = value->dims;
    *graph.add_initializer() = writeTensor(*value, node.output(0));
    changed = true;
  }
  graph.mutable_node()->Swap(&kept);
  return changed;
}
