//===- NN.cpp - Importers of ONNX layers: Clip, convolutions, pooling ... -===//

#include "NodeImporter.h"

#include "quill/Dialect/Quill/IR/Quill.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;
using namespace mlir::quill;
using namespace mlir::quill::onnx_import;

/// Clip bounds: attributes before opset 11, optional scalar inputs after.
static LogicalResult importClip(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredInput(0);
  if (failed(input))
    return failure();
  auto inputType = cast<RankedTensorType>(input->getType());
  auto scalarType = RankedTensorType::get({}, inputType.getElementType());
  OpBuilder &b = node.getBuilder();
  Value bounds[2];
  for (unsigned i = 0; i < 2; ++i) {
    StringRef name = i == 0 ? "min" : "max";
    if (node.getOpset() >= 11) {
      bounds[i] = node.getInput(i + 1);
      continue;
    }
    if (node.getAttribute(name))
      bounds[i] = arith::ConstantOp::create(
          b, node.getLoc(),
          DenseElementsAttr::get(scalarType,
                                 b.getFloatAttr(inputType.getElementType(),
                                                node.getFloat(name, 0.0f))));
  }
  for (Value bound : bounds)
    if (bound && bound.getType() != scalarType)
      return node.emitError() << "expected bounds of type " << scalarType
                              << ", got " << bound.getType();
  node.setResults(
      ClipOp::create(b, node.getLoc(), inputType, *input, bounds[0], bounds[1])
          ->getResults());
  return success();
}

/// Softmax and LogSoftmax. Before opset 13 they "coerce the input to 2-D":
/// dimensions before `axis` form the rows, the rest one row's elements.
template <typename OpTy>
static LogicalResult importSoftmax(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredInput(0);
  if (failed(input))
    return failure();
  auto type = cast<RankedTensorType>(input->getType());
  bool coerce = node.getOpset() < 13;
  FailureOr<int64_t> axis =
      node.normalizeAxis(node.getInt("axis", coerce ? 1 : -1), type.getRank());
  if (failed(axis))
    return failure();
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  if (!coerce || *axis == type.getRank() - 1) {
    node.setResults(OpTy::create(b, loc, *input, *axis)->getResults());
    return success();
  }
  ArrayRef<int64_t> shape = type.getShape();
  int64_t rows = 1, columns = 1;
  for (int64_t d = 0; d < type.getRank(); ++d)
    (d < *axis ? rows : columns) *= shape[d];
  auto matrixType =
      RankedTensorType::get({rows, columns}, type.getElementType());
  Value matrix = ReshapeOp::create(b, loc, matrixType, *input);
  Value softmax = OpTy::create(b, loc, matrix, 1);
  node.setResults(ReshapeOp::create(b, loc, type, softmax)->getResults());
  return success();
}

//===----------------------------------------------------------------------===//
// Convolution and pooling
//===----------------------------------------------------------------------===//

/// The window attributes of a conv or pooling node, auto_pad resolved.
struct Window {
  SmallVector<int64_t> kernel, strides, pads, dilations;
};

/// Reads strides, dilations and pads for `kernel` over `inputType`'s
/// spatial axes. SAME_UPPER / SAME_LOWER pad so that the output size is
/// ceil(input / stride), the odd padding going to the end / the beginning.
static FailureOr<Window> readWindow(NodeImporter &node,
                                    RankedTensorType inputType,
                                    ArrayRef<int64_t> kernel) {
  int64_t spatialRank = inputType.getRank() - 2;
  if (spatialRank < 1 || static_cast<int64_t>(kernel.size()) != spatialRank)
    return node.emitError()
           << "expected a kernel of " << spatialRank << " spatial dimensions";
  Window window;
  window.kernel.assign(kernel.begin(), kernel.end());
  window.strides =
      node.getInts("strides").value_or(SmallVector<int64_t>(spatialRank, 1));
  window.dilations =
      node.getInts("dilations").value_or(SmallVector<int64_t>(spatialRank, 1));
  if (static_cast<int64_t>(window.strides.size()) != spatialRank ||
      static_cast<int64_t>(window.dilations.size()) != spatialRank)
    return node.emitError()
           << "expected " << spatialRank << " strides and dilations";
  const onnx::AttributeProto *autoPad = node.getAttribute("auto_pad");
  std::string mode = autoPad ? autoPad->s() : "NOTSET";
  if (mode == "NOTSET") {
    window.pads =
        node.getInts("pads").value_or(SmallVector<int64_t>(2 * spatialRank, 0));
    if (static_cast<int64_t>(window.pads.size()) != 2 * spatialRank)
      return node.emitError() << "expected " << 2 * spatialRank << " pads";
    return window;
  }
  window.pads.assign(2 * spatialRank, 0);
  if (mode == "VALID")
    return window;
  if (mode != "SAME_UPPER" && mode != "SAME_LOWER")
    return node.emitError() << "unsupported auto_pad '" << mode << "'";
  for (int64_t i = 0; i < spatialRank; ++i) {
    int64_t size = inputType.getDimSize(i + 2);
    int64_t out = (size + window.strides[i] - 1) / window.strides[i];
    int64_t total = std::max<int64_t>(
        0, (out - 1) * window.strides[i] +
               (kernel[i] - 1) * window.dilations[i] + 1 - size);
    int64_t small = total / 2, large = total - small;
    window.pads[i] = mode == "SAME_UPPER" ? small : large;
    window.pads[i + spatialRank] = mode == "SAME_UPPER" ? large : small;
  }
  return window;
}

