//===- QDQExport.cpp - Quantized graph IR back to a QDQ ONNX model --------===//

#include "quill/Export/QDQExport.h"

#include "MatMulNBitsExport.h"
#include "ONNXGraph.h"

#include "quill/Dialect/Quill/IR/QuantArithmetic.h"
#include "quill/Dialect/Quill/IR/Quill.h"
#include "quill/Quantization/QuantizableOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <onnx/onnx_pb.h>

#include <map>
#include <set>

using namespace mlir;
using namespace mlir::quill;

namespace {

/// The first opset with per-axis QuantizeLinear / DequantizeLinear.
constexpr int64_t kPerAxisOpset = 13;

struct ActivationParams {
  double scale;
  int64_t zeroPoint;
  bool isUnsigned;
};

/// One weight or bias: stored values, scales and zero points (one per
/// tensor, or per index of `axis`).
struct QuantizedConstant {
  onnx::TensorProto_DataType storage;
  std::vector<int64_t> values;
  std::vector<double> scales;
  std::vector<int64_t> zeroPoints;
  std::optional<int64_t> axis;
};

class QDQExporter {
public:
  QDQExporter(onnx::ModelProto &model)
      : model(model), graph(*model.mutable_graph()), names(graph),
        initializers(graph) {}

  LogicalResult collect(func::FuncOp function);
  void rewrite();

private:
  /// The ONNX tensor a statistics name stands for: a graph input, or output
  /// N of the node the importer named the value after.
  std::optional<std::string> findTensor(Value value) const;
  void recordDequantizedReaders(QuantizeOp quantize, const std::string &tensor);
  /// Whether node `nodeIndex` reads quantized `tensor` dequantized.
  bool readsDequantized(const std::string &tensor, int nodeIndex) const;
  LogicalResult collectWeight(Operation *op, int nodeIndex);
  LogicalResult collectBias(Operation *op, int nodeIndex,
                            const QuantizedConstant &weight);
  /// An integer initializer of shape `dims`, named after `name`.
  std::string addInitializer(const std::string &name,
                             onnx::TensorProto_DataType type,
                             const std::vector<int64_t> &values,
                             const std::vector<int64_t> &dims);
  std::string addScales(const std::string &name,
                        const std::vector<double> &scales, bool isVector);
  onnx::NodeProto makeDequantize(const std::string &input,
                                 const std::string &scale,
                                 const std::string &zeroPoint,
                                 std::optional<int64_t> axis,
                                 const std::string &output);

