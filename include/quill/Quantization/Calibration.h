//===- Calibration.h - Activation statistics and range calibrators -*- C++
//-*-===//
//
// What calibration keeps of each observed tensor (min, max, a histogram of
// |x|) and how a calibrator turns that into the clipping range of its
// quantization: the conventions of TensorRT and ONNX Runtime, formulas in
// ../shared/docs/TECHNIQUES.md section 1. Statistics are saved as JSON so a
// calibration runs once.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_QUANTIZATION_CALIBRATION_H
#define QUILL_QUANTIZATION_CALIBRATION_H

#include "quill/Quantization/ChannelStatistics.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <cstdint>
#include <optional>
#include <string>

namespace mlir::quill {

/// How a clipping range is chosen; spelled max, percentile, entropy, mse
/// (Options.h).
enum class Calibrator { Max, Percentile, Entropy, MSE };

/// Running statistics of one tensor over the calibration samples.
class TensorStatistics {
public:
  static constexpr int64_t kBins = 2048;

  /// Adds values to the statistics. The histogram covers [0, histogramMax]
  /// in kBins equal bins; a larger |x| grows the range by a whole factor, so
  /// old bins merge into new ones exactly.
  void observe(llvm::ArrayRef<float> values);

  double getMin() const { return min; }
  double getMax() const { return max; }
  uint64_t getCount() const { return count; }
  double getHistogramMax() const { return histogramMax; }
  llvm::ArrayRef<uint64_t> getHistogram() const { return histogram; }
  double getBinWidth() const { return histogramMax / kBins; }

  /// Per-channel statistics, when calibration was asked for them (channel
  /// reordering) and the tensor is a quantizable op's activation.
  const std::optional<ChannelStatistics> &getChannels() const {
    return channels;
  }
  ChannelStatistics &observeChannels() {
    if (!channels)
      channels.emplace();
    return *channels;
  }

  llvm::json::Value toJSON() const;
  static llvm::Expected<TensorStatistics>
  fromJSON(const llvm::json::Value &value);

private:
  void growTo(double absMax);

  std::optional<ChannelStatistics> channels;

  double min = 0.0, max = 0.0;
  uint64_t count = 0;
  double histogramMax = 0.0;
  llvm::SmallVector<uint64_t> histogram;
};

struct CalibratorOptions {
  Calibrator calibrator = Calibrator::Max;
  /// For the percentile calibrator: the share of |x| kept, in percent.
  double percentile = 99.99;
  /// The quantized width the range is chosen for.
  unsigned bits = 8;
};

/// The largest magnitude the quantization represents: max |x|, the
/// percentile's bin edge, the KL-divergence-minimizing edge (TensorRT's
/// method, the last minimum) or the squared-error-minimizing edge.
double chooseAbsMax(const TensorStatistics &statistics,
                    const CalibratorOptions &options);

/// Statistics of every observed tensor by name.
using CalibrationStatistics = llvm::StringMap<TensorStatistics>;

llvm::Error writeCalibrationStatistics(const CalibrationStatistics &statistics,
                                       llvm::StringRef path);
llvm::Expected<CalibrationStatistics>
readCalibrationStatistics(llvm::StringRef path);

} // namespace mlir::quill

#endif // QUILL_QUANTIZATION_CALIBRATION_H