FailureOr<Value>
mlir::quill::onnx_import::buildConv(NodeImporter &node, Value input,
                                    Value weight, Value bias,
                                    RankedTensorType resultType) {
  auto inputType = cast<RankedTensorType>(input.getType());
  auto weightType = cast<RankedTensorType>(weight.getType());
  FailureOr<Window> window =
      readWindow(node, inputType, weightType.getShape().drop_front(2));
  if (failed(window))
    return failure();
  return ConvOp::create(node.getBuilder(), node.getLoc(), resultType, input,
                        weight, bias, window->strides, window->pads,
                        window->dilations, node.getInt("group", 1))
      .getResult();
}

static LogicalResult importConv(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredInput(0);
  FailureOr<Value> weight = node.getRequiredInput(1);
  FailureOr<RankedTensorType> type = node.getOutputType(0);
  if (failed(input) || failed(weight) || failed(type))
    return failure();
  FailureOr<Value> conv =
      buildConv(node, *input, *weight, node.getInput(2), *type);
  if (failed(conv))
    return failure();
  node.setResults(*conv);
  return success();
}

/// ConvTranspose pads come from `pads`, or, with `output_shape` or a SAME
/// auto_pad, from the inferred output size (ONNX's total_padding rule).
static LogicalResult importConvTranspose(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredInput(0);
  FailureOr<Value> weight = node.getRequiredInput(1);
  FailureOr<RankedTensorType> type = node.getOutputType(0);
  if (failed(input) || failed(weight) || failed(type))
    return failure();
  auto inputType = cast<RankedTensorType>(input->getType());
  auto weightType = cast<RankedTensorType>(weight->getType());
  ArrayRef<int64_t> kernel = weightType.getShape().drop_front(2);
  int64_t spatialRank = kernel.size();
  const onnx::AttributeProto *autoPad = node.getAttribute("auto_pad");
  std::string mode = autoPad ? autoPad->s() : "NOTSET";
  bool fromOutput = node.getAttribute("output_shape") || mode == "SAME_UPPER" ||
                    mode == "SAME_LOWER";
  FailureOr<Window> window = readWindow(
      node, inputType.clone(SmallVector<int64_t>(inputType.getRank(), 1)),
      kernel);
  if (failed(window))
    return failure();
  SmallVector<int64_t> outputPadding =
      node.getInts("output_padding")
          .value_or(SmallVector<int64_t>(spatialRank, 0));
  if (static_cast<int64_t>(outputPadding.size()) != spatialRank)
    return node.emitError() << "expected " << spatialRank << " output paddings";
  if (fromOutput) {
    for (int64_t i = 0; i < spatialRank; ++i) {
      int64_t total = window->strides[i] * (inputType.getDimSize(i + 2) - 1) +
                      outputPadding[i] +
                      (kernel[i] - 1) * window->dilations[i] + 1 -
                      type->getDimSize(i + 2);
      // An output larger than the sweep covers grows at the end, as
      // output_padding does.
      if (total < 0) {
        outputPadding[i] -= total;
        total = 0;
      }
      int64_t small = total / 2, large = total - small;
      window->pads[i] = mode == "SAME_UPPER" ? small : large;
      window->pads[i + spatialRank] = mode == "SAME_UPPER" ? large : small;
    }
  }
  OpBuilder &b = node.getBuilder();
  node.setResults(ConvTransposeOp::create(
                      b, node.getLoc(), *type, *input, *weight,
                      node.getInput(2), window->strides, window->pads,
                      window->dilations, outputPadding, node.getInt("group", 1))
                      ->getResults());
  return success();
}

