//===- ONNXGraph.h - What the ONNX exporters share --------------*- C++ -*-===//
//
// Internal to lib/Export: finding the ONNX node an op was imported from,
// reading float initializers, checking that a quantized weight is the
// model's own initializer rounded, fresh names and dropping unused
// initializers.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_LIB_EXPORT_ONNXGRAPH_H
#define QUILL_LIB_EXPORT_ONNXGRAPH_H

#include "quill/Dialect/Quill/IR/QuantArithmetic.h"

#include "mlir/IR/Operation.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <onnx/onnx_pb.h>

#include <optional>
#include <string>
#include <vector>

namespace mlir::quill {

/// The index of the node of `graph` the importer named `op` after, or -1.
int findONNXNode(const onnx::GraphProto &graph, Operation *op);

/// The node's name, or its first output's when it has none.
std::string getONNXNodeName(const onnx::NodeProto &node);

/// The float values of an initializer, or none for other element types and
/// external data.
std::optional<std::vector<float>>
getFloatInitializer(const onnx::TensorProto &tensor);

/// Whether stored values `stored`, read with `params`, are `original`
/// rounded: each within half a step (a hair more, the scale being rounded
/// to float32 after the weights).
bool isRoundedFrom(llvm::ArrayRef<int64_t> stored,
                   llvm::function_ref<ElementParams(int64_t)> params,
                   llvm::ArrayRef<float> original);

/// A graph's initializers by name. Exporters write deduplicated weights as
/// Identity nodes of one initializer; lookUp follows them.
class ONNXInitializers {
public:
  explicit ONNXInitializers(const onnx::GraphProto &graph);
  /// The initializer tensor `name` is, directly or through Identity nodes;
  /// null when it is computed.
  const onnx::TensorProto *lookUp(llvm::StringRef name) const;

private:
  llvm::StringMap<const onnx::TensorProto *> initializers;
  /// The input of the Identity node producing each tensor.
  llvm::StringMap<std::string> identities;
};

/// Names unique in a graph: `base`, else `base_1`, `base_2`, ...
class ONNXNames {
public:
  explicit ONNXNames(const onnx::GraphProto &graph);
  std::string fresh(const std::string &base);

private:
  llvm::StringSet<> names;
};

/// Removes the Identity nodes and then the initializers that no node or
/// graph output reads any more (and, for models before IR version 4, the
/// initializers' graph inputs): a replaced weight's float copy goes, also
/// when the exporter wrote it through an Identity.
void removeUnusedInitializers(onnx::GraphProto &graph);

} // namespace mlir::quill

#endif // QUILL_LIB_EXPORT_ONNXGRAPH_H
