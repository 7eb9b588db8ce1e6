//===- ReorderChannels.cpp - Permuting channels for block formats ---------===//
//
// Chooses each channel group's permutation (PermutationSearch.h) and folds
// it into the IR: constants are permuted at compile time, a graph input
// that carries a group is gathered once on entry and a returned value
// gathered back into its order, so the function stays the same.
//
//===----------------------------------------------------------------------===//

#include "../StatisticsOption.h"
#include "quill/Quantization/ChannelReordering.h"

#include "ChannelGroups.h"
#include "PermutationSearch.h"

#include "quill/Dialect/Quill/IR/BlockArithmetic.h"
#include "quill/Dialect/Quill/IR/Quill.h"
#include "quill/Quantization/Passes.h"
#include "quill/Quantization/QuantizableOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Matchers.h"
#include "llvm/Support/FormatVariadic.h"

namespace mlir::quill {
#define GEN_PASS_DEF_REORDERCHANNELSPASS
#include "quill/Quantization/Passes.h.inc"
} // namespace mlir::quill

using namespace mlir;
using namespace mlir::quill;

llvm::cl::ValuesClass mlir::quill::getReorderObjectiveValues() {
  return llvm::cl::values(
      clEnumValN(ReorderObjective::Auto, "auto",
                 "per channel group, the least estimated error among no "
                 "permutation, group and spread"),
      clEnumValN(ReorderObjective::Group, "group",
                 "sort so that each block holds similar magnitudes"),
      clEnumValN(ReorderObjective::Spread, "spread",
                 "deal the largest channels over the blocks"));
}

llvm::cl::ValuesClass mlir::quill::getReorderStatisticValues() {
  return llvm::cl::values(
      clEnumValN(ReorderStatistic::Auto, "auto",
                 "objective=auto: every statistic at hand; otherwise max "
                 "with calibration statistics, weight-norm without"),
      clEnumValN(ReorderStatistic::WeightNorm, "weight-norm",
                 "the L2 norm of the consumers' weight rows (no data)"),
      clEnumValN(ReorderStatistic::AbsMax, "max",
                 "max |x| over the calibration samples"),
      clEnumValN(ReorderStatistic::MeanAbs, "mean-abs",
                 "mean |x| over the calibration samples"),
      clEnumValN(ReorderStatistic::RMS, "rms",
                 "root mean square over the calibration samples"));
}

llvm::StringRef mlir::quill::getReorderObjectiveName(ReorderObjective o) {
  switch (o) {
  case ReorderObjective::Auto:
    return "auto";
  case ReorderObjective::Group:
    return "group";
  case ReorderObjective::Spread:
    return "spread";
  }
  llvm_unreachable("unknown objective");
}

llvm::StringRef mlir::quill::getChannelStatisticName(ChannelStatistic s) {
  switch (s) {
  case ChannelStatistic::WeightNorm:
    return "weight-norm";
  case ChannelStatistic::AbsMax:
    return "max";
  case ChannelStatistic::MeanAbs:
    return "mean-abs";
  case ChannelStatistic::RMS:
    return "rms";
  }
  llvm_unreachable("unknown statistic");
}

std::optional<ChannelStatistic>
mlir::quill::getChannelStatistic(ReorderStatistic statistic) {
  switch (statistic) {
  case ReorderStatistic::Auto:
    return std::nullopt;
  case ReorderStatistic::WeightNorm:
    return ChannelStatistic::WeightNorm;
  case ReorderStatistic::AbsMax:
    return ChannelStatistic::AbsMax;
  case ReorderStatistic::MeanAbs:
    return ChannelStatistic::MeanAbs;
  case ReorderStatistic::RMS:
    return ChannelStatistic::RMS;
  }
  llvm_unreachable("unknown statistic");
}

