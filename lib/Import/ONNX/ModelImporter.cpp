//===- ModelImporter.cpp - ONNX models into the graph IR ------------------===//
//
// Reads the protobuf, binds input shapes, runs ONNX shape inference, then
// walks the graph's nodes in order, handing each to its op importer.
//
//===----------------------------------------------------------------------===//

#include "quill/Import/ONNXImporter.h"

#include "ControlFlow.h"
#include "InputBindings.h"
#include "MissingTypes.h"
#include "NodeImporter.h"
#include "ProtoUtils.h"
#include "ShapeFolding.h"
#include "ShapeInference.h"
#include "Tensors.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "quill/Dialect/Quill/IR/Quill.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

using namespace mlir;
using namespace mlir::quill;
using namespace mlir::quill::onnx_import;

namespace mlir::quill::onnx_import {

/// Imports one graph into @main; owns the map from ONNX value names to SSA
/// values.
class GraphImporter {
public:
  GraphImporter(MLIRContext *context, StringRef fileName, StringRef modelDir,
                const onnx::ModelProto &model)
      : context(context), fileName(fileName.str()), modelDir(modelDir.str()),
        fileLoc(FileLineColLoc::get(context, fileName, 0, 0)) {
    for (const onnx::OperatorSetIdProto &opset : model.opset_import())
      opsets[opset.domain() == "ai.onnx" ? "" : opset.domain()] =
          opset.version();
  }

  OwningOpRef<ModuleOp> import(const onnx::GraphProto &graph);

  Value lookup(StringRef name, OpBuilder &builder, Location loc);
  FailureOr<RankedTensorType> getStaticType(StringRef name, NodeImporter &node);
  /// Why value `name` may have a dynamic shape, for its error: the small
  /// graph inputs (scalars and vectors) it is computed from, whose values
  /// --freeze-input fixes; else advice to bind shapes with --input-shape.
  std::string getDynamicShapeHint(StringRef name);
  InFlightDiagnostic emitError(Location loc) { return mlir::emitError(loc); }
  FailureOr<DenseElementsAttr> convert(const onnx::TensorProto &tensor,
                                       std::string &error) {
    return convertTensor(context, tensor, modelDir, error);
  }

private:
  LogicalResult importNode(const onnx::NodeProto &node, OpBuilder &builder);
  Location nodeLoc(const onnx::NodeProto &node) {
    std::string name = node.name().empty() && node.output_size()
                           ? node.output(0)
                           : node.name();
    return NameLoc::get(StringAttr::get(context, name), fileLoc);
  }

  MLIRContext *context;
  std::string fileName, modelDir;
  Location fileLoc;
  llvm::StringMap<int64_t> opsets;
  llvm::StringMap<Value> values;
  llvm::StringMap<const onnx::TensorProto *> initializers;
  llvm::StringMap<const onnx::TypeProto *> valueTypes;
  llvm::StringMap<const onnx::NodeProto *> producers;
  /// The graph inputs that are arguments of @main, by name.
  llvm::StringMap<const onnx::ValueInfoProto *> arguments;
};

} // namespace mlir::quill::onnx_import

//===----------------------------------------------------------------------===//
// NodeImporter
//===----------------------------------------------------------------------===//

Value NodeImporter::getInput(unsigned index) {
  if (index >= static_cast<unsigned>(node.input_size()) ||
      node.input(index).empty())
    return {};
  return graph.lookup(node.input(index), builder, loc);
}

FailureOr<Value> NodeImporter::getRequiredInput(unsigned index) {
  if (index >= static_cast<unsigned>(node.input_size()) ||
      node.input(index).empty())
    return emitError() << "expected input " << index;
  // A named input that cannot be looked up has reported why already.
  if (Value value = getInput(index))
    return value;
  return failure();
}

FailureOr<Value> NodeImporter::getRequiredFloatInput(unsigned index) {
  FailureOr<Value> value = getRequiredInput(index);
  if (failed(value))
    return failure();
  Type elementType = cast<RankedTensorType>(value->getType()).getElementType();
  if (!isa<FloatType>(elementType))
    return emitError() << "expected a float input, got " << elementType;
  return value;
}

