//===- RotationEstimate.cpp - Error of a product with and without rotation ===//

#include "RotationEstimate.h"

#include "../Reorder/PermutationSearch.h"

#include "quill/Dialect/Quill/IR/BlockArithmetic.h"
#include "quill/Dialect/Quill/IR/Hadamard.h"
#include "quill/Dialect/Quill/IR/QuantArithmetic.h"
#include "quill/Quantization/SignalToNoise.h"

#include "mlir/IR/Matchers.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::quill;

namespace {

constexpr int64_t kMaxColumns = 128;

/// Rounds `values` to `bits`-bit integers at `scale` and `zeroPoint`, by
/// quill.quantize's element rules.
void roundToGrid(MutableArrayRef<float> values, double scale, int64_t zeroPoint,
                 StorageRange range) {
  if (scale <= 0.0)
    return;
  ElementParams params{scale, zeroPoint};
  for (float &value : values)
    value = float(dequantizeElement(
        quantizeElement(value, params, range, /*wide=*/false), params,
        /*wide=*/false));
}

float absMaxOf(ArrayRef<float> values) {
  float result = 0.0f;
  for (float value : values)
    result = std::max(result, std::abs(value));
  return result;
}

/// Rounds `values` to the fp8 format at a scale that maps `absMax` to the
/// format's largest value.
void roundToFP8(MutableArrayRef<float> values, float absMax,
                const llvm::fltSemantics &semantics, float largest) {
  if (absMax == 0.0f)
    return;
  float scale = absMax / largest;
  for (float &value : values)
    value = decodeSmallFloat(encodeSmallFloat(value / scale, semantics),
                             semantics) *
            scale;
}

/// The format's quantization of one weight column (along the reduction
/// axis) and of a batch of activation rows.
struct ProductQuantizer {
  const HadamardRotationOptions &options;
  BlockQuantizer blocks;
  bool usesBlocks = false;

  explicit ProductQuantizer(const HadamardRotationOptions &options)
      : options(options) {
    QuantFormat format = *options.format;
    blocks.format = getBlockFormat(format);
    blocks.activations = quantizesActivations(format);
    bool int4 =
        format == QuantFormat::Int4 || format == QuantFormat::Int4Weights;
    blocks.blockSize = blocks.format
                           ? getBlockFormatRules(*blocks.format).blockSize
                           : options.weightBlockSize;
    blocks.activationBlockSize = options.activationBlockSize;
    usesBlocks = blocks.format.has_value() || (int4 && blocks.blockSize > 0);
  }

  void quantizeWeight(MutableArrayRef<float> column, float tensorScale) const {
    QuantFormat format = *options.format;
    if (usesBlocks)
      return blocks.quantizeWeight(column, tensorScale);
    float absMax = absMaxOf(column);
    switch (format) {
    case QuantFormat::Int8:
      return roundToGrid(column, absMax / 127.0, 0, {-127, 127});
    case QuantFormat::Int4:
    case QuantFormat::Int4Weights:
      return roundToGrid(column, absMax / 7.0, 0, {-7, 7});
    case QuantFormat::FP8E4M3:
      return roundToFP8(column, absMax, llvm::APFloat::Float8E4M3FN(), 448);
    case QuantFormat::FP8E5M2:
      return roundToFP8(column, absMax, llvm::APFloat::Float8E5M2(), 57344);
    default:
      return;
    }
  }

  /// Rows quantized per tensor over their own range (what calibration
  /// would fix), or per block.
  void quantizeActivations(std::vector<std::vector<float>> &rows,
                           float tensorScale) const {
    QuantFormat format = *options.format;
    if (!quantizesActivations(format))
      return;
    if (blocks.format ||
        (format == QuantFormat::Int4 && options.activationBlockSize > 0)) {
      for (std::vector<float> &row : rows)
        blocks.quantizeActivation(row, tensorScale);
      return;
    }
    float low = 0.0f, high = 0.0f;
    for (const std::vector<float> &row : rows)
      for (float value : row) {
        low = std::min(low, value);
        high = std::max(high, value);
      }
    float absMax = std::max(-low, high);
    for (std::vector<float> &row : rows) {
      switch (format) {
      case QuantFormat::Int8: {
        double scale = (double(high) - low) / 255.0;
        roundToGrid(row, scale,
                    scale > 0 ? int64_t(std::nearbyint(-low / scale)) : 0,
                    {0, 255});
        break;
      }
      case QuantFormat::Int4: {
        double scale = (double(high) - low) / 15.0;
        roundToGrid(row, scale,
                    scale > 0 ? int64_t(std::nearbyint(-low / scale)) : 0,
                    {0, 15});
        break;
      }
      case QuantFormat::FP8E4M3:
        roundToFP8(row, absMax, llvm::APFloat::Float8E4M3FN(), 448);
        break;
      case QuantFormat::FP8E5M2:
        roundToFP8(row, absMax, llvm::APFloat::Float8E5M2(), 57344);
        break;
      default:
        break;
      }
    }
  }
};

float nvfp4TensorScale(const std::vector<std::vector<float>> &vectors) {
  float absMax = 0.0f;
  for (const std::vector<float> &values : vectors)
    absMax = std::max(absMax, absMaxOf(values));
  return getNVFP4TensorScale(absMax);
}

void rotate(std::vector<std::vector<float>> &vectors, int64_t blockSize,
            uint64_t seed) {
  if (!blockSize || vectors.empty())
    return;
  SmallVector<float> signs = getRandomSigns(vectors.front().size(), seed);
  std::vector<double> wide;
  for (std::vector<float> &values : vectors) {
    wide.assign(values.begin(), values.end());
    applyHadamard(wide, blockSize, signs);
    std::copy(wide.begin(), wide.end(), values.begin());
  }
}

} // namespace

