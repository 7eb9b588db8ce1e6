//===- PermutationSearch.h - Choosing a channel group's permutation -*- C++
//-*-//
//
// Candidate permutations of a channel group (sorted by a per-channel
// statistic so that blocks hold similar magnitudes, or dealt round-robin so
// that the largest spread over the blocks) and the error each gives the
// group's consumers when their weights and activations are quantized in
// the format's blocks along the permuted axis.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_LIB_QUANTIZATION_REORDER_PERMUTATIONSEARCH_H
#define QUILL_LIB_QUANTIZATION_REORDER_PERMUTATIONSEARCH_H

#include "ChannelGroups.h"

#include "quill/Quantization/ChannelReordering.h"
#include "quill/Quantization/SignalToNoise.h"

#include <map>
#include <optional>
#include <vector>

namespace mlir::quill {

/// Quantize-dequantize of one block as the target format does it: MX and
/// NVFP4 by BlockArithmetic.h (weights at the scale of least error), int4
/// symmetric at max |x| / 7 (activations too when they are in blocks; per
/// tensor, which no permutation changes, they stay float here).
struct BlockQuantizer {
  std::optional<BlockFormat> format;
  int64_t blockSize = 0;
  bool activations = false;
  /// int4 activations' own block size.
  int64_t activationBlockSize = 0;
  BlockScaleRounding rounding = BlockScaleRounding::Floor;

  void quantizeWeight(MutableArrayRef<float> block, float tensorScale) const;
  void quantizeActivation(MutableArrayRef<float> block,
                          float tensorScale) const;
};

/// A consumer's data, in its own channel order.
struct ConsumerSamples {
  /// At most this many weight columns (evenly strided) are measured.
  static constexpr int64_t kMaxColumns = 128;

  int64_t offset = 0, size = 0;
  /// The measured weight columns as [size][columns]: every other weight
  /// axis indexes a column.
  std::vector<float> weight;
  int64_t columns = 0;
  float weightTensorScale = 1.0f, activationTensorScale = 1.0f;
  /// Sampled activation rows, one value per channel.
  std::vector<std::vector<float>> rows;
  /// The statistics at hand, one value per channel.
  std::map<ChannelStatistic, std::vector<double>> statistics;
};

ConsumerSamples getConsumerSamples(const ChannelConsumer &consumer,
                                   const ChannelReorderingOptions &options);

/// The group's permutation for `objective` (Group or Spread) ranking by
/// `statistic`: position p holds channel result[p]; none when a consumer
/// lacks the statistic.
std::optional<std::vector<int64_t>>
makePermutation(const ChannelGroup &group, ArrayRef<ConsumerSamples> consumers,
                ReorderObjective objective, ChannelStatistic statistic,
                int64_t blockSize);

/// Signal and noise power of one consumer's quantized product over its
/// sampled rows with the group permuted by `permutation` (identity when
/// empty); of its weight alone when it has no rows.
SignalToNoise measureError(const ConsumerSamples &consumer,
                           ArrayRef<int64_t> permutation,
                           const BlockQuantizer &quantizer);

} // namespace mlir::quill

#endif // QUILL_LIB_QUANTIZATION_REORDER_PERMUTATIONSEARCH_H
