//===- ControlFlow.cpp - ONNX If, Loop and Scan as straight-line graphs ---===//
//
// Quill compiles static graphs, so control flow is rewritten at the proto
// level, where shape inference and folding then see one straight-line
// graph: an If whose condition is known becomes its branch; a Loop whose
// trip count is known and a Scan over static shapes are unrolled; an If
// whose condition is only known at run time computes both branches and
// selects with Where (both must have the same static shapes). Each copy of
// a body renames what it defines with a prefix made from its node's first
// output, which ONNX keeps unique.
//
//===----------------------------------------------------------------------===//

#include "ControlFlow.h"

#include "NodeImporter.h"
#include "ProtoUtils.h"

#include "llvm/ADT/StringMap.h"

#include <optional>
#include <string>
#include <vector>

using namespace mlir::quill::onnx_import;

namespace {

using NodeList = google::protobuf::RepeatedPtrField<onnx::NodeProto>;

/// Unrolling stops where the copies would exceed this many nodes.
constexpr int64_t kMaxUnrolledNodes = 200000;

bool isDefaultDomain(const onnx::NodeProto &node) {
  return node.domain().empty() || node.domain() == "ai.onnx";
}

/// Renames the uses of `renamed` names in `graph` and in the subgraphs of
/// its nodes (ONNX forbids shadowing, so a name means one value throughout).
void renameUses(onnx::GraphProto &graph,
                const llvm::StringMap<std::string> &renamed) {
  for (onnx::NodeProto &node : *graph.mutable_node()) {
    for (std::string &input : *node.mutable_input())
      if (auto it = renamed.find(input); it != renamed.end())
        input = it->second;
    for (onnx::AttributeProto &attr : *node.mutable_attribute()) {
      if (attr.has_g())
        renameUses(*attr.mutable_g(), renamed);
      for (onnx::GraphProto &nested : *attr.mutable_graphs())
        renameUses(nested, renamed);
    }
  }
}

/// Builds nodes and initializers into the graph being rewritten.
class GraphWriter {
public:
  GraphWriter(NodeList &nodes, std::vector<onnx::TensorProto> &initializers,
              int64_t opset)
      : nodes(nodes), initializers(initializers), opset(opset) {}

  /// Copies `body`'s initializers and nodes, the names it defines prefixed
  /// with `prefix` and its formal inputs replaced by `bindings`; returns the
  /// names that hold its outputs.
  std::vector<std::string>
  inlineBody(const onnx::GraphProto &body, const std::string &prefix,
             const std::vector<std::string> &bindings) {
    llvm::StringMap<std::string> renamed;
    for (auto [formal, actual] : llvm::zip(body.input(), bindings))
      renamed[formal.name()] = actual;
    for (const onnx::TensorProto &tensor : body.initializer())
      renamed[tensor.name()] = prefix + tensor.name();
    for (const onnx::NodeProto &node : body.node())
      for (const std::string &output : node.output())
        if (!output.empty())
          renamed[output] = prefix + output;
    for (const onnx::TensorProto &tensor : body.initializer()) {
      initializers.push_back(tensor);
      initializers.back().set_name(renamed[tensor.name()]);
    }
    onnx::GraphProto copy;
    *copy.mutable_node() = body.node();
    renameUses(copy, renamed);
    for (onnx::NodeProto &node : *copy.mutable_node()) {
      for (std::string &output : *node.mutable_output())
        if (!output.empty())
          output = renamed[output];
      if (!node.name().empty())
        node.set_name(prefix + node.name());
      *nodes.Add() = std::move(node);
    }
    std::vector<std::string> outputs;
    for (const onnx::ValueInfoProto &output : body.output()) {
      auto it = renamed.find(output.name());
      outputs.push_back(it == renamed.end() ? output.name() : it->second);
    }
    return outputs;
  }

  std::string addNode(const std::string &opType,
                      const std::vector<std::string> &inputs,
                      const std::string &output) {
    onnx::NodeProto &node = *nodes.Add();
    node.set_op_type(opType);
    node.set_name(output);
    for (const std::string &input : inputs)
      node.add_input(input);
    node.add_output(output);
    return output;
  }