template <typename PoolOp> static LogicalResult importPool(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredInput(0);
  FailureOr<RankedTensorType> type = node.getOutputType(0);
  if (failed(input) || failed(type))
    return failure();
  if (node.getNode().output_size() > 1 && !node.getNode().output(1).empty())
    return node.emitError() << "the Indices output is not supported";
  std::optional<SmallVector<int64_t>> kernel = node.getInts("kernel_shape");
  if (!kernel)
    return node.emitError() << "expected a kernel_shape attribute";
  auto inputType = cast<RankedTensorType>(input->getType());
  FailureOr<Window> window = readWindow(node, inputType, *kernel);
  if (failed(window))
    return failure();
  OpBuilder &b = node.getBuilder();
  PoolOp pool = PoolOp::create(b, node.getLoc(), *type, *input, window->kernel,
                               window->strides, window->pads, window->dilations,
                               node.getInt("ceil_mode", 0) != 0);
  if constexpr (std::is_same_v<PoolOp, AveragePoolOp>)
    if (node.getInt("count_include_pad", 0))
      pool.setCountIncludePad(true);
  node.setResults(pool->getResults());
  return success();
}

template <typename GlobalPoolOp>
static LogicalResult importGlobalPool(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredInput(0);
  FailureOr<RankedTensorType> type = node.getOutputType(0);
  if (failed(input) || failed(type))
    return failure();
  node.setResults(
      GlobalPoolOp::create(node.getBuilder(), node.getLoc(), *type, *input)
          ->getResults());
  return success();
}

//===----------------------------------------------------------------------===//
// Resize
//===----------------------------------------------------------------------===//

/// The enum attribute `name` spells, or its default; fails on unknown
/// spellings.
template <typename Enum>
static FailureOr<Enum>
getEnumAttribute(NodeImporter &node, StringRef name, StringRef defaultValue,
                 std::optional<Enum> (*parse)(StringRef)) {
  const onnx::AttributeProto *attr = node.getAttribute(name);
  std::string spelling = attr ? attr->s() : defaultValue.str();
  if (std::optional<Enum> value = parse(spelling))
    return *value;
  return node.emitError() << "unsupported " << name << " '" << spelling << "'";
}

/// Resize: scales from the constant `scales` input, or the size ratios of a
/// constant `sizes` input (inputs 2 and 3 from opset 11, `scales` is input
/// 1 in opset 10, whose sampling is asymmetric).
static LogicalResult importResize(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredInput(0);
  FailureOr<RankedTensorType> type = node.getOutputType(0);
  if (failed(input) || failed(type))
    return failure();
  auto inputType = cast<RankedTensorType>(input->getType());
  bool v10 = node.getOpset() < 11;
  SmallVector<float> scales;
  // Upsample (opsets 7-9) is Resize-10 with scales an attribute before 9.
  const onnx::AttributeProto *scalesAttr =
      node.getNode().op_type() == "Upsample" && node.getOpset() < 9
          ? node.getAttribute("scales")
          : nullptr;
  if (scalesAttr) {
    scales.assign(scalesAttr->floats().begin(), scalesAttr->floats().end());
  } else if (DenseElementsAttr values = node.getConstantInput(v10 ? 1 : 2);
             values && values.getNumElements() > 0) {
    for (APFloat value : values.getValues<APFloat>())
      scales.push_back(value.convertToFloat());
  } else if (DenseElementsAttr sizes =
                 v10 ? DenseElementsAttr() : node.getConstantInput(3)) {
    for (auto [dim, size] : llvm::enumerate(sizes.getValues<int64_t>()))
      scales.push_back(static_cast<float>(size) /
                       static_cast<float>(inputType.getDimSize(dim)));
  } else {
    return node.emitNotConstantError(
        v10 || !node.getInput(3) ? (v10 ? 1 : 2) : 3, "scales or sizes");
  }
  auto mode = getEnumAttribute<ResizeMode>(node, "mode", "nearest",
                                           symbolizeResizeMode);
  auto transform = getEnumAttribute<CoordinateTransform>(
      node, "coordinate_transformation_mode", v10 ? "asymmetric" : "half_pixel",
      symbolizeCoordinateTransform);
  // Upsample's nearest pixel is floor(x / scale).
  bool isUpsample = node.getNode().op_type() == "Upsample";
  auto nearest = getEnumAttribute<NearestMode>(
      node, "nearest_mode", isUpsample ? "floor" : "round_prefer_floor",
      symbolizeNearestMode);
  if (failed(mode) || failed(transform) || failed(nearest))
    return failure();
  OpBuilder &b = node.getBuilder();
  ResizeOp resize = ResizeOp::create(
      b, node.getLoc(), *type, *input, b.getDenseF32ArrayAttr(scales),
      ResizeModeAttr::get(b.getContext(), *mode),
      CoordinateTransformAttr::get(b.getContext(), *transform),
      NearestModeAttr::get(b.getContext(), *nearest),
      b.getF32FloatAttr(node.getFloat("cubic_coeff_a", -0.75f)),
      node.getInt("exclude_outside", 0) ? b.getUnitAttr() : UnitAttr(),
      DenseF32ArrayAttr(),
      b.getF32FloatAttr(node.getFloat("extrapolation_value", 0.0f)));
  if (*transform == CoordinateTransform::TfCropAndResize) {
    DenseElementsAttr roi = node.getConstantInput(1);
    if (!roi)
      return node.emitNotConstantError(1, "roi");
    resize.setRoiAttr(b.getDenseF32ArrayAttr(
        llvm::map_to_vector(roi.getValues<APFloat>(),
                            [](APFloat v) { return v.convertToFloat(); })));
  }
  node.setResults(resize->getResults());
  return success();
}

