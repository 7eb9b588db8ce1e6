//===- MissingTypes.cpp - Types libonnx does not infer --------------------===//

#include "MissingTypes.h"

#include "Einsum.h"
#include "ProtoUtils.h"

#include "llvm/ADT/StringMap.h"

#include <optional>
#include <vector>

using namespace mlir::quill::onnx_import;

namespace {

/// A static tensor type.
struct StaticType {
  int32_t elementType;
  std::vector<int64_t> dims;
};

std::optional<StaticType> readType(const onnx::TypeProto &type) {
  std::optional<std::vector<int64_t>> dims = getStaticDims(type);
  if (!dims)
    return std::nullopt;
  return StaticType{type.tensor_type().elem_type(), *dims};
}

/// numpy broadcasting of two shapes.
std::optional<std::vector<int64_t>> broadcast(std::vector<int64_t> a,
                                              std::vector<int64_t> b) {
  if (a.size() < b.size())
    std::swap(a, b);
  b.insert(b.begin(), a.size() - b.size(), 1);
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i] && a[i] != 1 && b[i] != 1)
      return std::nullopt;
    a[i] = a[i] == 1 ? b[i] : a[i];
  }
  return a;
}

class TypeRules {
public:
  explicit TypeRules(const onnx::GraphProto &graph) {
    for (const auto *list :
         {&graph.input(), &graph.value_info(), &graph.output()})
      for (const onnx::ValueInfoProto &info : *list)
        if (std::optional<StaticType> type = readType(info.type()))
          types[info.name()] = *type;
    for (const onnx::TensorProto &tensor : graph.initializer()) {
      types[tensor.name()] = {tensor.data_type(),
                              {tensor.dims().begin(), tensor.dims().end()}};
      initializers[tensor.name()] = &tensor;
    }
  }

  bool isTyped(const std::string &name) const { return types.count(name); }

