//===- PermutationSearch.cpp - Choosing a channel group's permutation -----===//

#include "PermutationSearch.h"

#include "quill/Dialect/Quill/IR/BlockArithmetic.h"
#include "quill/Dialect/Quill/IR/QuantArithmetic.h"
#include "quill/Quantization/QuantizableOps.h"

#include "mlir/IR/Matchers.h"

#include <cmath>
#include <numeric>

using namespace mlir;
using namespace mlir::quill;

namespace {

/// Each block of `values` quantized and dequantized in place.
void forEachBlock(MutableArrayRef<float> values, int64_t blockSize,
                  function_ref<void(MutableArrayRef<float>)> quantize) {
  for (size_t start = 0; start < values.size(); start += blockSize)
    quantize(values.slice(start,
                          std::min<size_t>(blockSize, values.size() - start)));
}

void decodeInPlace(const BlockFormatRules &rules, MutableArrayRef<float> block,
                   ArrayRef<uint8_t> codes, uint8_t scale, float tensorScale) {
  for (auto [value, code] : llvm::zip(block, codes))
    value = dequantizeBlockElement(rules, code, scale, tensorScale);
}

/// Symmetric int4 at max|x| / 7, by the element rules of quill.quantize.
void quantizeInt4(MutableArrayRef<float> block) {
  float absMax = 0.0f;
  for (float value : block)
    absMax = std::max(absMax, std::abs(value));
  if (absMax == 0.0f)
    return;
  ElementParams params{absMax / 7.0f, 0};
  for (float &value : block)
    value = float(dequantizeElement(
        quantizeElement(value, params, {-7, 7}, /*wide=*/false), params,
        /*wide=*/false));
}

double rms(ArrayRef<double> values) {
  double sum = 0.0;
  for (double value : values)
    sum += value * value;
  return values.empty() ? 0.0 : std::sqrt(sum / values.size());
}

} // namespace

void BlockQuantizer::quantizeWeight(MutableArrayRef<float> values,
                                    float tensorScale) const {
  forEachBlock(values, blockSize, [&](MutableArrayRef<float> block) {
    if (!format)
      return quantizeInt4(block);
    BlockFormatRules rules = getBlockFormatRules(*format);
    SmallVector<uint8_t> codes(block.size());
    uint8_t scale = quantizeBlockLeastError(rules, block, tensorScale, codes);
    decodeInPlace(rules, block, codes, scale, tensorScale);
  });
}

void BlockQuantizer::quantizeActivation(MutableArrayRef<float> values,
                                        float tensorScale) const {
  if (!activations)
    return;
  if (!format)
    return forEachBlock(values, activationBlockSize, quantizeInt4);
  forEachBlock(values, blockSize, [&](MutableArrayRef<float> block) {
    BlockFormatRules rules = getBlockFormatRules(*format);
    SmallVector<uint8_t> codes(block.size());
    BlockScaleRounding blockRounding =
        *format == BlockFormat::NVFP4 ? BlockScaleRounding::Floor : rounding;
    uint8_t scale =
        quantizeBlock(rules, block, tensorScale, blockRounding, codes);
    decodeInPlace(rules, block, codes, scale, tensorScale);
  });
}

ConsumerSamples
mlir::quill::getConsumerSamples(const ChannelConsumer &consumer,
                                const ChannelReorderingOptions &options) {
  ConsumerSamples samples;
  samples.offset = consumer.offset;
  samples.size = consumer.size;
  DenseFPElementsAttr weight;
  matchPattern(consumer.weight->get(), m_Constant(&weight));
  ArrayRef<int64_t> shape = weight.getType().getShape();
  int64_t channels = shape[consumer.weightAxis];
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < consumer.weightAxis; ++d)
    outer *= shape[d];
  for (int64_t d = consumer.weightAxis + 1; d < int64_t(shape.size()); ++d)
    inner *= shape[d];
  // Every stride-th column is enough to compare candidates, and keeps the
  // search linear in the channels for LLM-sized weights.
  int64_t allColumns = outer * inner;
  int64_t stride = (allColumns + ConsumerSamples::kMaxColumns - 1) /
                   ConsumerSamples::kMaxColumns;
  samples.columns = (allColumns + stride - 1) / stride;
  samples.weight.resize(channels * samples.columns);
  double weightAbsMax = 0.0;
  std::vector<double> norms(channels, 0.0);
  int64_t index = 0;
  for (APFloat element : weight.getValues<APFloat>()) {
    float value = element.convertToFloat();
    int64_t o = index / (channels * inner), k = index / inner % channels,
            i = index % inner, column = o * inner + i;
    if (column % stride == 0)
      samples.weight[k * samples.columns + column / stride] = value;
    norms[k] += double(value) * value;
    weightAbsMax = std::max(weightAbsMax, std::abs(double(value)));
    ++index;
  }
  for (double &norm : norms)
    norm = std::sqrt(norm);
  samples.statistics[ChannelStatistic::WeightNorm] = std::move(norms);
  bool isNVFP4 = options.format == QuantFormat::NVFP4 ||
                 options.format == QuantFormat::NVFP4Weights;
  if (isNVFP4)
    samples.weightTensorScale = getNVFP4TensorScale(weightAbsMax);

  if (!options.statistics)
    return samples;
  std::optional<std::string> name =
      getStatisticsName(consumer.activation->get());
  auto found =
      name ? options.statistics->find(*name) : options.statistics->end();
  if (found == options.statistics->end() || !found->second.getChannels())
    return samples;
  const ChannelStatistics &channelStatistics = *found->second.getChannels();
  if (int64_t(channelStatistics.getChannelCount()) != channels ||
      channelStatistics.getAxis() != consumer.activationAxis)
    return samples;
  for (ChannelStatistic statistic :
       {ChannelStatistic::AbsMax, ChannelStatistic::MeanAbs,
        ChannelStatistic::RMS})
    samples.statistics[statistic] = channelStatistics.get(statistic);
  samples.rows = channelStatistics.getRows();
  if (isNVFP4) {
    const TensorStatistics &tensor = found->second;
    samples.activationTensorScale = getNVFP4TensorScale(
        std::max(std::abs(tensor.getMin()), std::abs(tensor.getMax())));
  }
  return samples;
}

