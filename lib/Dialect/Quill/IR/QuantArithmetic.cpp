//===- QuantArithmetic.cpp - Scalar quantization rules --------------------===//

#include "quill/Dialect/Quill/IR/QuantArithmetic.h"

#include "quill/Dialect/Quill/IR/Quill.h"

#include "mlir/Dialect/Utils/IndexingUtils.h"
#include "mlir/IR/BuiltinAttributes.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::quill;

std::function<ElementParams(int64_t)>
mlir::quill::getElementParams(Type type, ArrayRef<int64_t> shape) {
  if (auto perTensor = dyn_cast<quant::UniformQuantizedType>(type)) {
    ElementParams params{perTensor.getScale(), perTensor.getZeroPoint()};
    return [params](int64_t) { return params; };
  }
  SmallVector<int64_t> strides = computeStrides(shape);

  if (auto floatQuant = dyn_cast<FloatQuantType>(type)) {
    SmallVector<double> scales(floatQuant.getScales().asArrayRef());
    std::optional<int32_t> axis = floatQuant.getAxis();
    int64_t stride = axis ? strides[*axis] : 1, size = axis ? shape[*axis] : 1;
    return [=](int64_t index) {
      return ElementParams{scales[(index / stride) % size], 0};
    };
  }

  if (auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(type)) {
    int64_t axis = perAxis.getQuantizedDimension();
    SmallVector<double> scales(perAxis.getScales());
    SmallVector<int64_t> zeroPoints(perAxis.getZeroPoints());
    int64_t stride = strides[axis], size = shape[axis];
    return [=](int64_t index) {
      int64_t channel = (index / stride) % size;
      return ElementParams{scales[channel], zeroPoints[channel]};
    };
  }

  auto perBlock = cast<quant::UniformQuantizedSubChannelType>(type);
  SmallVector<int64_t> blockSizes(shape);
  for (auto [axis, blockSize] : perBlock.getBlockSizeInfo())
    blockSizes[axis] = blockSize;
  SmallVector<double> scales;
  for (APFloat scale : perBlock.getScales().getValues<APFloat>())
    scales.push_back(scale.convertToDouble());
  SmallVector<int64_t> zeroPoints = getBlockZeroPoints(perBlock);
  SmallVector<int64_t> shapeCopy(shape);
  return [=](int64_t index) {
    // The block's row-major index in the scales tensor.
    int64_t block = 0;
    for (size_t d = 0; d < shapeCopy.size(); ++d) {
      int64_t coordinate = (index / strides[d]) % shapeCopy[d];
      block =
          block * (shapeCopy[d] / blockSizes[d]) + coordinate / blockSizes[d];
    }
    return ElementParams{scales[block], zeroPoints[block]};
  };
}

int64_t mlir::quill::quantizeElement(double x, ElementParams params,
                                     StorageRange range, bool wide) {
  if (std::isnan(x))
    return std::clamp(params.zeroPoint, range.min, range.max);
  double scaled = wide ? x / params.scale
                       : static_cast<double>(static_cast<float>(x) /
                                             static_cast<float>(params.scale));
  // std::nearbyint rounds half to even in the default rounding mode.
  double rounded =
      std::nearbyint(scaled) + static_cast<double>(params.zeroPoint);
  rounded = std::clamp(rounded, static_cast<double>(range.min),
                       static_cast<double>(range.max));
  return static_cast<int64_t>(rounded);
}

double mlir::quill::dequantizeElement(int64_t q, ElementParams params,
                                      bool wide) {
  int64_t centered = q - params.zeroPoint;
  if (wide)
    return static_cast<double>(centered) * params.scale;
  return static_cast<double>(static_cast<float>(centered) *
                             static_cast<float>(params.scale));
}

APFloat mlir::quill::quantizeFloatElement(double x, double scale,
                                          FloatType storage, bool wide) {
  const llvm::fltSemantics &semantics = storage.getFloatSemantics();
  if (std::isnan(x))
    return APFloat::getNaN(semantics);
  double scaled = wide ? x / scale
                       : static_cast<double>(static_cast<float>(x) /
                                             static_cast<float>(scale));
  double largest = APFloat::getLargest(semantics).convertToDouble();
  scaled = std::clamp(scaled, -largest, largest);
  APFloat result(scaled);
  bool losesInfo;
  result.convert(semantics, APFloat::rmNearestTiesToEven, &losesInfo);
  return result;
}

double mlir::quill::dequantizeFloatElement(const APFloat &q, double scale,
                                           bool wide) {
  double value = q.convertToDouble();
  if (wide)
    return value * scale;
  return static_cast<double>(static_cast<float>(value) *
                             static_cast<float>(scale));
}

DenseElementsAttr mlir::quill::getFloatElements(RankedTensorType type,
                                                ArrayRef<double> values) {
  const llvm::fltSemantics &semantics =
      cast<FloatType>(type.getElementType()).getFloatSemantics();
  SmallVector<APFloat> elements;
  elements.reserve(values.size());
  for (double value : values) {
    APFloat element(value);
    bool losesInfo;
    element.convert(semantics, APFloat::rmNearestTiesToEven, &losesInfo);
    elements.push_back(element);
  }
  return DenseElementsAttr::get(type, elements);
}

int64_t mlir::quill::requantizeElement(int64_t x, int32_t multiplier,
                                       int8_t shift, int64_t inputZeroPoint,
                                       int64_t outputZeroPoint,
                                       int64_t clampMin, int64_t clampMax) {
  // The op's semantics are exact; 128 bits hold any 33-bit difference times a
  // 31-bit multiplier plus the rounding term.
  __int128 product = static_cast<__int128>(x - inputZeroPoint) * multiplier;
  __int128 rounded =
      (product + (static_cast<__int128>(1) << (shift - 1))) >> shift;
  __int128 result = rounded + outputZeroPoint;
  return static_cast<int64_t>(std::clamp<__int128>(result, clampMin, clampMax));
}

std::optional<DyadicMultiplier>
mlir::quill::getDyadicMultiplier(double realMultiplier) {
  if (!(realMultiplier > 0.0) || !std::isfinite(realMultiplier))
    return std::nullopt;
  int exponent = 0;
  double mantissa = std::frexp(realMultiplier, &exponent);
  int64_t multiplier = std::llround(mantissa * double(int64_t(1) << 31));
  int64_t shift = 31 - exponent;
  if (multiplier == int64_t(1) << 31) {
    multiplier >>= 1;
    --shift;
  }
  if (shift > 62) {
    multiplier >>= std::min<int64_t>(shift - 62, 31);
    shift = 62;
  }
  if (shift < 1 || multiplier == 0)
    return std::nullopt;
  return DyadicMultiplier{int32_t(multiplier), int8_t(shift)};
}
