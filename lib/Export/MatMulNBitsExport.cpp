//===- MatMulNBitsExport.cpp - 4-bit weights as MatMulNBits ---------------===//
//
// --emit=qdq-onnx of --quantize=int4-weights: each MatMul / Gemm whose weight
// quill-quantize made 4-bit per block becomes ONNX Runtime's
// com.microsoft.MatMulNBits (bits 4, the block size, uint4 codes two per
// byte, an f32 scale and uint4 zero point per block and column; signed int4
// is stored + 8). A Gemm's C follows as an Add. ONNX's own int4
// DequantizeLinear needs opset 21, which Debian's libonnx 1.12 does not know.
//
//===----------------------------------------------------------------------===//

#include "MatMulNBitsExport.h"
#include "ONNXGraph.h"

#include "quill/Dialect/Quill/IR/QuantParams.h"
#include "quill/Dialect/Quill/IR/Quill.h"

#include "mlir/IR/Matchers.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::quill;

namespace {

/// A weight quill-quantize stored in at most 4 bits, read by `product`.
struct FourBitWeight {
  Operation *product;
  RankedTensorType type;
  quant::QuantizedType element;
  DenseIntElementsAttr stored;
};

std::optional<FourBitWeight> getFourBitWeight(Operation *op) {
  if (!isa<MatMulOp, GemmOp, ConvOp, ConvTransposeOp>(op))
    return std::nullopt;
  auto dequantize = op->getOperand(1).getDefiningOp<DequantizeOp>();
  auto storageCast = dequantize
                         ? dequantize.getInput().getDefiningOp<StorageCastOp>()
                         : StorageCastOp();
  DenseIntElementsAttr stored;
  if (!storageCast ||
      !matchPattern(storageCast.getInput(), m_Constant(&stored)))
    return std::nullopt;
  auto type = cast<RankedTensorType>(dequantize.getInput().getType());
  auto element = dyn_cast<quant::QuantizedType>(type.getElementType());
  if (!element || element.getStorageTypeIntegralWidth() > 4)
    return std::nullopt;
  return FourBitWeight{op, type, element, stored};
}

void setIntAttribute(onnx::NodeProto &node, const std::string &name,
                     int64_t value) {
  onnx::AttributeProto *attribute = node.add_attribute();
  attribute->set_name(name);
  attribute->set_type(onnx::AttributeProto::INT);
  attribute->set_i(value);
}

class MatMulNBitsExporter {
public:
  explicit MatMulNBitsExporter(onnx::ModelProto &model)
      : model(model), graph(*model.mutable_graph()), names(graph),
        initializers(graph) {}

  LogicalResult run(func::FuncOp function);

private:
  LogicalResult replace(const FourBitWeight &weight, int nodeIndex);
  std::string addBytes(const std::string &name, const std::vector<uint8_t> &,
                       const std::vector<int64_t> &dims);

