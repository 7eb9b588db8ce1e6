//===- ONNXGraph.cpp - What the ONNX exporters share ----------------------===//

#include "ONNXGraph.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"

#include <cmath>
#include <cstring>

using namespace mlir;
using namespace mlir::quill;

int mlir::quill::findONNXNode(const onnx::GraphProto &graph, Operation *op) {
  auto loc = dyn_cast<NameLoc>(op->getLoc());
  if (!loc)
    return -1;
  StringRef name = loc.getName().getValue();
  for (int i = 0; i < graph.node_size(); ++i) {
    const onnx::NodeProto &node = graph.node(i);
    if (node.name() == name ||
        (node.name().empty() && node.output_size() && node.output(0) == name))
      return i;
  }
  return -1;
}

std::string mlir::quill::getONNXNodeName(const onnx::NodeProto &node) {
  return node.name().empty() && node.output_size() ? node.output(0)
                                                   : node.name();
}

std::optional<std::vector<float>>
mlir::quill::getFloatInitializer(const onnx::TensorProto &tensor) {
  if (tensor.data_type() != onnx::TensorProto::FLOAT ||
      tensor.data_location() == onnx::TensorProto::EXTERNAL)
    return std::nullopt;
  if (!tensor.has_raw_data())
    return std::vector<float>(tensor.float_data().begin(),
                              tensor.float_data().end());
  std::vector<float> values(tensor.raw_data().size() / sizeof(float));
  std::memcpy(values.data(), tensor.raw_data().data(),
              values.size() * sizeof(float));
  return values;
}

bool mlir::quill::isRoundedFrom(ArrayRef<int64_t> stored,
                                function_ref<ElementParams(int64_t)> params,
                                ArrayRef<float> original) {
  constexpr double kHalfStep = 0.501;
  if (stored.size() != original.size())
    return false;
  for (auto [index, q] : llvm::enumerate(stored)) {
    ElementParams p = params(index);
    if (std::abs(dequantizeElement(q, p, /*wide=*/true) - original[index]) >
        p.scale * kHalfStep)
      return false;
  }
  return true;
}

ONNXInitializers::ONNXInitializers(const onnx::GraphProto &graph) {
  for (const onnx::TensorProto &initializer : graph.initializer())
    initializers[initializer.name()] = &initializer;
  for (const onnx::NodeProto &node : graph.node())
    if (node.op_type() == "Identity" && node.input_size() == 1 &&
        node.output_size() == 1)
      identities[node.output(0)] = node.input(0);
}

const onnx::TensorProto *ONNXInitializers::lookUp(StringRef name) const {
  // Bounded by the number of Identity nodes, so a (malformed) cycle ends.
  for (size_t hops = 0; hops <= identities.size(); ++hops) {
    if (const onnx::TensorProto *tensor = initializers.lookup(name))
      return tensor;
    auto identity = identities.find(name);
    if (identity == identities.end())
      return nullptr;
    name = identity->second;
  }
  return nullptr;
}

ONNXNames::ONNXNames(const onnx::GraphProto &graph) {
  for (const onnx::ValueInfoProto &input : graph.input())
    names.insert(input.name());
  for (const onnx::TensorProto &initializer : graph.initializer())
    names.insert(initializer.name());
  for (const onnx::NodeProto &node : graph.node()) {
    names.insert(node.name());
    for (const std::string &output : node.output())
      names.insert(output);
  }
}

std::string ONNXNames::fresh(const std::string &base) {
  std::string name = base;
  for (int suffix = 1; names.contains(name); ++suffix)
    name = base + "_" + std::to_string(suffix);
  names.insert(name);
  return name;
}

void mlir::quill::removeUnusedInitializers(onnx::GraphProto &graph) {
  for (bool removed = true; removed;) {
    llvm::StringSet<> read;
    for (const onnx::NodeProto &node : graph.node())
      for (const std::string &input : node.input())
        read.insert(input);
    for (const onnx::ValueInfoProto &output : graph.output())
      read.insert(output.name());
    removed = false;
    auto *nodes = graph.mutable_node();
    for (int i = nodes->size() - 1; i >= 0; --i) {
      const onnx::NodeProto &node = nodes->Get(i);
      if (node.op_type() != "Identity" || read.contains(node.output(0)))
        continue;
      nodes->DeleteSubrange(i, 1);
      removed = true;
    }
  }
  llvm::StringSet<> used;
  for (const onnx::NodeProto &node : graph.node())
    for (const std::string &input : node.input())
      used.insert(input);
  for (const onnx::ValueInfoProto &output : graph.output())
    used.insert(output.name());
  llvm::StringSet<> removed;
  auto *all = graph.mutable_initializer();
  for (int i = all->size() - 1; i >= 0; --i) {
    if (used.contains(all->Get(i).name()))
      continue;
    removed.insert(all->Get(i).name());
    all->DeleteSubrange(i, 1);
  }
  // Models before IR version 4 also list initializers as graph inputs.
  auto *inputs = graph.mutable_input();
  for (int i = inputs->size() - 1; i >= 0; --i)
    if (removed.contains(inputs->Get(i).name()))
      inputs->DeleteSubrange(i, 1);
}