//===----------------------------------------------------------------------===//
// Normalization
//===----------------------------------------------------------------------===//

/// Fails when a node asks for an output beyond the first (training
/// statistics), which inference does not compute.
static LogicalResult requireOnlyFirstOutput(NodeImporter &node,
                                            StringRef what) {
  const onnx::NodeProto &proto = node.getNode();
  for (int i = 1; i < proto.output_size(); ++i)
    if (!proto.output(i).empty())
      return node.emitError() << what << " outputs are not supported";
  return success();
}

static LogicalResult importBatchNorm(NodeImporter &node) {
  if (node.getInt("training_mode", 0))
    return node.emitError() << "training_mode is not supported";
  // Before opset 9, spatial = 0 meant statistics per activation, not per
  // channel.
  if (!node.getInt("spatial", 1))
    return node.emitError() << "spatial = 0 is not supported";
  if (failed(requireOnlyFirstOutput(node, "training statistics")))
    return failure();
  SmallVector<Value> operands;
  for (unsigned i = 0; i < 5; ++i) {
    FailureOr<Value> operand = node.getRequiredInput(i);
    if (failed(operand))
      return failure();
    operands.push_back(*operand);
  }
  OpBuilder &b = node.getBuilder();
  node.setResults(
      BatchNormOp::create(b, node.getLoc(), operands[0].getType(), operands[0],
                          operands[1], operands[2], operands[3], operands[4],
                          b.getF32FloatAttr(node.getFloat("epsilon", 1e-5f)))
          ->getResults());
  return success();
}

/// MeanVarianceNormalization, as its ONNX function body computes it:
/// (x - E[x]) / (sqrt(E[x^2] - E[x]^2) + 1e-9) over `axes`.
static LogicalResult importMeanVarianceNorm(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredFloatInput(0);
  if (failed(input))
    return failure();
  auto type = cast<RankedTensorType>(input->getType());
  SmallVector<int64_t> axes;
  for (int64_t axis :
       node.getInts("axes").value_or(SmallVector<int64_t>{0, 2, 3})) {
    FailureOr<int64_t> dim = node.normalizeAxis(axis, type.getRank());
    if (failed(dim))
      return failure();
    axes.push_back(*dim);
  }
  llvm::sort(axes);
  axes.erase(llvm::unique(axes), axes.end());
  SmallVector<int64_t> keptShape(type.getShape());
  for (int64_t axis : axes)
    keptShape[axis] = 1;
  auto keptType = type.clone(keptShape);
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  Value x = *input;
  auto mean = [&](Value value) {
    return Value(ReduceMeanOp::create(b, loc, keptType, value, axes, true));
  };
  auto square = [&](Value value) {
    return Value(MulOp::create(b, loc, value.getType(), value, value));
  };
  Value expected = mean(x);
  Value variance =
      SubOp::create(b, loc, keptType, mean(square(x)), square(expected));
  Value epsilon = arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(RankedTensorType::get({}, type.getElementType()),
                             b.getFloatAttr(type.getElementType(), 1e-9)));
  Value deviation = AddOp::create(
      b, loc, keptType, math::SqrtOp::create(b, loc, variance), epsilon);
  node.setResults(DivOp::create(b, loc, type,
                                SubOp::create(b, loc, type, x, expected),
                                deviation)
                      ->getResults());
  return success();
}