  /// The output type of `node`, or nullopt when an input type is unknown.
  std::optional<StaticType> infer(const onnx::NodeProto &node) const {
    const std::string &op = node.op_type();
    auto input = [&](int index) -> std::optional<StaticType> {
      if (index >= node.input_size() || node.input(index).empty())
        return std::nullopt;
      auto it = types.find(node.input(index));
      if (it == types.end())
        return std::nullopt;
      return it->second;
    };
    if (op == "Einsum" && node.domain().empty())
      return inferEinsum(node, input);
    if (op == "OneHot" && node.domain().empty()) {
      auto indices = input(0), values = input(2);
      const onnx::TensorProto *depth =
          node.input_size() > 1 ? initializers.lookup(node.input(1)) : nullptr;
      std::optional<int64_t> depthValue =
          depth ? readScalar(*depth) : std::nullopt;
      if (!indices || !values || !depthValue || *depthValue < 0)
        return std::nullopt;
      int64_t rank = indices->dims.size() + 1;
      int64_t axis = getIntAttribute(node, "axis", -1);
      axis = axis < 0 ? axis + rank : axis;
      if (axis < 0 || axis >= rank)
        return std::nullopt;
      StaticType result{values->elementType, indices->dims};
      result.dims.insert(result.dims.begin() + axis, *depthValue);
      return result;
    }
    if (op == "QLinearAdd" || op == "QLinearMul") {
      auto a = input(0), b = input(3);
      if (!a || !b)
        return std::nullopt;
      auto dims = broadcast(a->dims, b->dims);
      if (!dims)
        return std::nullopt;
      return StaticType{a->elementType, *dims};
    }
    if (op == "QLinearSigmoid" || op == "QLinearLeakyRelu" || op == "Gelu" ||
        op == "FastGelu" || op == "BiasGelu" || op == "Mish")
      return input(0);
    if (op == "QLinearGlobalAveragePool") {
      auto x = input(0);
      if (!x || x->dims.size() < 3)
        return std::nullopt;
      bool channelsLast = getIntAttribute(node, "channels_last", 0);
      for (size_t d = 1; d < x->dims.size(); ++d)
        if (channelsLast ? d + 1 < x->dims.size() : d >= 2)
          x->dims[d] = 1;
      return x;
    }
    if (op == "QLinearConcat") {
      auto zeroPoint = input(1), first = input(2);
      if (!zeroPoint || !first)
        return std::nullopt;
      int64_t rank = first->dims.size();
      int64_t axis = getIntAttribute(node, "axis", 0);
      axis = axis < 0 ? axis + rank : axis;
      if (axis < 0 || axis >= rank)
        return std::nullopt;
      StaticType result{zeroPoint->elementType, first->dims};
      result.dims[axis] = 0;
      for (int i = 2; i < node.input_size(); i += 3) {
        auto part = input(i);
        if (!part || static_cast<int64_t>(part->dims.size()) != rank)
          return std::nullopt;
        result.dims[axis] += part->dims[axis];
      }
      return result;
    }
    if (op == "MatMulNBits") {
      auto a = input(0);
      int64_t n = getIntAttribute(node, "N", 0);
      if (!a || a->dims.empty() || n <= 0)
        return std::nullopt;
      a->dims.back() = n;
      return a;
    }
    if (op == "QGemm") {
      auto a = input(0), b = input(3);
      if (!a || !b || a->dims.size() != 2 || b->dims.size() != 2)
        return std::nullopt;
      int64_t m = getIntAttribute(node, "transA", 0) ? a->dims[1] : a->dims[0];
      int64_t n = getIntAttribute(node, "transB", 0) ? b->dims[0] : b->dims[1];
      // Without y_scale the output is float; with it, y_zero_point's type
      // (uint8 when absent).
      int32_t elementType = onnx::TensorProto::FLOAT;
      if (input(7))
        elementType = input(8) ? input(8)->elementType
                               : static_cast<int32_t>(onnx::TensorProto::UINT8);
      return StaticType{elementType, {m, n}};
    }
    return std::nullopt;
  }

private:
  template <typename InputFn>
  static std::optional<StaticType> inferEinsum(const onnx::NodeProto &node,
                                               InputFn input) {
    const onnx::AttributeProto *equation = findAttribute(node, "equation");
    if (!equation || node.input_size() < 1)
      return std::nullopt;
    std::vector<int64_t> ranks;
    std::vector<llvm::SmallVector<int64_t>> shapes;
    for (int index = 0; index < node.input_size(); ++index) {
      std::optional<StaticType> type = input(index);
      if (!type)
        return std::nullopt;
      ranks.push_back(type->dims.size());
      shapes.emplace_back(type->dims.begin(), type->dims.end());
    }
    // A malformed equation is reported by the importer.
    std::string error;
    std::optional<EinsumEquation> parsed =
        parseEinsumEquation(equation->s(), ranks, error);
    if (!parsed)
      return std::nullopt;
    auto sizes = getEinsumLabelSizes(*parsed, shapes, error);
    if (!sizes)
      return std::nullopt;
    StaticType result{input(0)->elementType, {}};
    for (int label : parsed->output)
      result.dims.push_back(sizes->lookup(label));
    return result;
  }

  llvm::StringMap<StaticType> types;
  llvm::StringMap<const onnx::TensorProto *> initializers;
};

} // namespace

/// The entry that declares `name`'s type: its graph output or value_info
/// entry, else a new value_info entry.
static onnx::ValueInfoProto &getTypeEntry(onnx::GraphProto &graph,
                                          const std::string &name) {
  for (auto *list : {graph.mutable_output(), graph.mutable_value_info()})
    for (onnx::ValueInfoProto &info : *list)
      if (info.name() == name)
        return info;
  onnx::ValueInfoProto &info = *graph.add_value_info();
  info.set_name(name);
  return info;
}

bool mlir::quill::onnx_import::inferMissingTypes(onnx::GraphProto &graph) {
  TypeRules rules(graph);
  bool changed = false;
  for (const onnx::NodeProto &node : graph.node()) {
    bool known = node.domain() == "com.microsoft" ||
                 (node.domain().empty() &&
                  (node.op_type() == "Einsum" || node.op_type() == "OneHot" ||
                   node.op_type() == "Mish"));
    if (!known || node.output_size() < 1 || rules.isTyped(node.output(0)))
      continue;
    std::optional<StaticType> type = rules.infer(node);
    if (!type)
      continue;
    onnx::ValueInfoProto &info = getTypeEntry(graph, node.output(0));
    info.clear_type();
    auto *tensor = info.mutable_type()->mutable_tensor_type();
    tensor->set_elem_type(type->elementType);
    for (int64_t dim : type->dims)
      tensor->mutable_shape()->add_dim()->set_dim_value(dim);
    changed = true;
  }
  return changed;
}