  std::string addInt64(const std::string &name, std::vector<int64_t> dims,
                       const std::vector<int64_t> &values) {
    onnx::TensorProto tensor;
    tensor.set_name(name);
    tensor.set_data_type(onnx::TensorProto::INT64);
    for (int64_t dim : dims)
      tensor.add_dims(dim);
    for (int64_t value : values)
      tensor.add_int64_data(value);
    initializers.push_back(std::move(tensor));
    return name;
  }

  std::string addTrue(const std::string &name) {
    onnx::TensorProto tensor;
    tensor.set_name(name);
    tensor.set_data_type(onnx::TensorProto::BOOL);
    tensor.add_int32_data(1);
    initializers.push_back(std::move(tensor));
    return name;
  }

  /// A one-element tensor (a condition) as a scalar, so that selecting with
  /// it keeps the selected values' shapes.
  std::string toScalar(const std::string &value, const std::string &name) {
    return addNode("Reshape", {value, addInt64(name + "/shape", {0}, {})},
                   name);
  }

  /// `value` with a new axis of size 1 at `axis`, in the opset's form.
  std::string unsqueeze(const std::string &value, int64_t axis,
                        const std::string &name) {
    if (opset >= 13)
      return addNode("Unsqueeze",
                     {value, addInt64(name + "/axes", {1}, {axis})}, name);
    addNode("Unsqueeze", {value}, name);
    onnx::AttributeProto &axes = addLastAttribute("axes");
    axes.set_type(onnx::AttributeProto::INTS);
    axes.add_ints(axis);
    return name;
  }

  /// `parts` stacked along a new axis `axis`.
  void stack(const std::vector<std::string> &parts, int64_t axis,
             const std::string &output) {
    std::vector<std::string> expanded;
    for (auto [index, part] : llvm::enumerate(parts))
      expanded.push_back(
          unsqueeze(part, axis, output + "/" + std::to_string(index)));
    addNode("Concat", expanded, output);
    setLastInt("axis", axis);
  }

  /// Sets the INT attribute `name` of the last node written.
  void setLastInt(const std::string &name, int64_t value) {
    onnx::AttributeProto &attr = addLastAttribute(name);
    attr.set_type(onnx::AttributeProto::INT);
    attr.set_i(value);
  }

private:
  onnx::AttributeProto &addLastAttribute(const std::string &name) {
    onnx::AttributeProto &attr = *nodes.rbegin()->add_attribute();
    attr.set_name(name);
    return attr;
  }

  NodeList &nodes;
  std::vector<onnx::TensorProto> &initializers;
  int64_t opset;
};

/// What the rewrites know of the graph: initializers and static shapes.
class GraphFacts {
public:
  explicit GraphFacts(const onnx::GraphProto &graph)
      : dims(getStaticShapes(graph)) {
    for (const onnx::TensorProto &tensor : graph.initializer())
      initializers[tensor.name()] = &tensor;
  }

  std::optional<int64_t> getScalar(const std::string &name) const {
    const onnx::TensorProto *tensor = initializers.lookup(name);
    return tensor ? readScalar(*tensor) : std::nullopt;
  }

