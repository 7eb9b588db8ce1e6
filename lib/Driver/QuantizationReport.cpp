//===- QuantizationReport.cpp - What quantization costs each op -----------===//

#include "quill/Driver/QuantizationReport.h"

#include "InstrumentedModels.h"

#include "quill/Dialect/Quill/IR/BlockArithmetic.h"
#include "quill/Dialect/Quill/IR/QuantParams.h"
#include "quill/Dialect/Quill/IR/Quill.h"
#include "quill/Pipelines/Pipelines.h"
#include "quill/Quantization/QuantizableOps.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/ToolOutputFile.h"

#include <cmath>

using namespace mlir;
using namespace mlir::quill;
using ::quill::host::ModelLibrary;
using ::quill::host::Tensor;

namespace {

llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

std::string describeStorage(unsigned width, bool isSigned) {
  return (isSigned ? "int" : "uint") + std::to_string(width);
}

void setScales(QuantizedTensorReport &report, ArrayRef<double> scales) {
  report.minScale = *llvm::min_element(scales);
  report.maxScale = *llvm::max_element(scales);
}

QuantizedTensorReport describeQuantizedType(Type element) {
  QuantizedTensorReport report;
  llvm::TypeSwitch<Type>(element)
      .Case([&](quant::UniformQuantizedType type) {
        report.type = describeStorage(type.getStorageTypeIntegralWidth(),
                                      type.isSigned());
        report.granularity = "per-tensor";
        setScales(report, {type.getScale()});
        report.zeroPoint = type.getZeroPoint();
        report.range = {
            (type.getStorageTypeMin() - type.getZeroPoint()) * type.getScale(),
            (type.getStorageTypeMax() - type.getZeroPoint()) * type.getScale()};
      })
      .Case([&](quant::UniformQuantizedPerAxisType type) {
        report.type = describeStorage(type.getStorageTypeIntegralWidth(),
                                      type.isSigned());
        report.granularity = "per-channel";
        setScales(report, type.getScales());
      })
      .Case([&](quant::UniformQuantizedSubChannelType type) {
        report.type = describeStorage(type.getStorageTypeIntegralWidth(),
                                      type.isSigned());
        report.granularity = "per-block";
        SmallVector<double> scales;
        for (APFloat scale : type.getScales().getValues<APFloat>())
          scales.push_back(scale.convertToDouble());
        setScales(report, scales);
      })
      .Case([&](FloatQuantType type) {
        llvm::raw_string_ostream os(report.type);
        os << type.getStorageType();
        report.granularity = type.isPerAxis() ? "per-channel" : "per-tensor";
        setScales(report, type.getScales().asArrayRef());
        if (!type.isPerAxis())
          report.range = {-type.getStorageMax() * report.minScale,
                          type.getStorageMax() * report.minScale};
      });
  return report;
}

/// The quantized type `value` is dequantized from.
Type getDequantizedFrom(Value value) {
  auto dequantize = value.getDefiningOp<DequantizeOp>();
  return dequantize ? dequantize.getInput().getType().getElementType() : Type();
}

/// An activation block-quantized at run time.
QuantizedTensorReport describeBlockActivation(BlockDequantizeOp dequantize) {
  QuantizedTensorReport report;
  report.type = stringifyBlockFormat(dequantize.getFormat()).str();
  report.granularity = "per-block";
  return report;
}

/// A block-quantized weight: its format, scale range and bytes as the
/// compiled library stores them (4-bit codes two per byte, wider ones a
/// byte each, a byte per scale).
std::optional<QuantizedTensorReport> describeBlockWeight(Value value) {
  auto dequantize = value.getDefiningOp<BlockDequantizeOp>();
  DenseElementsAttr scales;
  if (!dequantize || !matchPattern(dequantize.getScales(), m_Constant(&scales)))
    return std::nullopt;
  BlockFormatRules rules = getBlockFormatRules(dequantize.getFormat());
  QuantizedTensorReport report;
  report.type = stringifyBlockFormat(dequantize.getFormat()).str();
  report.granularity = "per-block";
  SmallVector<double> values;
  for (APFloat scale : scales.getValues<APFloat>()) {
    double decoded = scale.convertToDouble();
    if (dequantize.getTensorScale())
      decoded /= dequantize.getTensorScale()->convertToDouble();
    values.push_back(decoded);
  }
  setScales(report, values);
  int64_t elements = dequantize.getResult().getType().getNumElements();
  report.bytes =
      elements * rules.storedElementBits() / 8 + scales.getNumElements();
  return report;
}

/// A weight behind quill.dequantize: the bytes the library stores, the
/// stored integers where the product runs on them (int8), f32 where the
/// weight is dequantized at compile time (int4, fp8).
std::optional<QuantizedTensorReport> describeWeight(Value value) {
  if (std::optional<QuantizedTensorReport> block = describeBlockWeight(value))
    return block;
  Type weight = getDequantizedFrom(value);
  if (!weight)
    return std::nullopt;
  QuantizedTensorReport report = describeQuantizedType(weight);
  int64_t elements = cast<RankedTensorType>(value.getType()).getNumElements();
  auto integer = dyn_cast<quant::QuantizedType>(weight);
  report.bytes = integer && integer.getStorageTypeIntegralWidth() == 8
                     ? elements
                     : elements * 4;
  return report;
}

std::string getKind(Operation *op) {
  return llvm::TypeSwitch<Operation *, std::string>(op)
      .Case([](MatMulOp) { return "MatMul"; })
      .Case([](GemmOp) { return "Gemm"; })
      .Case([](ConvOp) { return "Conv"; })
      .Case([](ConvTransposeOp) { return "ConvTranspose"; })
      .Default(
          [](Operation *op) { return op->getName().getStringRef().str(); });
}

/// The report rows of the ops `quill-quantize` quantized in `ops`, read
/// from the quantized IR.
std::vector<QuantizedOpReport>
describeQuantizedOps(ArrayRef<QuantizableOp> ops) {
  std::vector<QuantizedOpReport> reports;
  for (const QuantizableOp &op : ops) {
    Type activation = getDequantizedFrom(op.activation->get());
    std::optional<QuantizedTensorReport> weight =
        describeWeight(op.weight->get());
    if (!weight)
      continue;
    QuantizedOpReport report;
    report.name = getStatisticsName(op.op->getResult(0)).value_or("");
    report.kind = getKind(op.op);
    report.output = getStatisticsName(op.output).value_or("");
    Operation *activationOp = op.activation->get().getDefiningOp();
    if (activation)
      report.activation = describeQuantizedType(activation);
    else if (auto block = dyn_cast_or_null<BlockDequantizeOp>(activationOp))
      report.activation = describeBlockActivation(block);
    else if (activationOp && activationOp->hasAttr("quill.int4_blocks")) {
      report.activation.emplace();
      report.activation->type = "int4";
      report.activation->granularity = "per-block";
    }
    report.weight = *weight;
    for (Operation *user : op.output.getUsers())
      if (auto quantize = dyn_cast<QuantizeOp>(user))
        report.quantizedOutput = describeQuantizedType(
            quantize.getResult().getType().getElementType());
    reports.push_back(std::move(report));
  }
  return reports;
}

bool isFloat(quill_dtype dtype) {
  return dtype == QUILL_DTYPE_FLOAT32 || dtype == QUILL_DTYPE_FLOAT64 ||
         dtype == QUILL_DTYPE_FLOAT16 || dtype == QUILL_DTYPE_BFLOAT16;
}

} // namespace