/// "graph inputs 'a', 'b'" for messages.
static std::string quoteGraphInputs(ArrayRef<std::string> inputs) {
  return std::string(inputs.size() == 1 ? "graph input '" : "graph inputs '") +
         llvm::join(inputs, "', '") + "'";
}

/// How to fix the value of graph input `name` at compile time.
static std::string getFreezeAdvice(StringRef name) {
  return "--freeze-input " + name.str() +
         "=FILE.npy (or =FILE.pb, or =V0,V1,...)";
}

/// The names of the graph inputs `value` is computed from, in first-use
/// order.
static SmallVector<std::string> getGraphInputsBehind(Value value) {
  SmallVector<std::string> names;
  SmallVector<Value> worklist = {value};
  llvm::SmallPtrSet<Operation *, 16> visited;
  while (!worklist.empty()) {
    Value next = worklist.pop_back_val();
    if (!next)
      continue;
    if (auto argument = dyn_cast<BlockArgument>(next)) {
      auto func = dyn_cast<func::FuncOp>(argument.getOwner()->getParentOp());
      if (auto name = func ? func.getArgAttrOfType<StringAttr>(
                                 argument.getArgNumber(), "quill.name")
                           : StringAttr())
        if (!llvm::is_contained(names, name.getValue()))
          names.push_back(name.getValue().str());
      continue;
    }
    Operation *producer = next.getDefiningOp();
    if (visited.insert(producer).second)
      llvm::append_range(worklist, producer->getOperands());
  }
  return names;
}

InFlightDiagnostic NodeImporter::emitNotConstantError(unsigned index,
                                                      StringRef what) {
  InFlightDiagnostic diagnostic = emitError() << "expected a constant " << what;
  SmallVector<std::string> inputs = getGraphInputsBehind(getInput(index));
  if (inputs.empty())
    return diagnostic;
  diagnostic << ", but it is computed from " << quoteGraphInputs(inputs)
             << "; its value must be known at compile time: fix it with "
             << getFreezeAdvice(inputs.front());
  return diagnostic;
}

FailureOr<RankedTensorType> NodeImporter::getOutputType(unsigned index) {
  if (index >= static_cast<unsigned>(node.output_size()))
    return emitError() << "expected output " << index;
  return graph.getStaticType(node.output(index), *this);
}

const onnx::AttributeProto *NodeImporter::getAttribute(StringRef name) const {
  return findAttribute(node, name);
}

int64_t NodeImporter::getInt(StringRef name, int64_t defaultValue) const {
  return getIntAttribute(node, name, defaultValue);
}

float NodeImporter::getFloat(StringRef name, float defaultValue) const {
  const onnx::AttributeProto *attr = getAttribute(name);
  return attr && attr->has_f() ? attr->f() : defaultValue;
}

std::optional<SmallVector<int64_t>>
NodeImporter::getInts(StringRef name) const {
  const onnx::AttributeProto *attr = getAttribute(name);
  if (!attr)
    return std::nullopt;
  return SmallVector<int64_t>(attr->ints().begin(), attr->ints().end());
}

FailureOr<DenseElementsAttr>
NodeImporter::getTensor(const onnx::TensorProto &tensor) {
  std::string error;
  FailureOr<DenseElementsAttr> attr = graph.convert(tensor, error);
  if (failed(attr))
    return emitError() << error;
  return attr;
}

DenseElementsAttr NodeImporter::getConstantInput(unsigned index) {
  DenseElementsAttr attr;
  if (Value value = getInput(index))
    if (auto constant = value.getDefiningOp<arith::ConstantOp>())
      attr = dyn_cast<DenseElementsAttr>(constant.getValue());
  return attr;
}

