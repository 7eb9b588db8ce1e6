//===- Calibration.cpp - Activation statistics and range calibrators ------===//

#include "quill/Quantization/Calibration.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace mlir::quill;
using llvm::json::Array;
using llvm::json::Object;

//===----------------------------------------------------------------------===//
// TensorStatistics
//===----------------------------------------------------------------------===//

void TensorStatistics::growTo(double absMax) {
  if (histogram.empty()) {
    histogram.assign(kBins, 0);
    histogramMax = absMax;
    return;
  }
  // Whole-factor growth: bin i of the old histogram lies inside bin
  // i / factor of the new one.
  int64_t factor = int64_t(std::ceil(absMax / histogramMax));
  llvm::SmallVector<uint64_t> grown(kBins, 0);
  for (int64_t bin = 0; bin < kBins; ++bin)
    grown[bin / factor] += histogram[bin];
  histogram = std::move(grown);
  histogramMax *= double(factor);
}

void TensorStatistics::observe(llvm::ArrayRef<float> values) {
  double absMax = 0.0;
  for (float value : values) {
    if (std::isnan(value))
      continue;
    if (count == 0) {
      min = max = value;
    }
    min = std::min<double>(min, value);
    max = std::max<double>(max, value);
    absMax = std::max<double>(absMax, std::abs(value));
    ++count;
  }
  // An empty histogram has histogramMax 0: the first nonzero value starts it.
  if (absMax > histogramMax)
    growTo(absMax);
  if (histogram.empty())
    return;
  double width = getBinWidth();
  for (float value : values) {
    if (std::isnan(value))
      continue;
    int64_t bin = int64_t(std::abs(double(value)) / width);
    ++histogram[std::min(bin, kBins - 1)];
  }
}

llvm::json::Value TensorStatistics::toJSON() const {
  Array bins;
  for (uint64_t value : histogram)
    bins.push_back(int64_t(value));
  Object object{{"min", min},
                {"max", max},
                {"count", int64_t(count)},
                {"histogram_max", histogramMax},
                {"histogram", std::move(bins)}};
  if (channels)
    object["channels"] = channels->toJSON();
  return object;
}

llvm::Expected<TensorStatistics>
TensorStatistics::fromJSON(const llvm::json::Value &value) {
  auto fail = [](const llvm::Twine &message) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
  };
  const Object *object = value.getAsObject();
  if (!object)
    return fail("expected an object");
  TensorStatistics result;
  std::optional<double> min = object->getNumber("min");
  std::optional<double> max = object->getNumber("max");
  std::optional<int64_t> count = object->getInteger("count");
  std::optional<double> histogramMax = object->getNumber("histogram_max");
  const Array *bins = object->getArray("histogram");
  if (!min || !max || !count || !histogramMax || !bins)
    return fail("expected min, max, count, histogram_max and histogram");
  if (*min > *max || *count < 0 || *histogramMax < 0.0)
    return fail("inconsistent min, max, count or histogram_max");
  if (!bins->empty() && int64_t(bins->size()) != kBins)
    return fail("expected " + llvm::Twine(kBins) + " histogram bins, got " +
                llvm::Twine(bins->size()));
  result.min = *min;
  result.max = *max;
  result.count = uint64_t(*count);
  result.histogramMax = *histogramMax;
  for (const llvm::json::Value &bin : *bins) {
    std::optional<int64_t> number = bin.getAsInteger();
    if (!number || *number < 0)
      return fail("expected non-negative integer histogram counts");
    result.histogram.push_back(uint64_t(*number));
  }
  if (const llvm::json::Value *channels = object->get("channels")) {
    llvm::Expected<ChannelStatistics> parsed =
        ChannelStatistics::fromJSON(*channels);
    if (!parsed)
      return parsed.takeError();
    result.channels = std::move(*parsed);
  }
  return result;
}

//===----------------------------------------------------------------------===//
// Calibrators
//===----------------------------------------------------------------------===//

/// The smallest bin edge below which `percentile` percent of |x| lies.
static double percentileAbsMax(const TensorStatistics &statistics,
                               double percentile) {
  llvm::ArrayRef<uint64_t> bins = statistics.getHistogram();
  uint64_t total = 0;
  for (uint64_t count : bins)
    total += count;
  double target = percentile / 100.0 * double(total);
  uint64_t cumulative = 0;
  for (int64_t bin = 0; bin < int64_t(bins.size()); ++bin) {
    cumulative += bins[bin];
    if (double(cumulative) >= target)
      return double(bin + 1) * statistics.getBinWidth();
  }
  return statistics.getHistogramMax();
}

/// KL(P || Q) of unnormalized distributions; a bin where P has mass and Q
/// has none costs as if Q held 1e-12 of it.
static double klDivergence(llvm::ArrayRef<double> p, llvm::ArrayRef<double> q) {
  double pTotal = 0.0, qTotal = 0.0;
  for (size_t i = 0; i < p.size(); ++i) {
    pTotal += p[i];
    qTotal += q[i];
  }
  double divergence = 0.0;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == 0.0)
      continue;
    double pi = p[i] / pTotal;
    double qi = q[i] > 0.0 ? q[i] / qTotal : 1e-12;
    divergence += pi * std::log(pi / qi);
  }
  return divergence;
}

