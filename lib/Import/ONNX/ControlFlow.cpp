//===- ControlFlow.cpp - ONNX If with a known condition -------------------===//
//
// Models select between branches on values fixed per deployment (a sample
// rate, a mode flag). Once those are known, through constants or
// --freeze-input, the If is its branch: inlining it at the proto level lets
// shape inference and the importer see one straight-line graph.
//
//===----------------------------------------------------------------------===//

#include "ControlFlow.h"

#include "NodeImporter.h"
#include "ProtoUtils.h"

#include "llvm/ADT/StringSet.h"

#include <cstring>
#include <optional>

using namespace mlir::quill::onnx_import;

namespace {

/// The truth of a one-element bool or integer initializer, or nullopt.
std::optional<bool> readCondition(const onnx::TensorProto &tensor) {
  int64_t count = 1;
  for (int64_t dim : tensor.dims())
    count *= dim;
  if (count != 1 || tensor.data_location() == onnx::TensorProto::EXTERNAL)
    return std::nullopt;
  switch (tensor.data_type()) {
  case onnx::TensorProto::BOOL:
  case onnx::TensorProto::INT32:
    if (tensor.has_raw_data() && !tensor.raw_data().empty())
      return tensor.raw_data().find_first_not_of('\0') != std::string::npos;
    if (tensor.int32_data_size() == 1)
      return tensor.int32_data(0) != 0;
    return std::nullopt;
  case onnx::TensorProto::INT64:
    if (tensor.has_raw_data() && tensor.raw_data().size() == 8)
      return tensor.raw_data().find_first_not_of('\0') != std::string::npos;
    if (tensor.int64_data_size() == 1)
      return tensor.int64_data(0) != 0;
    return std::nullopt;
  default:
    return std::nullopt;
  }
}

} // namespace

bool mlir::quill::onnx_import::inlineConstantIfs(onnx::GraphProto &graph) {
  llvm::StringMap<const onnx::TensorProto *> initializers;
  llvm::StringSet<> names;
  for (const onnx::TensorProto &tensor : graph.initializer()) {
    initializers[tensor.name()] = &tensor;
    names.insert(tensor.name());
  }
  for (const onnx::ValueInfoProto &input : graph.input())
    names.insert(input.name());
  for (const onnx::NodeProto &node : graph.node())
    for (const std::string &output : node.output())
      names.insert(output);

  bool changed = false;
  google::protobuf::RepeatedPtrField<onnx::NodeProto> kept;
  std::vector<onnx::TensorProto> newInitializers;
  for (onnx::NodeProto &node : *graph.mutable_node()) {
    std::optional<bool> condition;
    if (node.op_type() == "If" &&
        (node.domain().empty() || node.domain() == "ai.onnx") &&
        node.input_size() == 1)
      if (const onnx::TensorProto *tensor = initializers.lookup(node.input(0)))
        condition = readCondition(*tensor);
    const onnx::AttributeProto *branch =
        condition
            ? findAttribute(node, *condition ? "then_branch" : "else_branch")
            : nullptr;
    bool inlinable = branch && branch->has_g() &&
                     branch->g().output_size() == node.output_size();
    if (inlinable) {
      for (const onnx::NodeProto &inner : branch->g().node())
        for (const std::string &output : inner.output())
          inlinable &= !names.contains(output);
      for (const onnx::TensorProto &tensor : branch->g().initializer())
        inlinable &= !names.contains(tensor.name());
    }
    if (!inlinable) {
      *kept.Add() = std::move(node);
      continue;
    }
    const onnx::GraphProto &taken = branch->g();
    for (const onnx::TensorProto &tensor : taken.initializer())
      newInitializers.push_back(tensor);
    for (const onnx::NodeProto &inner : taken.node())
      *kept.Add() = inner;
    for (int i = 0; i < node.output_size(); ++i) {
      if (node.output(i).empty())
        continue;
      onnx::NodeProto *identity = kept.Add();
      identity->set_op_type("Identity");
      identity->set_name(node.name() + "/" + node.output(i));
      identity->add_input(taken.output(i).name());
      identity->add_output(node.output(i));
    }
    changed = true;
  }
  graph.mutable_node()->Swap(&kept);
  for (onnx::TensorProto &tensor : newInitializers)
    *graph.add_initializer() = std::move(tensor);
  return changed;
}

/// An If that reaches the importer has a condition only known at run time.
static mlir::LogicalResult importIf(NodeImporter &node) {
  return node.emitNotConstantError(0, "condition (an If is compiled as the "
                                      "branch its condition selects)");
}

llvm::ArrayRef<OpImportEntry>
mlir::quill::onnx_import::getControlFlowOpImporters() {
  static const OpImportEntry entries[] = {{"", "If", 1, importIf}};
  return entries;
}