FailureOr<int64_t> NodeImporter::getConstantScalarInput(unsigned index,
                                                        StringRef what) {
  DenseElementsAttr value = getConstantInput(index);
  if (!value)
    return emitNotConstantError(index, what);
  if (value.getNumElements() != 1)
    return emitError() << "expected one " << what << ", got "
                       << value.getNumElements();
  if (isa<FloatType>(value.getElementType()))
    return static_cast<int64_t>(
        (*value.getValues<APFloat>().begin()).convertToDouble());
  return (*value.getValues<APInt>().begin()).getSExtValue();
}

FailureOr<int64_t> NodeImporter::normalizeAxis(int64_t axis, int64_t rank) {
  int64_t normalized = axis < 0 ? axis + rank : axis;
  if (normalized < 0 || normalized >= rank)
    return emitError() << "axis " << axis << " is out of range for rank "
                       << rank;
  return normalized;
}

void NodeImporter::setResults(ValueRange values) {
  results.assign(values.begin(), values.end());
}

InFlightDiagnostic NodeImporter::emitError() {
  std::string domain = node.domain().empty() ? "" : node.domain() + ".";
  InFlightDiagnostic diag = graph.emitError(loc);
  // Exporters often leave nodes unnamed; their first output names them then.
  if (!node.name().empty())
    diag << "node '" << node.name() << "'";
  else if (node.output_size())
    diag << "node with output '" << node.output(0) << "'";
  else
    diag << "unnamed node";
  diag << " (" << domain << node.op_type() << ", opset " << opset << "): ";
  return diag;
}

//===----------------------------------------------------------------------===//
// GraphImporter
//===----------------------------------------------------------------------===//

Value GraphImporter::lookup(StringRef name, OpBuilder &builder, Location loc) {
  if (Value value = values.lookup(name))
    return value;
  const onnx::TensorProto *tensor = initializers.lookup(name);
  if (!tensor) {
    emitError(loc) << "value '" << name << "' is used before it is defined";
    return {};
  }
  std::string error;
  FailureOr<DenseElementsAttr> attr =
      convertTensor(context, *tensor, modelDir, error);
  if (failed(attr)) {
    emitError(loc) << "initializer: " << error;
    return {};
  }
  // Initializers are materialized where first used and reused after.
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToStart(builder.getInsertionBlock());
  Value constant = arith::ConstantOp::create(
      builder, NameLoc::get(StringAttr::get(context, name), fileLoc), *attr);
  values[name] = constant;
  return constant;
}

FailureOr<RankedTensorType> GraphImporter::getStaticType(StringRef name,
                                                         NodeImporter &node) {
  const onnx::TypeProto *type = valueTypes.lookup(name);
  if (!type)
    return node.emitError()
           << "shape inference found no type for output '" << name << "'";
  std::string error;
  FailureOr<RankedTensorType> tensorType =
      convertTensorType(context, *type, error);
  if (failed(tensorType))
    return node.emitError() << "output '" << name << "': " << error;
  if (!tensorType->hasStaticShape())
    return node.emitError() << "output '" << name << "' has a dynamic shape"
                            << getDynamicShapeHint(name);
  return tensorType;
}

std::string GraphImporter::getDynamicShapeHint(StringRef name) {
  SmallVector<std::string> inputs;
  SmallVector<StringRef> worklist = {name};
  llvm::StringSet<> visited;
  while (!worklist.empty()) {
    StringRef next = worklist.pop_back_val();
    if (next.empty() || !visited.insert(next).second)
      continue;
    if (const onnx::ValueInfoProto *input = arguments.lookup(next)) {
      std::optional<std::vector<int64_t>> dims = getStaticDims(input->type());
      if (dims && dims->size() <= 1)
        inputs.push_back(next.str());
      continue;
    }
    if (const onnx::NodeProto *node = producers.lookup(next))
      for (const std::string &operand : node->input())
        worklist.push_back(operand);
  }
  if (inputs.empty())
    return "; bind the model's dynamic inputs with --input-shape";
  llvm::sort(inputs);
  return "; it may depend on the value of " + quoteGraphInputs(inputs) +
         ": fix it at compile time with " + getFreezeAdvice(inputs.front());
}