/// TensorRT's entropy calibration: for each candidate edge i, P is the
/// histogram up to i with the clipped tail added to its last bin, Q the same
/// bins merged into 2^(bits-1) groups, each group's mass spread evenly over
/// its non-empty bins; the edge with the smallest KL(P || Q) wins (the last
/// one on ties).
static double entropyAbsMax(const TensorStatistics &statistics, unsigned bits) {
  llvm::ArrayRef<uint64_t> bins = statistics.getHistogram();
  int64_t numBins = bins.size();
  int64_t levels = int64_t(1) << (bits - 1);
  if (numBins < levels)
    return statistics.getHistogramMax();
  double best = std::numeric_limits<double>::infinity();
  int64_t bestEdge = numBins;
  std::vector<double> p, q;
  for (int64_t edge = levels; edge <= numBins; ++edge) {
    p.assign(bins.begin(), bins.begin() + edge);
    for (int64_t bin = edge; bin < numBins; ++bin)
      p[edge - 1] += double(bins[bin]);
    q.assign(edge, 0.0);
    int64_t merged = edge / levels;
    for (int64_t group = 0; group < levels; ++group) {
      int64_t begin = group * merged;
      int64_t end = group == levels - 1 ? edge : begin + merged;
      double mass = 0.0;
      int64_t nonEmpty = 0;
      for (int64_t bin = begin; bin < end; ++bin) {
        mass += double(bins[bin]);
        nonEmpty += bins[bin] != 0;
      }
      for (int64_t bin = begin; bin < end && nonEmpty; ++bin)
        if (bins[bin] != 0)
          q[bin] = mass / double(nonEmpty);
    }
    double divergence = klDivergence(p, q);
    if (divergence <= best) {
      best = divergence;
      bestEdge = edge;
    }
  }
  return double(bestEdge) * statistics.getBinWidth();
}

/// The edge minimizing sum(count * (fakequant(center) - center)^2) over the
/// histogram's bin centers, for symmetric quantization of |x|.
static double mseAbsMax(const TensorStatistics &statistics, unsigned bits) {
  llvm::ArrayRef<uint64_t> bins = statistics.getHistogram();
  double width = statistics.getBinWidth();
  double levels = double((int64_t(1) << (bits - 1)) - 1);
  double best = std::numeric_limits<double>::infinity();
  double bestAbsMax = statistics.getHistogramMax();
  for (int64_t edge = 1; edge <= int64_t(bins.size()); ++edge) {
    double absMax = double(edge) * width;
    double scale = absMax / levels;
    double error = 0.0;
    for (int64_t bin = 0; bin < int64_t(bins.size()); ++bin) {
      if (!bins[bin])
        continue;
      double center = (double(bin) + 0.5) * width;
      double quantized = std::min(std::nearbyint(center / scale), levels);
      double difference = quantized * scale - center;
      error += double(bins[bin]) * difference * difference;
    }
    if (error < best) {
      best = error;
      bestAbsMax = absMax;
    }
  }
  return bestAbsMax;
}

double mlir::quill::chooseAbsMax(const TensorStatistics &statistics,
                                 const CalibratorOptions &options) {
  double absMax =
      std::max(std::abs(statistics.getMin()), std::abs(statistics.getMax()));
  if (statistics.getHistogram().empty())
    return absMax;
  double chosen = absMax;
  switch (options.calibrator) {
  case Calibrator::Max:
    return absMax;
  case Calibrator::Percentile:
    chosen = percentileAbsMax(statistics, options.percentile);
    break;
  case Calibrator::Entropy:
    chosen = entropyAbsMax(statistics, options.bits);
    break;
  case Calibrator::MSE:
    chosen = mseAbsMax(statistics, options.bits);
    break;
  }
  return std::min(chosen, absMax);
}

//===----------------------------------------------------------------------===//
// JSON files
//===----------------------------------------------------------------------===//

llvm::Error
mlir::quill::writeCalibrationStatistics(const CalibrationStatistics &statistics,
                                        llvm::StringRef path) {
  Object tensors;
  for (const auto &entry : statistics)
    tensors[entry.getKey()] = entry.getValue().toJSON();
  std::error_code error;
  llvm::raw_fd_ostream os(path, error);
  if (error)
    return llvm::createStringError(error, "cannot write '" + path +
                                              "': " + error.message());
  os << llvm::json::Value(
      Object{{"version", 1}, {"tensors", std::move(tensors)}});
  return llvm::Error::success();
}

llvm::Expected<CalibrationStatistics>
mlir::quill::readCalibrationStatistics(llvm::StringRef path) {
  auto fail = [&](const llvm::Twine &message) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   path + ": " + message);
  };
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return fail("cannot read: " + buffer.getError().message());
  llvm::Expected<llvm::json::Value> json =
      llvm::json::parse((*buffer)->getBuffer());
  if (!json)
    return fail("not JSON: " + llvm::toString(json.takeError()));
  const Object *root = json->getAsObject();
  const Object *tensors = root ? root->getObject("tensors") : nullptr;
  if (!root || root->getInteger("version") != 1 || !tensors)
    return fail("expected {\"version\": 1, \"tensors\": {...}}");
  CalibrationStatistics statistics;
  for (const auto &entry : *tensors) {
    llvm::Expected<TensorStatistics> tensor =
        TensorStatistics::fromJSON(entry.second);
    if (!tensor)
      return fail("tensor '" + entry.first.str() +
                  "': " + llvm::toString(tensor.takeError()));
    statistics[entry.first.str()] = std::move(*tensor);
  }
  return statistics;
}