llvm::Expected<QuantizationReport> mlir::quill::reportQuantization(
    ModuleOp module, const QuantizePassOptions &options, StringRef dataPath,
    const CalibrationRunOptions &run) {
  llvm::Expected<OwningOpRef<ModuleOp>> instrumented =
      instrumentForCalibration(module);
  if (!instrumented)
    return instrumented.takeError();
  // Instrumented, so the module has its entry function.
  unsigned numModelOutputs = getEntryFunction(module).getNumResults();
  OwningOpRef<ModuleOp> floatModule = (*instrumented)->clone();
  llvm::Expected<std::unique_ptr<ModelLibrary>> floatModel =
      compileAndLoad(*floatModule, run.target);
  if (!floatModel)
    return floatModel.takeError();

  QuantizationReport report;
  ModuleOp quantized = **instrumented;
  SmallVector<QuantizableOp> ops =
      getQuantizableOps(getEntryFunction(quantized));
  PassManager quantize(module.getContext());
  quantize.addNestedPass<func::FuncOp>(createQuantizePass(options));
  if (failed(quantize.run(quantized)))
    return makeError("");
  report.ops = describeQuantizedOps(ops);
  PassManager toIntegers(module.getContext());
  buildQDQToIntegerPipeline(toIntegers);
  if (failed(toIntegers.run(quantized)))
    return makeError("");
  llvm::Expected<std::unique_ptr<ModelLibrary>> quantizedModel =
      compileAndLoad(quantized, run.target);
  if (!quantizedModel)
    return quantizedModel.takeError();

  // The tensors to compare, by output index.
  const std::vector<::quill::host::TensorInfo> &infos =
      (*floatModel)->getOutputs();
  SmallVector<size_t> floatOutputs;
  for (size_t k = 0; k < numModelOutputs; ++k)
    if (isFloat(infos[k].dtype)) {
      floatOutputs.push_back(k);
      report.outputs.push_back({infos[k].name, {}});
    }
  SmallVector<std::pair<size_t, SignalToNoise *>> compared;
  for (auto [k, output] : llvm::zip(floatOutputs, report.outputs))
    compared.push_back({k, &output.second});
  for (QuantizedOpReport &op : report.ops)
    for (size_t k = numModelOutputs; k < infos.size(); ++k)
      if (infos[k].name == op.output)
        compared.push_back({k, &op.error});

  llvm::Error error = runOnSamples(
      {floatModel->get(), quantizedModel->get()}, dataPath, "reporting",
      run.showProgress, [&](ArrayRef<std::vector<Tensor>> outputs) {
        for (auto [k, noise] : compared) {
          const Tensor &reference = outputs[0][k], &value = outputs[1][k];
          for (size_t i = 0, e = reference.numElements(); i < e; ++i)
            noise->add(reference.elementAsDouble(i), value.elementAsDouble(i));
        }
        ++report.samples;
      });
  if (error)
    return std::move(error);
  return report;
}