LogicalResult GraphImporter::importNode(const onnx::NodeProto &node,
                                        OpBuilder &builder) {
  std::string domain = node.domain() == "ai.onnx" ? "" : node.domain();
  int64_t opset = opsets.lookup(domain);
  NodeImporter importer(*this, node, opset, builder, nodeLoc(node));
  OpImportFn import = lookupOpImporter(domain, node.op_type(), opset);
  if (!import)
    return importer.emitError() << "unsupported op";
  if (failed(import(importer)))
    return failure();
  ValueRange results = importer.getResults();
  if (results.size() > static_cast<size_t>(node.output_size()))
    return importer.emitError() << "the importer produced too many results";
  for (auto [name, value] : llvm::zip(node.output(), results))
    if (!name.empty())
      values[name] = value;
  return success();
}

OwningOpRef<ModuleOp> GraphImporter::import(const onnx::GraphProto &graph) {
  for (const onnx::TensorProto &tensor : graph.initializer())
    initializers[tensor.name()] = &tensor;
  for (const onnx::NodeProto &node : graph.node())
    for (const std::string &output : node.output())
      producers[output] = &node;
  for (const auto *list :
       {&graph.input(), &graph.value_info(), &graph.output()})
    for (const onnx::ValueInfoProto &info : *list)
      valueTypes[info.name()] = &info.type();

  // Old models list initializers among the inputs; they are not arguments.
  SmallVector<const onnx::ValueInfoProto *> inputs;
  for (const onnx::ValueInfoProto &input : graph.input()) {
    if (!initializers.count(input.name())) {
      inputs.push_back(&input);
      arguments[input.name()] = &input;
    }
  }

  SmallVector<Type> argTypes, resultTypes;
  for (const auto *input : inputs) {
    std::string error;
    FailureOr<RankedTensorType> type =
        convertTensorType(context, input->type(), error);
    if (failed(type)) {
      emitError(fileLoc) << "graph input '" << input->name() << "': " << error;
      return {};
    }
    if (!type->hasStaticShape()) {
      emitError(fileLoc) << "graph input '" << input->name()
                         << "' has a dynamic dimension; bind it with "
                            "--input-shape "
                         << input->name() << "=...";
      return {};
    }
    argTypes.push_back(*type);
  }
  for (const onnx::ValueInfoProto &output : graph.output()) {
    std::string error;
    FailureOr<RankedTensorType> type =
        convertTensorType(context, output.type(), error);
    if (failed(type)) {
      emitError(fileLoc) << "graph output '" << output.name() << "': " << error;
      return {};
    }
    if (!type->hasStaticShape()) {
      emitError(fileLoc) << "graph output '" << output.name()
                         << "' has a dynamic shape after shape inference"
                         << getDynamicShapeHint(output.name());
      return {};
    }
    resultTypes.push_back(*type);
  }

  OpBuilder builder(context);
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  if (!graph.name().empty())
    (*module)->setAttr("quill.model_name", builder.getStringAttr(graph.name()));
  builder.setInsertionPointToEnd(module->getBody());
  auto func = func::FuncOp::create(
      builder, fileLoc, "main", builder.getFunctionType(argTypes, resultTypes));
  Block *entry = func.addEntryBlock();
  for (auto [index, input] : llvm::enumerate(inputs)) {
    func.setArgAttr(index, "quill.name", builder.getStringAttr(input->name()));
    values[input->name()] = entry->getArgument(index);
  }
  builder.setInsertionPointToEnd(entry);
  for (const onnx::NodeProto &node : graph.node())
    if (failed(importNode(node, builder)))
      return {};

  SmallVector<Value> results;
  for (auto [index, output] : llvm::enumerate(graph.output())) {
    Value value = lookup(output.name(), builder, fileLoc);
    if (!value)
      return {};
    if (value.getType() != resultTypes[index]) {
      emitError(fileLoc) << "graph output '" << output.name() << "' has type "
                         << value.getType() << " but the model declares "
                         << resultTypes[index];
      return {};
    }
    func.setResultAttr(index, "quill.name",
                       builder.getStringAttr(output.name()));
    results.push_back(value);
  }
  func::ReturnOp::create(builder, fileLoc, results);
  return module;
}

