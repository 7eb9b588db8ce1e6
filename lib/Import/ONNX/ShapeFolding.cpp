//===- ShapeFolding.cpp - Folding of shape computations in ONNX graphs ----===//

#include "ShapeFolding.h"

#include "ProtoUtils.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringMap.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
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
      tensor.data_type() != onnx::TensorProto::INT32 &&
      tensor.data_type() != onnx::TensorProto::BOOL)
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
  bool isBool = tensor.data_type() == onnx::TensorProto::BOOL;
  if (tensor.has_raw_data()) {
    const std::string &raw = tensor.raw_data();
    size_t width = is64 ? 8 : isBool ? 1 : 4;
    if (raw.size() != count * width)
      return std::nullopt;
    for (size_t i = 0; i < count; ++i) {
      int64_t value = 0;
      if (is64) {
        std::memcpy(&value, raw.data() + 8 * i, 8);
      } else if (isBool) {
        value = raw[i] != 0;
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
    if (op == "Reshape" && inputs.size() == 2 && inputs[1])
      return reshape(*inputs[0], *inputs[1]);
    if (op == "ConstantOfShape")
      return constantOfShape(node, *inputs[0]);
    if (op == "NonZero")
      return nonZero(*inputs[0]);
    if (op == "Range" && inputs.size() == 3 && inputs[1] && inputs[2])
      return range(*inputs[0], *inputs[1], *inputs[2]);
    if (op == "Neg" || op == "Abs" || op == "Not")
      return elementwise(
          {inputs[0]}, inputs[0]->dataType,
          [&](llvm::ArrayRef<int64_t> v) -> std::optional<int64_t> {
            if (op == "Not")
              return int64_t(!v[0]);
            if (v[0] == std::numeric_limits<int64_t>::min())
              return std::nullopt;
            return op == "Neg" ? -v[0] : std::abs(v[0]);
          });
    if (op == "Where" && inputs.size() == 3 && inputs[1] && inputs[2])
      return elementwise(
          inputs, inputs[1]->dataType,
          [](llvm::ArrayRef<int64_t> v) -> std::optional<int64_t> {
            return v[0] ? v[1] : v[2];
          });
    if (inputs.size() != 2 || !inputs[1])
      return std::nullopt;
    if (op == "Equal" || op == "Less" || op == "Greater" ||
        op == "LessOrEqual" || op == "GreaterOrEqual")
      return elementwise(
          inputs, onnx::TensorProto::BOOL,
          [&](llvm::ArrayRef<int64_t> v) -> std::optional<int64_t> {
            return op == "Equal"         ? v[0] == v[1]
                   : op == "Less"        ? v[0] < v[1]
                   : op == "Greater"     ? v[0] > v[1]
                   : op == "LessOrEqual" ? v[0] <= v[1]
                                         : v[0] >= v[1];
          });
    if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" ||
        op == "Mod" || op == "Min" || op == "Max" || op == "And" || op == "Or")
      return elementwise(
          inputs, inputs[0]->dataType,
          [&](llvm::ArrayRef<int64_t> v) -> std::optional<int64_t> {
            return arithmetic(op, v[0], v[1]);
          });
    return std::nullopt;
  }

private:
  /// The coordinates of the non-zero elements, one row per dimension, in
  /// row-major order of the elements.
  static std::optional<IntTensor> nonZero(const IntTensor &input) {
    int64_t rank = input.dims.size();
    if (rank == 0)
      return std::nullopt;
    std::vector<int64_t> positions;
    for (size_t i = 0; i < input.values.size(); ++i)
      if (input.values[i])
        positions.push_back(i);
    int64_t count = positions.size();
    IntTensor result;
    result.dims = {rank, count};
    result.values.assign(rank * count, 0);
    for (int64_t n = 0; n < count; ++n) {
      int64_t flat = positions[n];
      for (int64_t d = rank - 1; d >= 0; --d) {
        result.values[d * count + n] = flat % input.dims[d];
        flat /= input.dims[d];
      }
    }
    return result;
  }

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

  /// Slice of a 1-D shape value along its one axis: bounds from attributes
  /// before opset 10, from inputs after.
  std::optional<IntTensor> slice(const onnx::NodeProto &node,
                                 const std::vector<const IntTensor *> &inputs) {
    const IntTensor &data = *inputs[0];
    if (data.dims.size() != 1)
      return std::nullopt;
    // starts, ends, axes, steps; one value each along axis 0.
    std::optional<int64_t> bounds[4];
    if (opset < 10) {
      const char *names[] = {"starts", "ends", "axes"};
      for (int i = 0; i < 3; ++i)
        if (const onnx::AttributeProto *attr = findAttribute(node, names[i])) {
          if (attr->ints_size() != 1)
            return std::nullopt;
          bounds[i] = attr->ints(0);
        }
    } else {
      for (size_t i = 1; i < inputs.size() && i <= 4; ++i) {
        if (node.input(i).empty())
          continue;
        if (!inputs[i] || inputs[i]->values.size() != 1)
          return std::nullopt;
        bounds[i - 1] = inputs[i]->values[0];
      }
    }
    if (!bounds[0] || !bounds[1] ||
        (bounds[2] && *bounds[2] != 0 && *bounds[2] != -1))
      return std::nullopt;
    int64_t step = bounds[3].value_or(1);
    if (step == 0)
      return std::nullopt;
    int64_t size = data.dims[0];
    auto clampIndex = [&](int64_t index, int64_t low, int64_t high) {
      return std::clamp<int64_t>(index < 0 ? index + size : index, low, high);
    };
    int64_t start = *bounds[0], end = *bounds[1];
    start =
        step > 0 ? clampIndex(start, 0, size) : clampIndex(start, 0, size - 1);
    end = step > 0 ? clampIndex(end, 0, size) : clampIndex(end, -1, size - 1);
    IntTensor result{{0}, {}, data.dataType};
    for (int64_t i = start; step > 0 ? i < end : i > end; i += step)
      result.values.push_back(data.values[i]);
    result.dims[0] = result.values.size();
    return result;
  }

  /// One element of a binary op on shape values; nullopt when ONNX leaves
  /// it undefined (a division by zero).
  static std::optional<int64_t> arithmetic(const std::string &op, int64_t a,
                                           int64_t b) {
    // Shape values are small; an overflow is a malformed model, left unfolded.
    int64_t result;
    if ((op == "Div" || op == "Mod") &&
        (b == 0 || (a == std::numeric_limits<int64_t>::min() && b == -1)))
      return std::nullopt;
    if (op == "Add")
      return __builtin_add_overflow(a, b, &result) ? std::nullopt
                                                   : std::optional(result);
    if (op == "Sub")
      return __builtin_sub_overflow(a, b, &result) ? std::nullopt
                                                   : std::optional(result);
    if (op == "Mul")
      return __builtin_mul_overflow(a, b, &result) ? std::nullopt
                                                   : std::optional(result);
    // ONNX integer division truncates toward zero, as C++ does; integer Mod
    // (fmod = 0) takes the divisor's sign, as Python's.
    if (op == "Div")
      return a / b;
    if (op == "Mod") {
      int64_t remainder = a % b;
      return remainder != 0 && (remainder < 0) != (b < 0) ? remainder + b
                                                          : remainder;
    }
    if (op == "Min")
      return std::min(a, b);
    if (op == "Max")
      return std::max(a, b);
    if (op == "And")
      return a && b;
    return a || b;
  }

  /// `function` of the elements of `inputs`, numpy-broadcast, into a tensor
  /// of `dataType`.
  static std::optional<IntTensor> elementwise(
      const std::vector<const IntTensor *> &inputs, int32_t dataType,
      llvm::function_ref<std::optional<int64_t>(llvm::ArrayRef<int64_t>)>
          function) {
    size_t rank = 0;
    for (const IntTensor *input : inputs) {
      if (!input)
        return std::nullopt;
      rank = std::max(rank, input->dims.size());
    }
    std::vector<int64_t> dims(rank, 1);
    for (const IntTensor *input : inputs) {
      size_t offset = rank - input->dims.size();
      for (size_t d = 0; d < input->dims.size(); ++d) {
        int64_t size = input->dims[d];
        if (size != 1 && dims[offset + d] != 1 && dims[offset + d] != size)
          return std::nullopt;
        if (size != 1)
          dims[offset + d] = size;
      }
    }
    IntTensor result{dims, {}, dataType};
    int64_t count = numElements(dims);
    std::vector<int64_t> operands(inputs.size());
    for (int64_t index = 0; index < count; ++index) {
      for (size_t i = 0; i < inputs.size(); ++i) {
        const IntTensor &input = *inputs[i];
        size_t offset = rank - input.dims.size();
        int64_t flat = 0, remainder = index, stride = count;
        for (size_t d = 0; d < rank; ++d) {
          stride /= dims[d];
          int64_t coordinate = remainder / stride;
          remainder %= stride;
          if (d >= offset) {
            int64_t size = input.dims[d - offset];
            flat = flat * size + (size == 1 ? 0 : coordinate);
          }
        }
        operands[i] = input.values[flat];
      }
      std::optional<int64_t> value = function(operands);
      if (!value)
        return std::nullopt;
      result.values.push_back(*value);
    }
    return result;
  }

  /// Reshape of a shape value: 0 copies the input's dimension, -1 takes the
  /// rest.
  static std::optional<IntTensor> reshape(const IntTensor &data,
                                          const IntTensor &shape) {
    IntTensor result = data;
    result.dims.clear();
    int64_t known = 1, inferred = -1;
    for (size_t d = 0; d < shape.values.size(); ++d) {
      int64_t size = shape.values[d];
      if (size == 0 && d < data.dims.size())
        size = data.dims[d];
      if (size == -1) {
        if (inferred >= 0)
          return std::nullopt;
        inferred = d;
      } else if (size < 0 || size > static_cast<int64_t>(kMaxElements)) {
        return std::nullopt;
      } else {
        known *= size;
      }
      result.dims.push_back(size);
    }
    int64_t count = data.values.size();
    if (inferred >= 0) {
      if (known == 0 || count % known)
        return std::nullopt;
      result.dims[inferred] = count / known;
    }
    if (numElements(result.dims) != count)
      return std::nullopt;
    return result;
  }

  /// A small integer or boolean tensor of shape `shape`, filled with the
  /// `value` attribute (float fills are not shape values).
  static std::optional<IntTensor> constantOfShape(const onnx::NodeProto &node,
                                                  const IntTensor &shape) {
    const onnx::AttributeProto *attr = findAttribute(node, "value");
    if (!attr)
      return std::nullopt;
    std::optional<IntTensor> value = readTensor(attr->t());
    if (!value || value->values.size() != 1 ||
        llvm::any_of(shape.values, [](int64_t d) { return d < 0; }) ||
        numElements(shape.values) > static_cast<int64_t>(kMaxElements))
      return std::nullopt;
    return IntTensor{
        shape.values,
        std::vector<int64_t>(numElements(shape.values), value->values[0]),
        value->dataType};
  }

  static std::optional<IntTensor> range(const IntTensor &start,
                                        const IntTensor &limit,
                                        const IntTensor &delta) {
    if (start.values.size() != 1 || limit.values.size() != 1 ||
        delta.values.size() != 1 || delta.values[0] == 0)
      return std::nullopt;
    int64_t first = start.values[0], last = limit.values[0],
            step = delta.values[0];
    IntTensor result{{0}, {}, start.dataType};
    for (int64_t v = first; step > 0 ? v < last : v > last; v += step) {
      if (result.values.size() == kMaxElements)
        return std::nullopt;
      result.values.push_back(v);
    }
    result.dims[0] = result.values.size();
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
  llvm::StringMap<std::vector<int64_t>> shapes = getStaticShapes(graph);

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