  onnx::ModelProto &model;
  onnx::GraphProto &graph;
  ONNXNames names;
  ONNXInitializers initializers;
  /// Quantized activations by tensor name, in the order found.
  llvm::StringMap<ActivationParams> activations;
  /// The nodes that read each quantized tensor's dequantized value; other
  /// consumers (a residual Add beside the MatMul) keep the float tensor.
  /// Tensors some of whose readers have no node are read dequantized by all.
  llvm::StringMap<std::set<int>> dequantizedReaders;
  llvm::StringSet<> readDequantizedByAll;
  std::vector<std::string> activationOrder;
  /// Quantized weights and biases: (node index, input index) -> constant.
  std::map<std::pair<int, int>, QuantizedConstant> constants;
  bool perAxis = false;
};

std::optional<std::string> QDQExporter::findTensor(Value value) const {
  std::optional<std::string> name = getStatisticsName(value);
  if (!name)
    return std::nullopt;
  if (isa<BlockArgument>(value))
    return name;
  int node = findONNXNode(graph, value.getDefiningOp());
  int index = cast<OpResult>(value).getResultNumber();
  if (node < 0 || index >= graph.node(node).output_size())
    return std::nullopt;
  return graph.node(node).output(index);
}

void QDQExporter::recordDequantizedReaders(QuantizeOp quantize,
                                           const std::string &tensor) {
  for (Operation *user : quantize->getUsers()) {
    if (!isa<DequantizeOp>(user)) {
      readDequantizedByAll.insert(tensor);
      continue;
    }
    // A reader fused from several nodes (LayerNorm, GELU) is named after
    // one of them, which need not be the one reading the tensor.
    for (Operation *reader : user->getUsers()) {
      int node = findONNXNode(graph, reader);
      if (node >= 0 && llvm::is_contained(graph.node(node).input(), tensor))
        dequantizedReaders[tensor].insert(node);
      else
        readDequantizedByAll.insert(tensor);
    }
  }
}

bool QDQExporter::readsDequantized(const std::string &tensor,
                                   int nodeIndex) const {
  if (readDequantizedByAll.contains(tensor))
    return true;
  auto readers = dequantizedReaders.find(tensor);
  return readers != dequantizedReaders.end() &&
         readers->second.count(nodeIndex);
}

LogicalResult QDQExporter::collect(func::FuncOp function) {
  WalkResult walked = function.walk([&](Operation *op) {
    if (auto quantize = dyn_cast<QuantizeOp>(op)) {
      auto element = dyn_cast<quant::UniformQuantizedType>(
          quantize.getResult().getType().getElementType());
      if (!element || matchPattern(quantize.getInput(), m_Constant()))
        return WalkResult::advance();
      // quill-quantize quantizes an op's output and the next op's input
      // alike: the second pair re-quantizes a dequantized value to the same
      // type, which ONNX does not need.
      if (auto dequantize = quantize.getInput().getDefiningOp<DequantizeOp>()) {
        if (dequantize.getInput().getType() == quantize.getResult().getType())
          return WalkResult::advance();
        op->emitError("--emit=qdq-onnx: a requantization between two "
                      "quantized types has no QDQ form");
        return WalkResult::interrupt();
      }
      std::optional<std::string> tensor = findTensor(quantize.getInput());
      if (!tensor) {
        op->emitError("--emit=qdq-onnx: the quantized value has no ONNX "
                      "tensor to attach QuantizeLinear to");
        return WalkResult::interrupt();
      }
      recordDequantizedReaders(quantize, *tensor);
      ActivationParams params{element.getScale(), element.getZeroPoint(),
                              !element.isSigned()};
      auto [it, inserted] = activations.try_emplace(*tensor, params);
      if (inserted)
        activationOrder.push_back(*tensor);
      else if (it->second.scale != params.scale ||
               it->second.zeroPoint != params.zeroPoint) {
        op->emitError("--emit=qdq-onnx: tensor '")
            << *tensor << "' is quantized twice with different parameters";
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    }
    if (!isa<GemmOp, MatMulOp, ConvOp, ConvTransposeOp>(op) ||
        !op->getOperand(1).getDefiningOp<DequantizeOp>())
      return WalkResult::advance();
    int node = findONNXNode(graph, op);
    if (node < 0) {
      op->emitError("--emit=qdq-onnx: no ONNX node for this op");
      return WalkResult::interrupt();
    }
    if (failed(collectWeight(op, node)))
      return WalkResult::interrupt();
    return WalkResult::advance();
  });
  if (walked.wasInterrupted())
    return failure();
  int64_t opset = 0;
  for (const onnx::OperatorSetIdProto &entry : model.opset_import())
    if (entry.domain().empty() || entry.domain() == "ai.onnx")
      opset = entry.version();
  if (perAxis && opset < kPerAxisOpset)
    return function.emitError("--emit=qdq-onnx: per-channel weights need "
                              "opset 13 or later; the model imports opset ")
           << opset << " (use --per-tensor-weights)";
  return success();
}

LogicalResult QDQExporter::collectWeight(Operation *op, int nodeIndex) {
  const onnx::NodeProto &node = graph.node(nodeIndex);
  auto dequantize = op->getOperand(1).getDefiningOp<DequantizeOp>();
  auto storageCast = dequantize.getInput().getDefiningOp<StorageCastOp>();
  DenseIntElementsAttr stored;
  if (!storageCast ||
      !matchPattern(storageCast.getInput(), m_Constant(&stored)))
    return success();
  auto type = cast<RankedTensorType>(dequantize.getInput().getType());
  const onnx::TensorProto *initializer =
      node.input_size() > 1 ? initializers.lookUp(node.input(1)) : nullptr;
  std::optional<std::vector<float>> original;
  if (initializer)
    original = getFloatInitializer(*initializer);
  auto mismatch = [&]() {
    return op->emitError("--emit=qdq-onnx: the weight of node '")
           << getONNXNodeName(node) << "' (" << node.op_type()
           << ") is not its float initializer as the model holds it (graph "
              "preparation, e.g. BatchNormalization folding, changed it); "
              "fold it in the ONNX model first";
  };
  if (!original || int64_t(original->size()) != type.getNumElements())
    return mismatch();

  QuantizedConstant weight;
  weight.storage = onnx::TensorProto::INT8;
  for (const APInt &value : stored.getValues<APInt>())
    weight.values.push_back(value.getSExtValue());
  if (!isRoundedFrom(weight.values,
                     getElementParams(type.getElementType(), type.getShape()),
                     *original))
    return mismatch();
  auto element = type.getElementType();
  if (auto perAxisType =
          dyn_cast<quant::UniformQuantizedPerAxisType>(element)) {
    weight.scales.assign(perAxisType.getScales().begin(),
                         perAxisType.getScales().end());
    weight.zeroPoints.assign(perAxisType.getZeroPoints().begin(),
                             perAxisType.getZeroPoints().end());
    weight.axis = perAxisType.getQuantizedDimension();
    perAxis = true;
  } else {
    auto perTensor = cast<quant::UniformQuantizedType>(element);
    weight.scales = {perTensor.getScale()};
    weight.zeroPoints = {perTensor.getZeroPoint()};
  }
  if (failed(collectBias(op, nodeIndex, weight)))
    return failure();
  constants[{nodeIndex, 1}] = std::move(weight);
  return success();
}

LogicalResult QDQExporter::collectBias(Operation *op, int nodeIndex,
                                       const QuantizedConstant &weight) {
  const onnx::NodeProto &node = graph.node(nodeIndex);
  // ONNX Runtime's QDQ Gemm and Conv want the bias as int32 at scale
  // x_scale * w_scale (in float32), per output channel.
  if (!isa<GemmOp, ConvOp>(op) || node.input_size() < 3 ||
      node.input(2).empty() || !activations.count(node.input(0)))
    return success();
  const onnx::TensorProto *initializer = initializers.lookUp(node.input(2));
  if (!initializer)
    return success();
  std::optional<std::vector<float>> bias = getFloatInitializer(*initializer);
  bool perChannelWeight = weight.scales.size() > 1;
  if (!bias || (perChannelWeight && bias->size() != weight.scales.size()))
    return success();
  double inputScale = activations.lookup(node.input(0)).scale;
  QuantizedConstant quantized;
  quantized.storage = onnx::TensorProto::INT32;
  if (perChannelWeight)
    quantized.axis = 0;
  StorageRange range = getStorageRange(32, /*isUnsigned=*/false);
  for (size_t c = 0; c < bias->size(); ++c) {
    double scale = float(inputScale * weight.scales[perChannelWeight ? c : 0]);
    if (c == 0 || perChannelWeight)
      quantized.scales.push_back(scale);
    quantized.values.push_back(
        quantizeElement((*bias)[c], {scale, 0}, range, /*wide=*/true));
  }
  quantized.zeroPoints.assign(quantized.scales.size(), 0);
  constants[{nodeIndex, 2}] = std::move(quantized);
  return success();
}

std::string QDQExporter::addInitializer(const std::string &name,
                                        onnx::TensorProto_DataType type,
                                        const std::vector<int64_t> &values,
                                        const std::vector<int64_t> &dims) {
  onnx::TensorProto *tensor = graph.add_initializer();
  tensor->set_name(names.fresh(name));
  tensor->set_data_type(type);
  for (int64_t dim : dims)
    tensor->add_dims(dim);
  for (int64_t value : values)
    tensor->add_int32_data(int32_t(value));
  return tensor->name();
}

std::string QDQExporter::addScales(const std::string &name,
                                   const std::vector<double> &scales,
                                   bool isVector) {
  onnx::TensorProto *tensor = graph.add_initializer();
  tensor->set_name(names.fresh(name));
  tensor->set_data_type(onnx::TensorProto::FLOAT);
  if (isVector)
    tensor->add_dims(scales.size());
  for (double scale : scales)
    tensor->add_float_data(float(scale));
  return tensor->name();
}

onnx::NodeProto QDQExporter::makeDequantize(const std::string &input,
                                            const std::string &scale,
                                            const std::string &zeroPoint,
                                            std::optional<int64_t> axis,
                                            const std::string &output) {
  onnx::NodeProto node;
  node.set_op_type("DequantizeLinear");
  node.set_name(names.fresh(output + "_node"));
  node.add_input(input);
  node.add_input(scale);
  node.add_input(zeroPoint);
  node.add_output(output);
  if (axis) {
    onnx::AttributeProto *attribute = node.add_attribute();
    attribute->set_name("axis");
    attribute->set_type(onnx::AttributeProto::INT);
    attribute->set_i(*axis);
  }
  return node;
}

void QDQExporter::rewrite() {
  std::vector<onnx::NodeProto> prologue;
  // Weights and biases: an integer initializer behind DequantizeLinear.
  std::map<std::pair<int, int>, std::string> constantOutputs;
  for (auto &[key, constant] : constants) {
    const std::string &original = graph.node(key.first).input(key.second);
    bool isVector = constant.axis.has_value();
    const auto &dims = initializers.lookUp(original)->dims();
    std::string stored =
        addInitializer(original + "_quantized", constant.storage,
                       constant.values, {dims.begin(), dims.end()});
    std::string scale =
        addScales(original + "_scale", constant.scales, isVector);
    std::string zeroPoint = addInitializer(
        original + "_zero_point", constant.storage, constant.zeroPoints,
        isVector ? std::vector<int64_t>{int64_t(constant.zeroPoints.size())}
                 : std::vector<int64_t>{});
    std::string output = names.fresh(original + "_dequantized");
    prologue.push_back(
        makeDequantize(stored, scale, zeroPoint, constant.axis, output));
    constantOutputs[key] = output;
  }

  // Activations: QuantizeLinear -> DequantizeLinear right after the tensor
  // is produced; the nodes that read it quantized in Quill's IR read the
  // dequantized value.
  llvm::StringMap<std::string> dequantized;
  llvm::StringMap<std::vector<onnx::NodeProto>> pairs;
  for (const std::string &tensor : activationOrder) {
    const ActivationParams &params = activations.lookup(tensor);
    auto storage =
        params.isUnsigned ? onnx::TensorProto::UINT8 : onnx::TensorProto::INT8;
    std::string scale = addScales(tensor + "_scale", {params.scale}, false);
    std::string zeroPoint =
        addInitializer(tensor + "_zero_point", storage, {params.zeroPoint}, {});
    onnx::NodeProto quantize;
    quantize.set_op_type("QuantizeLinear");
    std::string quantized = names.fresh(tensor + "_quantized");
    quantize.set_name(names.fresh(quantized + "_node"));
    quantize.add_input(tensor);
    quantize.add_input(scale);
    quantize.add_input(zeroPoint);
    quantize.add_output(quantized);
    std::string output = names.fresh(tensor + "_dequantized");
    pairs[tensor] = {quantize, makeDequantize(quantized, scale, zeroPoint,
                                              std::nullopt, output)};
    dequantized[tensor] = output;
  }

  // A quantized graph output keeps its name on the dequantized value; the
  // producer's float result is renamed.
  llvm::StringMap<std::string> renamedOutputs;
  for (const onnx::ValueInfoProto &output : graph.output()) {
    auto pair = pairs.find(output.name());
    if (pair == pairs.end())
      continue;
    std::string floatName = names.fresh(output.name() + "_float");
    renamedOutputs[output.name()] = floatName;
    pair->second[0].set_input(0, floatName);
    pair->second[1].set_output(0, output.name());
    dequantized[output.name()] = output.name();
  }

  std::vector<onnx::NodeProto> nodes = prologue;
  for (const onnx::ValueInfoProto &input : graph.input())
    if (pairs.count(input.name()))
      for (onnx::NodeProto &node : pairs[input.name()])
        nodes.push_back(node);
  for (int i = 0; i < graph.node_size(); ++i) {
    onnx::NodeProto node = graph.node(i);
    for (int k = 0; k < node.input_size(); ++k) {
      auto constant = constantOutputs.find({i, k});
      if (constant != constantOutputs.end())
        node.set_input(k, constant->second);
      else if (dequantized.count(node.input(k)) &&
               readsDequantized(node.input(k), i))
        node.set_input(k, dequantized[node.input(k)]);
    }
    std::vector<std::string> outputs(node.output().begin(),
                                     node.output().end());
    for (int k = 0; k < node.output_size(); ++k)
      if (renamedOutputs.count(node.output(k)))
        node.set_output(k, renamedOutputs[node.output(k)]);
    nodes.push_back(node);
    for (const std::string &output : outputs)
      if (pairs.count(output))
        for (onnx::NodeProto &pair : pairs[output])
          nodes.push_back(pair);
  }
  graph.clear_node();
  for (onnx::NodeProto &node : nodes)
    *graph.add_node() = std::move(node);
  removeUnusedInitializers(graph);
}

} // namespace

LogicalResult mlir::quill::exportQDQModel(ModuleOp module,
                                          onnx::ModelProto &model) {
  func::FuncOp function;
  for (auto candidate : module.getOps<func::FuncOp>())
    if (candidate.isPublic())
      function = candidate;
  if (!function)
    return module.emitError("--emit=qdq-onnx: no public function");
  if (hasFourBitWeights(function))
    return exportMatMulNBits(function, model);
  QDQExporter exporter(model);
  if (failed(exporter.collect(function)))
    return failure();
  exporter.rewrite();
  return success();
}