  const std::vector<int64_t> *getDims(const std::string &name) const {
    auto it = dims.find(name);
    return it == dims.end() ? nullptr : &it->second;
  }

private:
  llvm::StringMap<const onnx::TensorProto *> initializers;
  llvm::StringMap<std::vector<int64_t>> dims;
};

/// Rewrites the nodes of `graph` that `rewrite` accepts (it returns whether
/// it replaced the node by what it wrote) and keeps the others.
template <typename RewriteFn>
bool rewriteNodes(onnx::GraphProto &graph, int64_t opset, RewriteFn rewrite) {
  GraphFacts facts(graph);
  NodeList nodes;
  std::vector<onnx::TensorProto> initializers;
  GraphWriter writer(nodes, initializers, opset);
  bool changed = false;
  for (onnx::NodeProto &node : *graph.mutable_node()) {
    if (isDefaultDomain(node) && node.output_size() > 0 &&
        rewrite(node, facts, writer)) {
      changed = true;
      continue;
    }
    *nodes.Add() = std::move(node);
  }
  graph.mutable_node()->Swap(&nodes);
  for (onnx::TensorProto &tensor : initializers)
    *graph.add_initializer() = std::move(tensor);
  return changed;
}

const onnx::GraphProto *getBody(const onnx::NodeProto &node,
                                llvm::StringRef name) {
  const onnx::AttributeProto *attr = findAttribute(node, name);
  return attr && attr->has_g() ? &attr->g() : nullptr;
}

/// The prefix of the names a rewrite of `node` defines.
std::string getPrefix(const onnx::NodeProto &node) {
  return node.output(0) + "/" + node.op_type() + "/";
}

bool inlineKnownBranch(onnx::NodeProto &node, const GraphFacts &facts,
                       GraphWriter &writer) {
  if (node.op_type() != "If" || node.input_size() != 1)
    return false;
  std::optional<int64_t> condition = facts.getScalar(node.input(0));
  const onnx::GraphProto *branch =
      condition ? getBody(node, *condition ? "then_branch" : "else_branch")
                : nullptr;
  if (!branch || branch->output_size() != node.output_size())
    return false;
  std::vector<std::string> outputs =
      writer.inlineBody(*branch, getPrefix(node), {});
  for (auto [output, value] : llvm::zip(node.output(), outputs))
    if (!output.empty())
      writer.addNode("Identity", {value}, output);
  return true;
}

bool selectBothBranches(onnx::NodeProto &node, const GraphFacts &facts,
                        GraphWriter &writer) {
  if (node.op_type() != "If" || node.input_size() != 1)
    return false;
  const onnx::GraphProto *thenBranch = getBody(node, "then_branch");
  const onnx::GraphProto *elseBranch = getBody(node, "else_branch");
  if (!thenBranch || !elseBranch ||
      thenBranch->output_size() != node.output_size() ||
      elseBranch->output_size() != node.output_size())
    return false;
  // Inference gives an If's output a static shape only where both branches
  // agree on it; where they do not, the If stays and its importer says so.
  for (const std::string &output : node.output())
    if (!output.empty() && !facts.getDims(output))
      return false;
  std::string prefix = getPrefix(node);
  std::vector<std::string> thenOutputs =
      writer.inlineBody(*thenBranch, prefix + "then/", {});
  std::vector<std::string> elseOutputs =
      writer.inlineBody(*elseBranch, prefix + "else/", {});
  std::string condition = writer.toScalar(node.input(0), prefix + "condition");
  for (auto [index, output] : llvm::enumerate(node.output()))
    if (!output.empty())
      writer.addNode(
          "Where", {condition, thenOutputs[index], elseOutputs[index]}, output);
  return true;
}

/// Whether the Loop body's condition output is its condition input, or
/// constantly true: then every iteration runs.
bool alwaysContinues(const onnx::GraphProto &body) {
  const std::string &conditionIn = body.input(1).name();
  std::string conditionOut = body.output(0).name();
  for (int step = 0; step < body.node_size() + 1; ++step) {
    if (conditionOut == conditionIn)
      return true;
    for (const onnx::TensorProto &tensor : body.initializer())
      if (tensor.name() == conditionOut)
        return readScalar(tensor).value_or(0) != 0;
    const onnx::NodeProto *producer = nullptr;
    for (const onnx::NodeProto &node : body.node())
      if (node.output_size() && node.output(0) == conditionOut)
        producer = &node;
    if (!producer)
      return false;
    if (producer->op_type() == "Identity" && producer->input_size() == 1) {
      conditionOut = producer->input(0);
      continue;
    }
    if (producer->op_type() == "Constant")
      if (const onnx::AttributeProto *value = findAttribute(*producer, "value"))
        return value->has_t() && readScalar(value->t()).value_or(0) != 0;
    return false;
  }
  return false;
}

bool unrollLoop(onnx::NodeProto &node, const GraphFacts &facts,
                GraphWriter &writer) {
  if (node.op_type() != "Loop" || node.input_size() < 2)
    return false;
  const onnx::GraphProto *body = getBody(node, "body");
  std::optional<int64_t> tripCount =
      node.input(0).empty() ? std::nullopt : facts.getScalar(node.input(0));
  if (!body || !tripCount || *tripCount < 0 || body->input_size() < 2)
    return false;
  int64_t carried = body->input_size() - 2;
  int64_t scanned = body->output_size() - 1 - carried;
  if (scanned < 0 || node.input_size() != 2 + carried ||
      *tripCount * std::max(body->node_size(), 1) > kMaxUnrolledNodes)
    return false;
  std::string prefix = getPrefix(node);
  std::optional<int64_t> initial = node.input(1).empty()
                                       ? std::optional<int64_t>(1)
                                       : facts.getScalar(node.input(1));
  bool unguarded = initial && *initial && alwaysContinues(*body);
  // A loop that may stop early has as many scan outputs as it ran
  // iterations, which no static shape holds; it stays for its importer.
  if (!unguarded && scanned > 0)
    return false;
  if (*tripCount == 0 && scanned > 0)
    return false;
  std::string running = node.input(1).empty()
                            ? writer.addTrue(prefix + "condition")
                            : writer.toScalar(node.input(1), prefix + "run0");
  std::vector<std::string> state(node.input().begin() + 2, node.input().end());
  std::vector<std::vector<std::string>> scans(scanned);
  for (int64_t i = 0; i < *tripCount; ++i) {
    std::string iteration = prefix + std::to_string(i) + "/";
    std::vector<std::string> bindings = {
        writer.addInt64(iteration + "iteration", {}, {i}), running};
    llvm::append_range(bindings, state);
    std::vector<std::string> outputs =
        writer.inlineBody(*body, iteration, bindings);
    for (int64_t j = 0; j < carried; ++j)
      state[j] =
          unguarded
              ? outputs[1 + j]
              : writer.addNode("Where", {running, outputs[1 + j], state[j]},
                               iteration + "state" + std::to_string(j));
    for (int64_t k = 0; k < scanned; ++k)
      scans[k].push_back(outputs[1 + carried + k]);
    if (!unguarded)
      running = writer.addNode(
          "And",
          {running, writer.toScalar(outputs[0], iteration + "continues")},
          iteration + "running");
  }
  for (int64_t j = 0; j < carried; ++j)
    if (!node.output(j).empty())
      writer.addNode("Identity", {state[j]}, node.output(j));
  for (int64_t k = 0; k < scanned; ++k)
    if (!node.output(carried + k).empty())
      writer.stack(scans[k], 0, node.output(carried + k));
  return true;
}

/// The `name` INTS attribute of `node`, `count` values defaulting to 0.
std::vector<int64_t> getInts(const onnx::NodeProto &node, llvm::StringRef name,
                             int64_t count) {
  std::vector<int64_t> values(count, 0);
  if (const onnx::AttributeProto *attr = findAttribute(node, name))
    for (int64_t i = 0; i < std::min<int64_t>(count, attr->ints_size()); ++i)
      values[i] = attr->ints(i);
  return values;
}

bool unrollScan(onnx::NodeProto &node, const GraphFacts &facts,
                GraphWriter &writer, int64_t opset) {
  const onnx::GraphProto *body = getBody(node, "body");
  // Opset 8's Scan has a batch axis and sequence lengths: not handled.
  if (node.op_type() != "Scan" || opset < 9 || !body)
    return false;
  int64_t scanInputs = getIntAttribute(node, "num_scan_inputs", 0);
  int64_t states = node.input_size() - scanInputs;
  int64_t scanOutputs = node.output_size() - states;
  if (scanInputs < 1 || states < 0 || scanOutputs < 0 ||
      body->input_size() != node.input_size() ||
      body->output_size() != node.output_size())
    return false;
  std::vector<int64_t> inputAxes = getInts(node, "scan_input_axes", scanInputs);
  std::vector<int64_t> inputDirections =
      getInts(node, "scan_input_directions", scanInputs);
  std::vector<int64_t> outputAxes =
      getInts(node, "scan_output_axes", scanOutputs);
  std::vector<int64_t> outputDirections =
      getInts(node, "scan_output_directions", scanOutputs);
  int64_t length = -1;
  for (int64_t s = 0; s < scanInputs; ++s) {
    const std::vector<int64_t> *dims = facts.getDims(node.input(states + s));
    if (!dims)
      return false;
    int64_t rank = dims->size();
    int64_t &axis = inputAxes[s];
    axis = axis < 0 ? axis + rank : axis;
    if (axis < 0 || axis >= rank || (length >= 0 && (*dims)[axis] != length))
      return false;
    length = (*dims)[axis];
  }
  if (length * std::max(body->node_size(), 1) > kMaxUnrolledNodes ||
      (length == 0 && scanOutputs > 0))
    return false;
  std::string prefix = getPrefix(node);
  std::vector<std::string> state(node.input().begin(),
                                 node.input().begin() + states);
  std::vector<std::vector<std::string>> scans(scanOutputs);
  for (int64_t t = 0; t < length; ++t) {
    std::string step = prefix + std::to_string(t) + "/";
    std::vector<std::string> bindings = state;
    for (int64_t s = 0; s < scanInputs; ++s) {
      int64_t position = inputDirections[s] ? length - 1 - t : t;
      std::string element = step + "element" + std::to_string(s);
      writer.addNode("Gather",
                     {node.input(states + s),
                      writer.addInt64(element + "/index", {}, {position})},
                     element);
      writer.setLastInt("axis", inputAxes[s]);
      bindings.push_back(element);
    }
    std::vector<std::string> outputs = writer.inlineBody(*body, step, bindings);
    state.assign(outputs.begin(), outputs.begin() + states);
    for (int64_t k = 0; k < scanOutputs; ++k)
      scans[k].push_back(outputs[states + k]);
  }
  for (int64_t j = 0; j < states; ++j)
    if (!node.output(j).empty())
      writer.addNode("Identity", {state[j]}, node.output(j));
  for (int64_t k = 0; k < scanOutputs; ++k) {
    const std::string &output = node.output(states + k);
    if (output.empty())
      continue;
    if (outputDirections[k])
      std::reverse(scans[k].begin(), scans[k].end());
    // A negative axis counts in the stacked output, one rank more than the
    // body's output.
    int64_t axis = outputAxes[k];
    if (axis < 0) {
      const std::vector<int64_t> *dims = facts.getDims(output);
      if (!dims)
        return false;
      axis += dims->size();
    }
    writer.stack(scans[k], axis, output);
  }
  return true;
}

} // namespace

