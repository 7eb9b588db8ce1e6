//===- ChannelStatistics.h - Per-channel activation statistics --*- C++ -*-===//
//
// What channel reordering reads from calibration: for an activation that a
// quantizable op sums over, per channel along that axis max |x|, mean |x|
// and RMS, and a uniform sample of its rows (one value per channel) on which
// quill-reorder-channels measures the error of each candidate permutation.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_QUANTIZATION_CHANNELSTATISTICS_H
#define QUILL_QUANTIZATION_CHANNELSTATISTICS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <cstdint>
#include <random>
#include <vector>

namespace mlir::quill {

/// The statistic a channel is ranked by.
enum class ChannelStatistic { WeightNorm, AbsMax, MeanAbs, RMS };

class ChannelStatistics {
public:
  /// Rows kept for error estimates.
  static constexpr size_t kRows = 32;

  /// Adds a tensor of `shape` whose channels lie along `axis`.
  void observe(llvm::ArrayRef<float> values, llvm::ArrayRef<int64_t> shape,
               int64_t axis);

  int64_t getAxis() const { return axis; }
  size_t getChannelCount() const { return absMax.size(); }
  /// The statistic per channel (not WeightNorm).
  std::vector<double> get(ChannelStatistic statistic) const;
  /// Sampled rows, each one value per channel.
  const std::vector<std::vector<float>> &getRows() const { return rows; }

  llvm::json::Value toJSON() const;
  static llvm::Expected<ChannelStatistics>
  fromJSON(const llvm::json::Value &value);

private:
  int64_t axis = 0;
  uint64_t rowsSeen = 0;
  std::vector<double> absMax, sumAbs, sumSquares;
  std::vector<std::vector<float>> rows;
  std::mt19937_64 random{0x5eed};
};

} // namespace mlir::quill

#endif // QUILL_QUANTIZATION_CHANNELSTATISTICS_H