std::optional<std::vector<int64_t>> mlir::quill::makePermutation(
    const ChannelGroup &group, ArrayRef<ConsumerSamples> consumers,
    ReorderObjective objective, ChannelStatistic statistic, int64_t blockSize) {
  // Each consumer's statistic relative to its own RMS, combined by root sum
  // of squares where consumers share channels.
  std::vector<double> magnitude(group.size, 0.0);
  for (const ConsumerSamples &consumer : consumers) {
    auto found = consumer.statistics.find(statistic);
    if (found == consumer.statistics.end())
      return std::nullopt;
    double norm = rms(found->second);
    if (norm == 0.0)
      continue;
    for (auto [c, value] : llvm::enumerate(found->second))
      magnitude[(consumer.offset + c) % group.size] +=
          (value / norm) * (value / norm);
  }

  std::vector<int64_t> permutation(group.size);
  SmallVector<int64_t> ends(group.cuts.begin() + 1, group.cuts.end());
  ends.push_back(group.size);
  for (auto [start, end] : llvm::zip(group.cuts, ends)) {
    std::vector<int64_t> ranked(end - start);
    std::iota(ranked.begin(), ranked.end(), start);
    llvm::sort(ranked, [&](int64_t a, int64_t b) {
      return magnitude[a] != magnitude[b] ? magnitude[a] > magnitude[b] : a < b;
    });
    if (objective == ReorderObjective::Group) {
      llvm::copy(ranked, permutation.begin() + start);
      continue;
    }
    // Spread: deal the ranked channels to the segment's blocks in turn.
    int64_t length = end - start;
    int64_t blocks = (length + blockSize - 1) / blockSize;
    SmallVector<int64_t> filled(blocks, 0);
    int64_t block = 0;
    for (int64_t channel : ranked) {
      while (filled[block] == std::min(blockSize, length - block * blockSize))
        block = (block + 1) % blocks;
      permutation[start + block * blockSize + filled[block]++] = channel;
      block = (block + 1) % blocks;
    }
  }
  return permutation;
}

SignalToNoise mlir::quill::measureError(const ConsumerSamples &consumer,
                                        ArrayRef<int64_t> permutation,
                                        const BlockQuantizer &quantizer) {
  int64_t size = consumer.size, columns = consumer.columns;
  std::vector<int64_t> local(size);
  for (int64_t i = 0; i < size; ++i)
    local[i] = permutation.empty()
                   ? i
                   : getPermutedChannel(permutation, permutation.size(),
                                        consumer.offset, i);

  // The permuted weight, quantized along the channels column by column.
  std::vector<float> quantized(size * columns), column(size);
  for (int64_t j = 0; j < columns; ++j) {
    for (int64_t i = 0; i < size; ++i)
      column[i] = consumer.weight[local[i] * columns + j];
    quantizer.quantizeWeight(column, consumer.weightTensorScale);
    for (int64_t i = 0; i < size; ++i)
      quantized[i * columns + j] = column[i];
  }
  SignalToNoise error;
  if (consumer.rows.empty()) {
    for (int64_t i = 0; i < size; ++i)
      for (int64_t j = 0; j < columns; ++j)
        error.add(consumer.weight[local[i] * columns + j],
                  quantized[i * columns + j]);
    return error;
  }
  std::vector<float> row(size);
  std::vector<double> exact(columns), approximate(columns);
  for (const std::vector<float> &sample : consumer.rows) {
    for (int64_t i = 0; i < size; ++i)
      row[i] = sample[local[i]];
    std::fill(exact.begin(), exact.end(), 0.0);
    for (int64_t i = 0; i < size; ++i)
      for (int64_t j = 0; j < columns; ++j)
        exact[j] += double(row[i]) * consumer.weight[local[i] * columns + j];
    quantizer.quantizeActivation(row, consumer.activationTensorScale);
    std::fill(approximate.begin(), approximate.end(), 0.0);
    for (int64_t i = 0; i < size; ++i)
      for (int64_t j = 0; j < columns; ++j)
        approximate[j] += double(row[i]) * quantized[i * columns + j];
    for (int64_t j = 0; j < columns; ++j)
      error.add(exact[j], approximate[j]);
  }
  return error;
}