bool mlir::quill::onnx_import::inlineKnownControlFlow(onnx::GraphProto &graph,
                                                      int64_t opset) {
  return rewriteNodes(
      graph, opset,
      [&](onnx::NodeProto &node, const GraphFacts &facts, GraphWriter &writer) {
        return inlineKnownBranch(node, facts, writer) ||
               unrollLoop(node, facts, writer) ||
               unrollScan(node, facts, writer, opset);
      });
}

bool mlir::quill::onnx_import::selectIfBranchesAtRunTime(
    onnx::GraphProto &graph, int64_t opset) {
  return rewriteNodes(graph, opset, selectBothBranches);
}

/// An If that reaches the importer has a condition only known at run time
/// and branches whose shapes differ.
static mlir::LogicalResult importIf(NodeImporter &node) {
  return node.emitNotConstantError(
      0, "condition, or branches with the same output shapes (an If with a "
         "run-time condition computes both and selects)");
}

/// A Loop that reaches the importer has no known trip count, or may stop
/// early while it stacks scan outputs.
static mlir::LogicalResult importLoop(NodeImporter &node) {
  if (!node.getConstantInput(0))
    return node.emitNotConstantError(0, "trip count (a Loop is unrolled)");
  return node.emitNotConstantError(
      1, "condition (a Loop that may stop early cannot stack scan outputs)");
}

static mlir::LogicalResult importScan(NodeImporter &node) {
  if (node.getOpset() < 9)
    return node.emitError() << "the batched Scan of opset 8 is not supported";
  return node.emitError() << "expected scan inputs of static shapes that "
                             "agree on the scanned length";
}

llvm::ArrayRef<OpImportEntry>
mlir::quill::onnx_import::getControlFlowOpImporters() {
  static const OpImportEntry entries[] = {
      {"", "If", 1, importIf},
      {"", "Loop", 1, importLoop},
      {"", "Scan", 8, importScan},
  };
  return entries;
}