  onnx::ModelProto &model;
  onnx::GraphProto &graph;
  ONNXNames names;
  ONNXInitializers initializers;
  /// Nodes to put after a replaced one (a Gemm's C), by node index.
  std::map<int, onnx::NodeProto> followers;
};

std::string MatMulNBitsExporter::addBytes(const std::string &name,
                                          const std::vector<uint8_t> &bytes,
                                          const std::vector<int64_t> &dims) {
  onnx::TensorProto *tensor = graph.add_initializer();
  tensor->set_name(names.fresh(name));
  tensor->set_data_type(onnx::TensorProto::UINT8);
  for (int64_t dim : dims)
    tensor->add_dims(dim);
  tensor->set_raw_data(std::string(bytes.begin(), bytes.end()));
  return tensor->name();
}

LogicalResult MatMulNBitsExporter::replace(const FourBitWeight &weight,
                                           int nodeIndex) {
  onnx::NodeProto &node = *graph.mutable_node(nodeIndex);
  std::string nodeName = getONNXNodeName(node);
  auto fail = [&](const Twine &why) {
    return weight.product->emitError("--emit=qdq-onnx: node '")
           << nodeName << "' (" << node.op_type() << "): " << why;
  };
  if (isa<ConvOp, ConvTransposeOp>(weight.product)) {
    weight.product->emitWarning("--emit=qdq-onnx: node '")
        << nodeName << "' (" << node.op_type()
        << ") keeps its float weight: MatMulNBits is for MatMul and Gemm";
    return success();
  }
  bool transposed = false;
  std::optional<int64_t> bias;
  if (auto gemm = dyn_cast<GemmOp>(weight.product)) {
    if (gemm.getTransA() || gemm.getAlpha().convertToFloat() != 1.0f ||
        (gemm.getC() && gemm.getBeta().convertToFloat() != 1.0f))
      return fail("MatMulNBits has no transA, alpha or beta");
    transposed = gemm.getTransB();
    if (gemm.getC())
      bias = 2;
  }
  std::optional<BlockedWeightLayout> layout =
      getBlockedWeightLayout(weight.type);
  if (!layout || layout->reductionAxis != (transposed ? 1 : 0))
    return fail("the weight is not quantized in blocks along K");
  int64_t blockSize = layout->blockSize;
  if (blockSize < 16 || !llvm::isPowerOf2_64(blockSize))
    return fail("MatMulNBits takes blocks of a power of two from 16, not " +
                Twine(blockSize) + " (--weight-block-size)");
  const onnx::TensorProto *original =
      node.input_size() > 1 ? initializers.lookUp(node.input(1)) : nullptr;
  std::optional<std::vector<float>> originalValues =
      original ? getFloatInitializer(*original) : std::nullopt;
  bool isSigned = weight.element.isSigned();
  std::vector<int64_t> stored;
  for (const APInt &value : weight.stored.getValues<APInt>())
    stored.push_back(isSigned ? value.getSExtValue() : value.getZExtValue());
  auto params = getElementParams(weight.element, weight.type.getShape());
  if (!originalValues || !isRoundedFrom(stored, params, *originalValues))
    return fail("the weight is not its float initializer as the model holds "
                "it (graph preparation changed it)");

  // ONNX Runtime's layout: B [N, blocks, blockSize / 2], scales [N * blocks],
  // zero points [N, ceil(blocks / 2)] (default 8 for all).
  ArrayRef<int64_t> shape = weight.type.getShape();
  int64_t depth = shape[transposed ? 1 : 0],
          columns = shape[transposed ? 0 : 1];
  int64_t blocks = depth / blockSize, zeroBytes = (blocks + 1) / 2;
  int64_t offset = isSigned ? 8 : 0;
  std::vector<uint8_t> codes(columns * depth / 2),
      zeroPoints(columns * zeroBytes);
  std::vector<float> scales(columns * blocks);
  bool allEight = true;
  for (int64_t n = 0; n < columns; ++n) {
    for (int64_t k = 0; k < depth; ++k) {
      int64_t index = transposed ? n * depth + k : k * columns + n;
      uint8_t code = uint8_t(stored[index] + offset);
      codes[(n * depth + k) / 2] |= uint8_t(code << (4 * (k % 2)));
    }
    for (int64_t b = 0; b < blocks; ++b) {
      int64_t first =
          transposed ? n * depth + b * blockSize : b * blockSize * columns + n;
      ElementParams p = params(first);
      scales[n * blocks + b] = float(p.scale);
      uint8_t zeroPoint = uint8_t(p.zeroPoint + offset);
      allEight &= zeroPoint == 8;
      zeroPoints[n * zeroBytes + b / 2] |= uint8_t(zeroPoint << (4 * (b % 2)));
    }
  }
  std::string weightName = node.input(1);
  onnx::NodeProto product;
  product.set_op_type("MatMulNBits");
  product.set_domain("com.microsoft");
  product.set_name(node.name());
  product.add_input(node.input(0));
  product.add_input(
      addBytes(weightName + "_nbits", codes, {columns, blocks, blockSize / 2}));
  onnx::TensorProto *scaleTensor = graph.add_initializer();
  scaleTensor->set_name(names.fresh(weightName + "_nbits_scales"));
  scaleTensor->set_data_type(onnx::TensorProto::FLOAT);
  scaleTensor->add_dims(columns * blocks);
  for (float scale : scales)
    scaleTensor->add_float_data(scale);
  product.add_input(scaleTensor->name());
  if (!allEight)
    product.add_input(addBytes(weightName + "_nbits_zero_points", zeroPoints,
                               {columns * zeroBytes}));
  setIntAttribute(product, "K", depth);
  setIntAttribute(product, "N", columns);
  setIntAttribute(product, "bits", 4);
  setIntAttribute(product, "block_size", blockSize);
  std::string output = node.output(0);
  if (bias) {
    // Y = A B + C, C broadcast as Gemm does it.
    std::string sum = names.fresh(output + "_product");
    product.add_output(sum);
    onnx::NodeProto add;
    add.set_op_type("Add");
    add.set_name(names.fresh(nodeName + "_bias"));
    add.add_input(sum);
    add.add_input(node.input(*bias));
    add.add_output(output);
    followers[nodeIndex] = add;
  } else {
    product.add_output(output);
  }
  node = product;
  return success();
}

LogicalResult MatMulNBitsExporter::run(func::FuncOp function) {
  WalkResult walked = function.walk([&](Operation *op) {
    std::optional<FourBitWeight> weight = getFourBitWeight(op);
    if (!weight)
      return WalkResult::advance();
    int node = findONNXNode(graph, op);
    if (node < 0) {
      op->emitError("--emit=qdq-onnx: no ONNX node for this op");
      return WalkResult::interrupt();
    }
    // A MatMulNBits of the model is already in this form.
    if (graph.node(node).op_type() == "MatMulNBits")
      return WalkResult::advance();
    return failed(replace(*weight, node)) ? WalkResult::interrupt()
                                          : WalkResult::advance();
  });
  if (walked.wasInterrupted())
    return failure();
  if (!followers.empty()) {
    std::vector<onnx::NodeProto> nodes;
    for (int i = 0; i < graph.node_size(); ++i) {
      nodes.push_back(graph.node(i));
      auto follower = followers.find(i);
      if (follower != followers.end())
        nodes.push_back(follower->second);
    }
    graph.clear_node();
    for (onnx::NodeProto &node : nodes)
      *graph.add_node() = std::move(node);
  }
  bool hasMicrosoftOpset = llvm::any_of(
      model.opset_import(), [](const onnx::OperatorSetIdProto &entry) {
        return entry.domain() == "com.microsoft";
      });
  if (!hasMicrosoftOpset) {
    onnx::OperatorSetIdProto *entry = model.add_opset_import();
    entry->set_domain("com.microsoft");
    entry->set_version(1);
  }
  removeUnusedInitializers(graph);
  return success();
}

} // namespace

bool mlir::quill::hasFourBitWeights(func::FuncOp function) {
  return function
      .walk([](Operation *op) {
        return getFourBitWeight(op) ? WalkResult::interrupt()
                                    : WalkResult::advance();
      })
      .wasInterrupted();
}

LogicalResult mlir::quill::exportMatMulNBits(func::FuncOp function,
                                             onnx::ModelProto &model) {
  return MatMulNBitsExporter(model).run(function);
}