namespace {

/// `values` with the row-major joint index over `axes` permuted: the
/// result's channel i is the input's channel permutation[i].
DenseElementsAttr permuteElements(DenseElementsAttr values,
                                  ArrayRef<int64_t> axes,
                                  ArrayRef<int64_t> permutation) {
  if (values.isSplat())
    return values;
  auto type = cast<RankedTensorType>(values.getType());
  ArrayRef<int64_t> shape = type.getShape();
  int64_t rank = shape.size(), count = type.getNumElements();
  SmallVector<int64_t> strides(rank, 1);
  for (int64_t d = rank - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  // The source of every element.
  SmallVector<int64_t> sources(count);
  SmallVector<int64_t> coordinates(rank);
  for (int64_t index = 0; index < count; ++index) {
    for (int64_t d = 0; d < rank; ++d)
      coordinates[d] = index / strides[d] % shape[d];
    int64_t channel = 0;
    for (int64_t axis : axes)
      channel = channel * shape[axis] + coordinates[axis];
    int64_t source = permutation[channel];
    for (int64_t axis : llvm::reverse(axes)) {
      coordinates[axis] = source % shape[axis];
      source /= shape[axis];
    }
    int64_t sourceIndex = 0;
    for (int64_t d = 0; d < rank; ++d)
      sourceIndex += coordinates[d] * strides[d];
    sources[index] = sourceIndex;
  }
  unsigned bits = type.getElementTypeBitWidth();
  if (bits % 8 == 0) {
    ArrayRef<char> raw = values.getRawData();
    size_t bytes = bits / 8;
    std::vector<char> permuted(raw.size());
    for (int64_t index = 0; index < count; ++index)
      std::memcpy(&permuted[index * bytes], &raw[sources[index] * bytes],
                  bytes);
    return DenseElementsAttr::getFromRawBuffer(type, permuted);
  }
  SmallVector<Attribute> elements(values.getValues<Attribute>());
  SmallVector<Attribute> permuted;
  for (int64_t source : sources)
    permuted.push_back(elements[source]);
  return DenseElementsAttr::get(type, permuted);
}

/// Folds the group permutation into one endpoint.
void permuteEndpoint(const ChannelEndpoint &endpoint,
                     ArrayRef<int64_t> permutation, func::FuncOp function) {
  SmallVector<int64_t> local;
  for (int64_t i = 0; i < endpoint.size; ++i)
    local.push_back(getPermutedChannel(permutation, permutation.size(),
                                       endpoint.offset, i));
  Value value = endpoint.use->get();
  OpBuilder b(endpoint.use->getOwner());
  auto gather = [&](Value data, ArrayRef<int64_t> indices, Location loc) {
    auto indexType =
        RankedTensorType::get({int64_t(indices.size())}, b.getI64Type());
    Value indexConstant = arith::ConstantOp::create(
        b, loc, DenseIntElementsAttr::get(indexType, indices));
    return GatherOp::create(b, loc, data.getType(), data, indexConstant,
                            b.getI64IntegerAttr(endpoint.axes.front()));
  };
  switch (endpoint.kind) {
  case ChannelEndpoint::Kind::Constant: {
    DenseElementsAttr values;
    matchPattern(value, m_Constant(&values));
    endpoint.use->set(arith::ConstantOp::create(
        b, value.getLoc(), permuteElements(values, endpoint.axes, local)));
    return;
  }
  case ChannelEndpoint::Kind::Argument: {
    // Named as the input, whose statistics (per tensor) it shares.
    auto argument = cast<BlockArgument>(value);
    auto name = function.getArgAttrOfType<StringAttr>(argument.getArgNumber(),
                                                      "quill.name");
    Location loc = name ? Location(NameLoc::get(name)) : value.getLoc();
    b.setInsertionPointToStart(&function.getBody().front());
    GatherOp permuted = gather(value, local, loc);
    value.replaceAllUsesExcept(permuted, permuted);
    return;
  }
  case ChannelEndpoint::Kind::Result: {
    SmallVector<int64_t> inverse(local.size());
    for (auto [position, channel] : llvm::enumerate(local))
      inverse[channel] = position;
    endpoint.use->set(gather(value, inverse, value.getLoc()));
    return;
  }
  }
}

/// The statistics to rank a group by.
SmallVector<ChannelStatistic>
getStatisticsToTry(ArrayRef<ConsumerSamples> consumers,
                   const ChannelReorderingOptions &options) {
  if (options.statistic)
    return {*options.statistic};
  auto everyConsumerHas = [&](ChannelStatistic statistic) {
    return llvm::all_of(consumers, [&](const ConsumerSamples &consumer) {
      return consumer.statistics.count(statistic) != 0;
    });
  };
  if (options.objective != ReorderObjective::Auto)
    return {everyConsumerHas(ChannelStatistic::AbsMax)
                ? ChannelStatistic::AbsMax
                : ChannelStatistic::WeightNorm};
  SmallVector<ChannelStatistic> statistics;
  for (ChannelStatistic statistic :
       {ChannelStatistic::WeightNorm, ChannelStatistic::AbsMax,
        ChannelStatistic::MeanAbs, ChannelStatistic::RMS})
    if (everyConsumerHas(statistic))
      statistics.push_back(statistic);
  return statistics;
}

struct Candidate {
  std::string name;
  std::vector<int64_t> permutation;
  /// Per consumer: signal and noise.
  SmallVector<SignalToNoise> errors;
  double total = 0.0;
};

Candidate evaluate(std::string name, std::vector<int64_t> permutation,
                   ArrayRef<ConsumerSamples> consumers,
                   const BlockQuantizer &quantizer) {
  Candidate candidate{std::move(name), std::move(permutation), {}, 0.0};
  for (const ConsumerSamples &consumer : consumers) {
    auto error = measureError(consumer, candidate.permutation, quantizer);
    candidate.errors.push_back(error);
    if (error.signal > 0.0)
      candidate.total += error.noise / error.signal;
  }
  return candidate;
}

FailureOr<BlockQuantizer>
getBlockQuantizer(func::FuncOp function,
                  const ChannelReorderingOptions &options) {
  BlockQuantizer quantizer;
  quantizer.format = getBlockFormat(options.format);
  quantizer.activations = quantizesActivations(options.format);
  quantizer.activationBlockSize = options.activationBlockSize;
  quantizer.rounding = options.rounding;
  quantizer.blockSize = options.blockSize;
  bool int4 = options.format == QuantFormat::Int4 ||
              options.format == QuantFormat::Int4Weights;
  if (int4 && !options.activationBlockSize)
    quantizer.activations = false;
  if (!quantizer.format && !int4)
    return function.emitError("quill-reorder-channels: format '")
           << getQuantFormatName(options.format)
           << "' has no blocks for a permutation to serve (block formats, "
              "int4 and int4-weights with a block size)";
  if (!quantizer.blockSize && quantizer.format)
    quantizer.blockSize = getBlockFormatRules(*quantizer.format).blockSize;
  if (quantizer.blockSize <= 0)
    return function.emitError("quill-reorder-channels: format '")
           << getQuantFormatName(options.format)
           << "' needs a positive block-size";
  return quantizer;
}

} // namespace

FailureOr<std::vector<ReorderedLayer>>
mlir::quill::reorderChannels(func::FuncOp function,
                             const ChannelReorderingOptions &options) {
  FailureOr<BlockQuantizer> quantizer = getBlockQuantizer(function, options);
  if (failed(quantizer))
    return failure();
  std::vector<ReorderedLayer> layers;
  for (const ChannelGroup &group : findChannelGroups(function)) {
    SmallVector<ConsumerSamples> consumers;
    for (const ChannelConsumer &consumer : group.consumers)
      consumers.push_back(getConsumerSamples(consumer, options));
    Candidate none = evaluate("none", {}, consumers, *quantizer);
    Candidate kept = none;
    if (group.isPermutable()) {
      for (ChannelStatistic statistic :
           getStatisticsToTry(consumers, options)) {
        SmallVector<ReorderObjective> objectives = {options.objective};
        if (options.objective == ReorderObjective::Auto)
          objectives = {ReorderObjective::Group, ReorderObjective::Spread};
        for (ReorderObjective objective : objectives) {
          std::optional<std::vector<int64_t>> permutation = makePermutation(
              group, consumers, objective, statistic, quantizer->blockSize);
          if (!permutation) {
            return group.consumers.front().op->emitError(
                       "quill-reorder-channels: statistic '")
                   << getChannelStatisticName(statistic)
                   << "' needs calibration statistics with channel "
                      "statistics for every activation of its channel group";
          }
          Candidate candidate =
              evaluate((getReorderObjectiveName(objective) + "/" +
                        getChannelStatisticName(statistic))
                           .str(),
                       std::move(*permutation), consumers, *quantizer);
          // Auto keeps a permutation only where it estimates less error.
          bool better = options.objective != ReorderObjective::Auto ||
                        candidate.total < kept.total * (1.0 - 1e-3);
          if (better)
            kept = std::move(candidate);
        }
      }
      bool identity =
          llvm::all_of(llvm::enumerate(kept.permutation), [](auto entry) {
            return entry.value() == int64_t(entry.index());
          });
      if (!identity)
        for (const ChannelEndpoint &endpoint : group.endpoints)
          permuteEndpoint(endpoint, kept.permutation, function);
    }
    for (auto [i, consumer] : llvm::enumerate(group.consumers)) {
      ReorderedLayer layer;
      layer.op = consumer.op;
      layer.name = getStatisticsName(consumer.op->getResult(0)).value_or("");
      layer.groupSize = group.size;
      if (!group.isPermutable())
        layer.refusal =
            (group.refusedAt->getName().getStringRef() + ": " + group.refusal)
                .str();
      layer.kept = kept.name;
      layer.sqnrUnpermuted = none.errors[i].getDecibels();
      layer.sqnrKept = kept.errors[i].getDecibels();
      layers.push_back(std::move(layer));
    }
    if (options.remarks) {
      Operation *first = group.consumers.front().op;
      if (!group.isPermutable()) {
        group.refusedAt->emitRemark("channel group of ")
            << group.size << " channels read by " << group.consumers.size()
            << " op(s) left unpermuted at '"
            << group.refusedAt->getName().getStringRef()
            << "': " << group.refusal;
      } else {
        first->emitRemark("channel group of ")
            << group.size << " channels read by " << group.consumers.size()
            << " op(s): kept " << kept.name
            << ", estimated SQNR of this product "
            << llvm::formatv("{0:f1}", none.errors.front().getDecibels())
            << " dB -> "
            << llvm::formatv("{0:f1}", kept.errors.front().getDecibels())
            << " dB";
      }
    }
  }
  return layers;
}

namespace {

struct ReorderChannelsPass
    : quill::impl::ReorderChannelsPassBase<ReorderChannelsPass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp function = getOperation();
    if (function.isExternal())
      return;
    ChannelReorderingOptions options;
    options.objective = objective;
    options.statistic = getChannelStatistic(statistic);
    options.format = format;
    options.blockSize = blockSize;
    options.activationBlockSize = activationBlockSize;
    options.rounding = blockScaleRounding;
    options.remarks = true;
    FailureOr<std::optional<CalibrationStatistics>> statistics =
        readStatisticsOption(function, "quill-reorder-channels", statsFile);
    if (failed(statistics))
      return signalPassFailure();
    if (*statistics)
      options.statistics = &**statistics;
    if (failed(reorderChannels(function, options)))
      signalPassFailure();
  }
};

} // namespace