namespace {

std::string formatDecibels(double decibels) {
  if (std::isinf(decibels))
    return "exact";
  std::string text;
  llvm::raw_string_ostream(text) << llvm::format("%.1f", decibels);
  return text;
}

/// "uint8 [-1.23, 4.56]" per tensor, "int8 per-channel" otherwise, "float"
/// when not quantized.
std::string
formatTensor(const std::optional<QuantizedTensorReport> &quantized) {
  if (!quantized)
    return "float";
  const QuantizedTensorReport &tensor = *quantized;
  std::string text;
  llvm::raw_string_ostream os(text);
  os << tensor.type;
  if (tensor.range)
    os << llvm::format(" [%.4g, %.4g]", tensor.range->first,
                       tensor.range->second);
  else
    os << " " << tensor.granularity;
  if (tensor.bytes)
    os << llvm::format(", %.1f KiB", *tensor.bytes / 1024.0);
  return text;
}

void printTable(ArrayRef<SmallVector<std::string>> rows, raw_ostream &os) {
  SmallVector<size_t> widths(rows.front().size(), 0);
  for (const SmallVector<std::string> &row : rows)
    for (auto [width, cell] : llvm::zip(widths, row))
      width = std::max(width, cell.size());
  for (const SmallVector<std::string> &row : rows) {
    for (auto [i, cell] : llvm::enumerate(row)) {
      size_t padding = widths[i] - cell.size();
      // The last column, SQNR, is right-aligned.
      if (i + 1 == row.size()) {
        os.indent(padding) << cell;
      } else {
        os << cell;
        os.indent(padding + 2);
      }
    }
    os << "\n";
  }
}

llvm::json::Value
toJSON(const std::optional<QuantizedTensorReport> &quantized) {
  if (!quantized)
    return nullptr;
  const QuantizedTensorReport &tensor = *quantized;
  llvm::json::Object object{{"type", tensor.type},
                            {"granularity", tensor.granularity}};
  if (tensor.granularity == "per-tensor") {
    object["scale"] = tensor.minScale;
  } else {
    object["scale_min"] = tensor.minScale;
    object["scale_max"] = tensor.maxScale;
  }
  if (tensor.zeroPoint)
    object["zero_point"] = *tensor.zeroPoint;
  if (tensor.range)
    object["range"] =
        llvm::json::Array{tensor.range->first, tensor.range->second};
  if (tensor.bytes)
    object["bytes"] = *tensor.bytes;
  return object;
}

/// Decibels as JSON; equal values (+infinity) as null.
llvm::json::Value decibelsToJSON(double decibels) {
  if (std::isinf(decibels))
    return nullptr;
  return decibels;
}

/// The rotation table: per product, the block kept and the SQNR of its
/// output estimated (auto) and measured, unrotated and rotated.
void printRotationTable(ArrayRef<RotationReport> rotated, raw_ostream &os) {
  if (rotated.empty())
    return;
  os << "\nHadamard rotation: SQNR (dB) of each product's output, estimated "
        "on the sampled rows (auto) and measured in the quantized model, "
        "unrotated and rotated\n";
  SmallVector<SmallVector<std::string>> rows = {
      {"op", "channels", "block", "estimated", "unrotated", "rotated"}};
  auto decibels = [](std::optional<double> value) {
    return value ? formatDecibels(*value) : std::string("-");
  };
  for (const RotationReport &entry : rotated) {
    const RotatedLayer &layer = entry.layer;
    std::string estimated =
        layer.sqnrWith
            ? decibels(layer.sqnrWithout) + " -> " + decibels(layer.sqnrWith)
            : "-";
    rows.push_back({layer.name, std::to_string(layer.size),
                    layer.blockSize ? std::to_string(layer.blockSize)
                                    : "none (" + layer.reason + ")",
                    estimated, decibels(entry.unrotatedSqnr),
                    decibels(entry.rotatedSqnr)});
  }
  printTable(rows, os);
}

llvm::json::Value optionalDecibels(std::optional<double> value) {
  return value ? decibelsToJSON(*value) : llvm::json::Value(nullptr);
}

} // namespace

