//===- NodeImporter.h - What an op importer sees of its node ----*- C++ -*-===//
//
// Internal to lib/Import/ONNX. An op importer receives a NodeImporter: the
// ONNX node with its opset, typed access to its inputs and attributes, the
// inferred types of its outputs, and a builder positioned in @main. It
// builds ops and hands back one value per node output.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_LIB_IMPORT_ONNX_NODEIMPORTER_H
#define QUILL_LIB_IMPORT_ONNX_NODEIMPORTER_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"

#include <onnx/onnx_pb.h>

#include <optional>
#include <string>

namespace mlir::quill::onnx_import {

class GraphImporter;

class NodeImporter {
public:
  NodeImporter(GraphImporter &graph, const onnx::NodeProto &node, int64_t opset,
               OpBuilder &builder, Location loc)
      : graph(graph), node(node), opset(opset), builder(builder), loc(loc) {}

  const onnx::NodeProto &getNode() const { return node; }
  int64_t getOpset() const { return opset; }
  OpBuilder &getBuilder() { return builder; }
  Location getLoc() const { return loc; }

  /// Number of inputs the node lists, trailing empty names included.
  unsigned getNumInputs() const { return node.input_size(); }
  /// The value of input `index`, or null when absent or named "".
  Value getInput(unsigned index);
  /// Like getInput, with an error when the input is absent.
  FailureOr<Value> getRequiredInput(unsigned index);
  /// Like getRequiredInput, with an error when its elements are not floats.
  FailureOr<Value> getRequiredFloatInput(unsigned index);
  /// The inferred static type of output `index`, with an error when shape
  /// inference left it unknown or dynamic.
  FailureOr<RankedTensorType> getOutputType(unsigned index);

  const onnx::AttributeProto *getAttribute(StringRef name) const;
  int64_t getInt(StringRef name, int64_t defaultValue) const;
  float getFloat(StringRef name, float defaultValue) const;
  /// The ints of an INTS attribute, or nullopt when absent.
  std::optional<SmallVector<int64_t>> getInts(StringRef name) const;
  /// The contents of a TENSOR attribute, with an error when it cannot be read.
  FailureOr<DenseElementsAttr> getTensor(const onnx::TensorProto &tensor);

  /// The contents of input `index` when it is a constant, else null.
  DenseElementsAttr getConstantInput(unsigned index);
  /// The number in one-element input `index` (`what`, for errors; floats
  /// truncate), with an error when it is not a constant.
  FailureOr<int64_t> getConstantScalarInput(unsigned index, StringRef what);
  /// An error saying that input `index` (the node's `what`) must be a
  /// constant; when its value is computed from graph inputs, the error
  /// names them and suggests --freeze-input.
  InFlightDiagnostic emitNotConstantError(unsigned index, StringRef what);

  /// Normalizes a possibly negative `axis` for `rank`, with an error when it
  /// is out of range.
  FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank);

  /// Records the values of the node's outputs, in order.
  void setResults(ValueRange results);
  ValueRange getResults() const { return results; }

  /// An error naming the node, its op type and the opset.
  InFlightDiagnostic emitError();

private:
  GraphImporter &graph;
  const onnx::NodeProto &node;
  int64_t opset;
  OpBuilder &builder;
  Location loc;
  SmallVector<Value> results;
};

using OpImportFn = LogicalResult (*)(NodeImporter &);

/// One op importer: it handles `opType` of `domain` ("" is ONNX's default
/// domain) from opset `sinceVersion` on, until a later entry takes over.
struct OpImportEntry {
  StringRef domain;
  StringRef opType;
  int64_t sinceVersion;
  OpImportFn import;
};

/// Builds a quill.conv of the node's window attributes (strides, pads or
/// auto_pad, dilations, group) over `input` and `weight`; shared by Conv,
/// QLinearConv and ConvInteger.
FailureOr<Value> buildConv(NodeImporter &node, Value input, Value weight,
                           Value bias, RankedTensorType resultType);

/// A quill.reshape of `input` to `shape` (same element type).
Value buildReshape(OpBuilder &b, Location loc, Value input,
                   ArrayRef<int64_t> shape);
/// A quill.transpose of `input` by `permutation`.
Value buildTranspose(OpBuilder &b, Location loc, Value input,
                     ArrayRef<int64_t> permutation);

/// Entries by op category; OpRegistry.cpp gathers them.
ArrayRef<OpImportEntry> getActivationOpImporters();
ArrayRef<OpImportEntry> getControlFlowOpImporters();
ArrayRef<OpImportEntry> getEinsumOpImporters();
ArrayRef<OpImportEntry> getIndexingOpImporters();
ArrayRef<OpImportEntry> getLowBitWeightOpImporters();
ArrayRef<OpImportEntry> getMathOpImporters();
ArrayRef<OpImportEntry> getNNOpImporters();
ArrayRef<OpImportEntry> getQuantizationOpImporters();
ArrayRef<OpImportEntry> getRearrangeOpImporters();
ArrayRef<OpImportEntry> getRecurrentOpImporters();
ArrayRef<OpImportEntry> getTensorOpImporters();

/// The importer for `opType` at `opset`, or null.
OpImportFn lookupOpImporter(StringRef domain, StringRef opType, int64_t opset);

} // namespace mlir::quill::onnx_import

#endif // QUILL_LIB_IMPORT_ONNX_NODEIMPORTER_H
