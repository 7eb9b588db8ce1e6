//===- ChannelStatistics.cpp - Per-channel activation statistics ----------===//

#include "quill/Quantization/ChannelStatistics.h"

#include "llvm/Support/ErrorHandling.h"

#include <cmath>

using namespace mlir::quill;
using llvm::json::Array;
using llvm::json::Object;

void ChannelStatistics::observe(llvm::ArrayRef<float> values,
                                llvm::ArrayRef<int64_t> shape,
                                int64_t channelAxis) {
  size_t channels = shape[channelAxis];
  if (absMax.empty()) {
    axis = channelAxis;
    absMax.assign(channels, 0.0);
    sumAbs.assign(channels, 0.0);
    sumSquares.assign(channels, 0.0);
  }
  // [outer, channels, inner]: a row is one (outer, inner) position.
  int64_t inner = 1, outer = 1;
  for (int64_t d = channelAxis + 1; d < static_cast<int64_t>(shape.size()); ++d)
    inner *= shape[d];
  for (int64_t d = 0; d < channelAxis; ++d)
    outer *= shape[d];
  std::vector<float> row(channels);
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      for (size_t c = 0; c < channels; ++c) {
        float value = values[(o * channels + c) * inner + i];
        double magnitude = std::isnan(value) ? 0.0 : std::abs(double(value));
        absMax[c] = std::max(absMax[c], magnitude);
        sumAbs[c] += magnitude;
        sumSquares[c] += magnitude * magnitude;
        row[c] = value;
      }
      // Reservoir sampling: every row seen is kept with equal chance.
      if (rows.size() < kRows) {
        rows.push_back(row);
      } else {
        uint64_t slot = random() % (rowsSeen + 1);
        if (slot < kRows)
          rows[slot] = row;
      }
      ++rowsSeen;
    }
  }
}

std::vector<double> ChannelStatistics::get(ChannelStatistic statistic) const {
  std::vector<double> result(absMax.size());
  double count = rowsSeen ? double(rowsSeen) : 1.0;
  for (size_t c = 0; c < result.size(); ++c) {
    switch (statistic) {
    case ChannelStatistic::WeightNorm:
      llvm_unreachable("weight norms come from the weights");
    case ChannelStatistic::AbsMax:
      result[c] = absMax[c];
      break;
    case ChannelStatistic::MeanAbs:
      result[c] = sumAbs[c] / count;
      break;
    case ChannelStatistic::RMS:
      result[c] = std::sqrt(sumSquares[c] / count);
      break;
    }
  }
  return result;
}

llvm::json::Value ChannelStatistics::toJSON() const {
  auto array = [](const std::vector<double> &values) {
    Array result;
    for (double value : values)
      result.push_back(value);
    return result;
  };
  Array sampled;
  for (const std::vector<float> &row : rows) {
    Array values;
    for (float value : row)
      values.push_back(double(value));
    sampled.push_back(std::move(values));
  }
  return Object{{"axis", axis},
                {"rows_seen", int64_t(rowsSeen)},
                {"abs_max", array(absMax)},
                {"sum_abs", array(sumAbs)},
                {"sum_squares", array(sumSquares)},
                {"rows", std::move(sampled)}};
}

llvm::Expected<ChannelStatistics>
ChannelStatistics::fromJSON(const llvm::json::Value &value) {
  auto fail = [](const llvm::Twine &message) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
  };
  const Object *object = value.getAsObject();
  if (!object)
    return fail("'channels' is not an object");
  ChannelStatistics statistics;
  std::optional<int64_t> axis = object->getInteger("axis");
  std::optional<int64_t> rowsSeen = object->getInteger("rows_seen");
  if (!axis || !rowsSeen || *axis < 0 || *rowsSeen < 0)
    return fail("'channels' needs non-negative 'axis' and 'rows_seen'");
  statistics.axis = *axis;
  statistics.rowsSeen = *rowsSeen;
  auto readArray = [&](llvm::StringRef key,
                       std::vector<double> &values) -> llvm::Error {
    const Array *array = object->getArray(key);
    if (!array)
      return fail("'channels' has no '" + key + "' array");
    for (const llvm::json::Value &element : *array) {
      std::optional<double> number = element.getAsNumber();
      if (!number)
        return fail("'channels." + key + "' holds a non-number");
      values.push_back(*number);
    }
    return llvm::Error::success();
  };
  for (auto [key, values] : {std::pair<llvm::StringRef, std::vector<double> *>{
                                 "abs_max", &statistics.absMax},
                             {"sum_abs", &statistics.sumAbs},
                             {"sum_squares", &statistics.sumSquares}})
    if (llvm::Error error = readArray(key, *values))
      return std::move(error);
  size_t channels = statistics.absMax.size();
  if (statistics.sumAbs.size() != channels ||
      statistics.sumSquares.size() != channels)
    return fail("'channels' arrays differ in length");
  const Array *rows = object->getArray("rows");
  if (!rows)
    return fail("'channels' has no 'rows' array");
  for (const llvm::json::Value &row : *rows) {
    const Array *values = row.getAsArray();
    if (!values || values->size() != channels)
      return fail("a row of 'channels.rows' is not one number per channel");
    std::vector<float> parsed;
    for (const llvm::json::Value &element : *values)
      parsed.push_back(float(element.getAsNumber().value_or(0.0)));
    statistics.rows.push_back(std::move(parsed));
  }
  return statistics;
}