void mlir::quill::printQuantizationReport(const QuantizationReport &report,
                                          raw_ostream &os) {
  os << "quantization report: " << report.ops.size()
     << " quantized ops, SQNR (dB) against float over " << report.samples
     << (report.samples == 1 ? " calibration sample\n"
                             : " calibration samples\n");
  SmallVector<SmallVector<std::string>> rows = {
      {"op", "type", "activation", "weight", "output", "SQNR"}};
  for (const QuantizedOpReport &op : report.ops)
    rows.push_back({op.name, op.kind, formatTensor(op.activation),
                    formatTensor(op.weight), formatTensor(op.quantizedOutput),
                    formatDecibels(op.error.getDecibels())});
  printTable(rows, os);
  if (!report.outputs.empty()) {
    rows = {{"model output", "SQNR"}};
    for (const auto &[name, error] : report.outputs)
      rows.push_back({name, formatDecibels(error.getDecibels())});
    os << "\n";
    printTable(rows, os);
  }
  printRotationTable(report.rotated, os);
  if (report.reordered.empty())
    return;
  os << "\nchannel reordering: estimated SQNR (dB) of each block-quantized "
        "product on the sampled calibration rows, unpermuted and as kept\n";
  rows = {{"op", "channels", "kept", "unpermuted", "kept SQNR"}};
  for (const ReorderedLayer &layer : report.reordered)
    rows.push_back(
        {layer.name, std::to_string(layer.groupSize),
         layer.refusal.empty() ? layer.kept : "none (" + layer.refusal + ")",
         formatDecibels(layer.sqnrUnpermuted), formatDecibels(layer.sqnrKept)});
  printTable(rows, os);
}

llvm::Error
mlir::quill::writeQuantizationReport(const QuantizationReport &report,
                                     StringRef path) {
  llvm::json::Array ops;
  for (const QuantizedOpReport &op : report.ops) {
    llvm::json::Object object{
        {"name", op.name},
        {"type", op.kind},
        {"output_name", op.output},
        {"activation", toJSON(op.activation)},
        {"weight", toJSON(op.weight)},
        {"output", toJSON(op.quantizedOutput)},
        {"sqnr_db", decibelsToJSON(op.error.getDecibels())}};
    ops.push_back(std::move(object));
  }
  llvm::json::Object outputs;
  for (const auto &[name, error] : report.outputs)
    outputs[name] =
        llvm::json::Object{{"sqnr_db", decibelsToJSON(error.getDecibels())}};
  llvm::json::Array reordered;
  for (const ReorderedLayer &layer : report.reordered)
    reordered.push_back(llvm::json::Object{
        {"name", layer.name},
        {"group_channels", layer.groupSize},
        {"kept", layer.kept},
        {"refusal", layer.refusal},
        {"sqnr_unpermuted_db", decibelsToJSON(layer.sqnrUnpermuted)},
        {"sqnr_kept_db", decibelsToJSON(layer.sqnrKept)}});
  llvm::json::Array rotated;
  for (const RotationReport &entry : report.rotated)
    rotated.push_back(llvm::json::Object{
        {"name", entry.layer.name},
        {"channels", entry.layer.size},
        {"block_size", entry.layer.blockSize},
        {"offline", entry.layer.offline},
        {"reason", entry.layer.reason},
        {"estimated_unrotated_db", optionalDecibels(entry.layer.sqnrWithout)},
        {"estimated_rotated_db", optionalDecibels(entry.layer.sqnrWith)},
        {"unrotated_db", optionalDecibels(entry.unrotatedSqnr)},
        {"rotated_db", optionalDecibels(entry.rotatedSqnr)}});
  std::error_code ec;
  llvm::ToolOutputFile file(path, ec, llvm::sys::fs::OF_Text);
  if (ec)
    return makeError(path + ": " + ec.message());
  file.os() << llvm::formatv(
      "{0:2}\n", llvm::json::Value(llvm::json::Object{
                     {"samples", static_cast<int64_t>(report.samples)},
                     {"ops", std::move(ops)},
                     {"outputs", std::move(outputs)},
                     {"channel_reordering", std::move(reordered)},
                     {"hadamard_rotation", std::move(rotated)}}));
  file.keep();
  return llvm::Error::success();
}