//===----------------------------------------------------------------------===//
// Entry points
//===----------------------------------------------------------------------===//

/// Parses a model's bytes, binary or ONNX text syntax.
static bool parseModelBytes(StringRef bytes, bool isText,
                            onnx::ModelProto &model, std::string &error) {
  if (isText) {
    if (parseModelText(bytes.str(), model, error))
      return true;
    error = "cannot parse ONNX text: " + error;
    return false;
  }
  if (bytes.size() <= INT_MAX &&
      model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return true;
  error = "not a valid ONNX model (malformed or truncated protobuf)";
  return false;
}

OwningOpRef<ModuleOp>
mlir::quill::importONNXBuffer(StringRef bytes, StringRef fileName, bool isText,
                              MLIRContext *context,
                              const ONNXImportOptions &options) {
  // Every dialect the importer creates ops or types of.
  context->loadDialect<QuillDialect, arith::ArithDialect, func::FuncDialect,
                       math::MathDialect, quant::QuantDialect>();
  Location loc = FileLineColLoc::get(context, fileName, 0, 0);
  onnx::ModelProto model;
  std::string error;
  if (!parseModelBytes(bytes, isText, model, error)) {
    emitError(loc) << error;
    return {};
  }
  if (!model.has_graph()) {
    emitError(loc) << "the model has no graph";
    return {};
  }
  if (failed(bindInputShapes(*model.mutable_graph(), options, loc)) ||
      failed(freezeInputs(*model.mutable_graph(), options, loc)))
    return {};
  int64_t opset = 0;
  for (const onnx::OperatorSetIdProto &entry : model.opset_import())
    if (entry.domain().empty() || entry.domain() == "ai.onnx")
      opset = entry.version();
  // Inference, Quill's own type rules, shape folding and the rewriting of
  // control flow alternate: each can make more known to the others. Once a
  // round changes nothing, the Ifs whose conditions stay unknown get both
  // branches, and the rounds go on until nothing changes. Each round folds,
  // rewrites or types something, so the graph's size bounds the rounds
  // (twice, for the nodes rewrites add). Chains of blocks that each reshape
  // by their input's shape (ShuffleNet's channel shuffles) take a round or
  // two per block.
  for (int round = 0;; ++round) {
    if (!inferShapes(model, error)) {
      emitError(loc) << "ONNX shape inference failed: " << error;
      return {};
    }
    onnx::GraphProto &graph = *model.mutable_graph();
    bool typed = inferMissingTypes(graph);
    bool folded = foldShapeComputations(graph, opset);
    bool rewritten = inlineKnownControlFlow(graph, opset);
    bool changed =
        typed || folded || rewritten || selectIfBranchesAtRunTime(graph, opset);
    if (!changed || round >= 2 * graph.node_size() + 16)
      break;
  }
  GraphImporter importer(context, fileName,
                         llvm::sys::path::parent_path(fileName), model);
  return importer.import(model.graph());
}

OwningOpRef<ModuleOp>
mlir::quill::importONNXFile(StringRef path, MLIRContext *context,
                            const ONNXImportOptions &options) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer) {
    emitError(FileLineColLoc::get(context, path, 0, 0))
        << "cannot read the model: " << buffer.getError().message();
    return {};
  }
  return importONNXBuffer((*buffer)->getBuffer(), path,
                          path.ends_with(".onnxtxt"), context, options);
}

LogicalResult mlir::quill::readONNXModelFile(StringRef path,
                                             onnx::ModelProto &model,
                                             std::string &error) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer) {
    error =
        path.str() + ": cannot read the model: " + buffer.getError().message();
    return failure();
  }
  if (!parseModelBytes((*buffer)->getBuffer(), path.ends_with(".onnxtxt"),
                       model, error)) {
    error = path.str() + ": " + error;
    return failure();
  }
  return success();
}