static LogicalResult importInstanceNorm(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredInput(0);
  FailureOr<Value> scale = node.getRequiredInput(1);
  FailureOr<Value> bias = node.getRequiredInput(2);
  if (failed(input) || failed(scale) || failed(bias))
    return failure();
  OpBuilder &b = node.getBuilder();
  node.setResults(InstanceNormOp::create(
                      b, node.getLoc(), input->getType(), *input, *scale, *bias,
                      b.getF32FloatAttr(node.getFloat("epsilon", 1e-5f)))
                      ->getResults());
  return success();
}

/// LayerNormalization, with its optional Mean and InvStdDev outputs computed
/// as ONNX defines them over the normalized axes (kept with size 1).
static LogicalResult importLayerNorm(NodeImporter &node) {
  FailureOr<Value> input = node.getRequiredInput(0);
  FailureOr<Value> scale = node.getRequiredInput(1);
  if (failed(input) || failed(scale))
    return failure();
  auto inputType = cast<RankedTensorType>(input->getType());
  FailureOr<int64_t> axis =
      node.normalizeAxis(node.getInt("axis", -1), inputType.getRank());
  if (failed(axis))
    return failure();
  float epsilon = node.getFloat("epsilon", 1e-5f);
  OpBuilder &b = node.getBuilder();
  Location loc = node.getLoc();
  SmallVector<Value> results = {LayerNormOp::create(
      b, loc, inputType, *input, *scale, node.getInput(2),
      b.getI64IntegerAttr(*axis), b.getF32FloatAttr(epsilon))};

  const onnx::NodeProto &proto = node.getNode();
  bool wantsStatistics = false;
  for (int i = 1; i < std::min(proto.output_size(), 3); ++i)
    wantsStatistics |= !proto.output(i).empty();
  if (wantsStatistics) {
    SmallVector<int64_t> axes =
        llvm::to_vector(llvm::seq<int64_t>(*axis, inputType.getRank()));
    SmallVector<int64_t> statisticShape(inputType.getShape());
    std::fill(statisticShape.begin() + *axis, statisticShape.end(), 1);
    auto statisticType = inputType.clone(statisticShape);
    for (int i = 1; i < std::min(proto.output_size(), 3); ++i) {
      if (proto.output(i).empty())
        continue;
      FailureOr<RankedTensorType> declared = node.getOutputType(i);
      if (failed(declared))
        return failure();
      if (*declared != statisticType)
        return node.emitError() << "statistics of type " << *declared
                                << " (stash_type) are not supported";
    }
    // Mean = E[x]; InvStdDev = 1 / sqrt(E[(x - Mean)^2] + epsilon).
    Value mean = ReduceMeanOp::create(b, loc, statisticType, *input, axes,
                                      /*keepdims=*/true);
    Value centered = SubOp::create(b, loc, inputType, *input, mean);
    Value squared = MulOp::create(b, loc, inputType, centered, centered);
    Value variance = ReduceMeanOp::create(b, loc, statisticType, squared, axes,
                                          /*keepdims=*/true);
    auto splat = [&](double value) {
      return arith::ConstantOp::create(
          b, loc,
          DenseElementsAttr::get(
              statisticType,
              b.getFloatAttr(inputType.getElementType(), value)));
    };
    Value shifted =
        AddOp::create(b, loc, statisticType, variance, splat(epsilon));
    Value deviation = math::SqrtOp::create(b, loc, shifted);
    Value inverse = DivOp::create(b, loc, statisticType, splat(1.0), deviation);
    results.append({mean, inverse});
  }
  node.setResults(results);
  return success();
}

ArrayRef<OpImportEntry> mlir::quill::onnx_import::getNNOpImporters() {
  static const OpImportEntry entries[] = {
      {"", "AveragePool", 1, importPool<AveragePoolOp>},
      {"", "BatchNormalization", 1, importBatchNorm},
      {"", "Clip", 6, importClip},
      {"", "Conv", 1, importConv},
      {"", "ConvTranspose", 1, importConvTranspose},
      {"", "GlobalAveragePool", 1, importGlobalPool<GlobalAveragePoolOp>},
      {"", "GlobalMaxPool", 1, importGlobalPool<GlobalMaxPoolOp>},
      {"", "InstanceNormalization", 6, importInstanceNorm},
      {"", "MeanVarianceNormalization", 9, importMeanVarianceNorm},
      {"", "LayerNormalization", 17, importLayerNorm},
      {"", "MaxPool", 1, importPool<MaxPoolOp>},
      {"", "Resize", 10, importResize},
      {"", "Upsample", 7, importResize},
      {"", "LogSoftmax", 1, importSoftmax<LogSoftmaxOp>},
      {"", "Softmax", 1, importSoftmax<SoftmaxOp>},
  };
  return entries;
}