ProductSamples
mlir::quill::getProductSamples(const QuantizableOp &product,
                               const CalibrationStatistics *statistics) {
  ProductSamples samples;
  DenseFPElementsAttr weight;
  if (!matchPattern(product.weight->get(), m_Constant(&weight)))
    return samples;
  ReductionAxes axes = getReductionAxes(product);
  ArrayRef<int64_t> shape = weight.getType().getShape();
  int64_t size = shape[axes.weight], allColumns = shape[1 - axes.weight];
  int64_t stride = (allColumns + kMaxColumns - 1) / kMaxColumns;
  samples.size = size;
  samples.columns.assign((allColumns + stride - 1) / stride,
                         std::vector<float>(size));
  int64_t index = 0;
  for (float value : weight.getValues<float>()) {
    int64_t k = axes.weight == 0 ? index / allColumns : index % size;
    int64_t column = axes.weight == 0 ? index % allColumns : index / size;
    if (column % stride == 0)
      samples.columns[column / stride][k] = value;
    ++index;
  }
  if (!statistics)
    return samples;
  std::optional<std::string> name =
      getStatisticsName(product.activation->get());
  auto found = name ? statistics->find(*name) : statistics->end();
  if (found == statistics->end() || !found->second.getChannels())
    return samples;
  const ChannelStatistics &channels = *found->second.getChannels();
  if (int64_t(channels.getChannelCount()) == size &&
      channels.getAxis() == axes.activation)
    samples.rows = channels.getRows();
  return samples;
}

double
mlir::quill::estimateProductSqnr(const ProductSamples &samples,
                                 int64_t blockSize,
                                 const HadamardRotationOptions &options) {
  ProductQuantizer quantizer(options);
  bool nvfp4 = options.format == QuantFormat::NVFP4 ||
               options.format == QuantFormat::NVFP4Weights;
  std::vector<std::vector<float>> columns = samples.columns;
  std::vector<std::vector<float>> rows = samples.rows;
  rotate(columns, blockSize, options.seed);
  rotate(rows, blockSize, options.seed);
  std::vector<std::vector<float>> quantizedColumns = columns;
  float weightScale = nvfp4 ? nvfp4TensorScale(columns) : 1.0f;
  for (std::vector<float> &column : quantizedColumns)
    quantizer.quantizeWeight(column, weightScale);
  SignalToNoise error;
  if (rows.empty()) {
    // The weight alone; rotation is orthogonal, so its error in the
    // rotated basis is its error in the original one.
    for (auto [exact, quantized] : llvm::zip(columns, quantizedColumns))
      for (auto [a, b] : llvm::zip(exact, quantized))
        error.add(a, b);
    return error.getDecibels();
  }
  std::vector<std::vector<float>> quantizedRows = rows;
  quantizer.quantizeActivations(quantizedRows,
                                nvfp4 ? nvfp4TensorScale(rows) : 1.0f);
  for (auto [row, quantizedRow] : llvm::zip(rows, quantizedRows))
    for (auto [column, quantizedColumn] :
         llvm::zip(columns, quantizedColumns)) {
      double exact = 0.0, approximate = 0.0;
      for (int64_t i = 0; i < samples.size; ++i) {
        exact += double(row[i]) * column[i];
        approximate += double(quantizedRow[i]) * quantizedColumn[i];
      }
      error.add(exact, approximate);
    }
  return error.getDecibels();
}
