//===- BlockArithmetic.cpp - Scalar rules of the block formats ------------===//

#include "quill/Dialect/Quill/IR/BlockArithmetic.h"

#include "llvm/ADT/bit.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::quill;
using llvm::APFloat;

int64_t BlockFormatRules::storedElementBits() const {
  return elementSemantics
             ? llvm::APFloat::semanticsSizeInBits(*elementSemantics)
             : 8;
}

BlockFormatRules mlir::quill::getBlockFormatRules(BlockFormat format) {
  const llvm::fltSemantics *semantics = nullptr;
  int64_t blockSize = 32;
  switch (format) {
  case BlockFormat::MXFP8_E4M3:
    semantics = &APFloat::Float8E4M3FN();
    break;
  case BlockFormat::MXFP8_E5M2:
    semantics = &APFloat::Float8E5M2();
    break;
  case BlockFormat::MXFP6_E3M2:
    semantics = &APFloat::Float6E3M2FN();
    break;
  case BlockFormat::MXFP6_E2M3:
    semantics = &APFloat::Float6E2M3FN();
    break;
  case BlockFormat::MXFP4_E2M1:
    semantics = &APFloat::Float4E2M1FN();
    break;
  case BlockFormat::MXINT8:
    break;
  case BlockFormat::NVFP4:
    semantics = &APFloat::Float4E2M1FN();
    blockSize = 16;
    break;
  }
  float largest = semantics ? APFloat::getLargest(*semantics).convertToFloat()
                            : 127.0f / 64.0f;
  return {format, semantics, largest, std::ilogb(largest), blockSize};
}

namespace {
/// A small float format's value of every code, and its finite non-negative
/// values by code (ascending with the code), built once from APFloat:
/// encoding is then a search and decoding a lookup, not an APFloat
/// conversion per element (an LLM layer has tens of millions of weights).
struct SmallFloatTable {
  SmallVector<float> values, magnitudes;
  unsigned bits;

  explicit SmallFloatTable(const llvm::fltSemantics &semantics)
      : bits(APFloat::semanticsSizeInBits(semantics)) {
    for (uint32_t code = 0; code < (1u << bits); ++code)
      values.push_back(
          APFloat(semantics, llvm::APInt(bits, code)).convertToFloat());
    for (float value : ArrayRef(values).take_front(1u << (bits - 1))) {
      if (!std::isfinite(value))
        break;
      magnitudes.push_back(value);
    }
  }
};

const SmallFloatTable &getTable(const llvm::fltSemantics &semantics) {
  static const SmallFloatTable e4m3(APFloat::Float8E4M3FN()),
      e5m2(APFloat::Float8E5M2()), e3m2(APFloat::Float6E3M2FN()),
      e2m3(APFloat::Float6E2M3FN()), e2m1(APFloat::Float4E2M1FN());
  if (&semantics == &APFloat::Float8E4M3FN())
    return e4m3;
  if (&semantics == &APFloat::Float8E5M2())
    return e5m2;
  if (&semantics == &APFloat::Float6E3M2FN())
    return e3m2;
  if (&semantics == &APFloat::Float6E2M3FN())
    return e2m3;
  assert(&semantics == &APFloat::Float4E2M1FN() && "not a small float");
  return e2m1;
}
} // namespace

uint8_t mlir::quill::encodeSmallFloat(float x,
                                      const llvm::fltSemantics &semantics) {
  if (std::isnan(x))
    return APFloat::semanticsHasNaN(semantics)
               ? APFloat::getNaN(semantics).bitcastToAPInt().getZExtValue()
               : 0;
  const SmallFloatTable &table = getTable(semantics);
  ArrayRef<float> magnitudes = table.magnitudes;
  float magnitude = std::fabs(x);
  // Saturate, then round to nearest: the neighbours of |x| in the table,
  // ties to the even code (the mantissa's last bit).
  size_t code = magnitudes.size() - 1;
  if (magnitude < magnitudes.back()) {
    code = llvm::lower_bound(magnitudes, magnitude) - magnitudes.begin();
    if (code > 0) {
      float above = magnitudes[code] - magnitude;
      float below = magnitude - magnitudes[code - 1];
      if (below < above || (below == above && code % 2 == 1))
        --code;
    }
  }
  uint8_t sign = std::signbit(x) ? uint8_t(1u << (table.bits - 1)) : 0;
  return uint8_t(code) | sign;
}

float mlir::quill::decodeSmallFloat(uint8_t code,
                                    const llvm::fltSemantics &semantics) {
  const SmallFloatTable &table = getTable(semantics);
  return table.values[code & ((1u << table.bits) - 1)];
}

float mlir::quill::getNVFP4TensorScale(double absMax) {
  double scale = 448.0 * 6.0 / absMax;
  return absMax > 0.0 && std::isfinite(scale) ? float(scale) : 1.0f;
}

float mlir::quill::decodeE8M0(uint8_t code) {
  if (code == 0xFF)
    return NAN;
  return std::ldexp(1.0f, int(code) - 127);
}

/// The OCP shared exponent of a block whose largest magnitude is `amax`, as
/// an E8M0 byte.
static uint8_t getSharedExponent(const BlockFormatRules &rules, float amax,
                                 BlockScaleRounding rounding) {
  if (std::isnan(amax))
    return 0xFF;
  uint32_t bits = llvm::bit_cast<uint32_t>(amax);
  int exponentField = int(bits >> 23) & 0xFF;
  int exponent = (exponentField == 0 ? -127 : exponentField - 127) -
                 rules.elementMaxExponent;
  if (rounding == BlockScaleRounding::Up && exponentField != 0 &&
      exponentField != 0xFF) {
    // amax / 2^exponent lies in [2^emax, 2^(emax+1)): one step up when its
    // mantissa exceeds the largest element's.
    float mantissa = llvm::bit_cast<float>((bits & 0x7FFFFF) | 0x3F800000);
    if (mantissa > std::ldexp(rules.largestElement, -rules.elementMaxExponent))
      ++exponent;
  }
  return uint8_t(std::clamp(exponent, -127, 127) + 127);
}

/// The elements of `block` relative to the given scale byte.
static void quantizeWithScale(const BlockFormatRules &rules,
                              ArrayRef<float> block, float tensorScale,
                              uint8_t scale, MutableArrayRef<uint8_t> codes) {
  if (rules.format == BlockFormat::NVFP4) {
    float scaleValue = decodeSmallFloat(scale, APFloat::Float8E4M3FN());
    for (auto [x, code] : llvm::zip(block, codes))
      code = scaleValue == 0.0f
                 ? 0
                 : encodeSmallFloat((x * tensorScale) / scaleValue,
                                    *rules.elementSemantics);
    return;
  }
  float scaleValue = decodeE8M0(scale);
  for (auto [x, code] : llvm::zip(block, codes)) {
    float scaled = x / scaleValue;
    if (rules.elementSemantics) {
      code = encodeSmallFloat(scaled, *rules.elementSemantics);
      continue;
    }
    float steps =
        std::isnan(scaled)
            ? 0.0f
            : std::clamp(std::nearbyint(scaled * 64.0f), -127.0f, 127.0f);
    code = uint8_t(int8_t(steps));
  }
}

uint8_t mlir::quill::quantizeBlockLeastError(const BlockFormatRules &rules,
                                             ArrayRef<float> block,
                                             float tensorScale,
                                             MutableArrayRef<uint8_t> codes) {
  uint8_t ruled = quantizeBlock(rules, block, tensorScale,
                                BlockScaleRounding::Floor, codes);
  SmallVector<int> candidates;
  if (rules.format == BlockFormat::NVFP4)
    candidates = {ruled - 2, ruled - 1, ruled + 1, ruled + 2};
  else
    candidates = {ruled + 1};
  auto error = [&](uint8_t scale, ArrayRef<uint8_t> trial) {
    double sum = 0.0;
    for (auto [x, code] : llvm::zip(block, trial)) {
      double difference =
          double(x) - dequantizeBlockElement(rules, code, scale, tensorScale);
      sum += difference * difference;
    }
    return sum;
  };
  double best = error(ruled, codes);
  uint8_t bestScale = ruled;
  SmallVector<uint8_t> trial(codes.size());
  // Positive scales only: E8M0 0xFF and E4M3 0x7F are NaN.
  int largestCode = rules.format == BlockFormat::NVFP4 ? 0x7E : 0xFE;
  for (int candidate : candidates) {
    if (candidate < 1 || candidate > largestCode || std::isnan(best))
      continue;
    quantizeWithScale(rules, block, tensorScale, candidate, trial);
    double candidateError = error(candidate, trial);
    if (candidateError < best) {
      best = candidateError;
      bestScale = candidate;
      llvm::copy(trial, codes.begin());
    }
  }
  return bestScale;
}

uint8_t mlir::quill::quantizeBlock(const BlockFormatRules &rules,
                                   ArrayRef<float> block, float tensorScale,
                                   BlockScaleRounding rounding,
                                   MutableArrayRef<uint8_t> codes) {
  float amax = 0.0f;
  for (float x : block)
    amax =
        std::isnan(x) || std::isnan(amax) ? NAN : std::max(amax, std::fabs(x));
  uint8_t scale = rules.format == BlockFormat::NVFP4
                      ? encodeSmallFloat((amax * tensorScale) / 6.0f,
                                         APFloat::Float8E4M3FN())
                      : getSharedExponent(rules, amax, rounding);
  quantizeWithScale(rules, block, tensorScale, scale, codes);
  return scale;
}

float mlir::quill::dequantizeBlockElement(const BlockFormatRules &rules,
                                          uint8_t code, uint8_t scale,
                                          float tensorScale) {
  if (rules.format == BlockFormat::NVFP4) {
    const llvm::fltSemantics &e4m3 = APFloat::Float8E4M3FN();
    return (decodeSmallFloat(code, *rules.elementSemantics) *
            decodeSmallFloat(scale, e4m3)) /
           tensorScale;
  }
  float element = rules.elementSemantics
                      ? decodeSmallFloat(code, *rules.elementSemantics)
                      : float(int8_t(code)) / 64.0f;
  return element * decodeE8M0(scale);
}

void mlir::quill::quantizeInBlocks(
    DenseFPElementsAttr attr, int64_t axis, int64_t blockSize,
    function_ref<uint8_t(ArrayRef<float>, MutableArrayRef<uint8_t>)>
        quantizeOne,
    SmallVectorImpl<uint8_t> &codes, SmallVectorImpl<uint8_t> &scales) {
  SmallVector<float> values;
  values.reserve(attr.getNumElements());
  for (APFloat value : attr.getValues<APFloat>()) {
    bool losesInfo;
    value.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven,
                  &losesInfo);
    values.push_back(value.convertToFloat());
  }
  ArrayRef<int64_t> shape = attr.getType().getShape();
  // Row-major positions (outer, block, j, inner).
  int64_t size = shape[axis], inner = 1;
  for (int64_t dim : shape.drop_front(axis + 1))
    inner *= dim;
  int64_t outer = int64_t(values.size()) / (size * inner);
  int64_t blocksPerRow = size / blockSize;
  codes.assign(values.size(), 0);
  scales.assign(values.size() / blockSize, 0);
  SmallVector<float> block(blockSize);
  SmallVector<uint8_t> blockCodes(blockSize);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t b = 0; b < blocksPerRow; ++b)
      for (int64_t i = 0; i < inner; ++i) {
        auto position = [&](int64_t j) {
          return (o * size + b * blockSize + j) * inner + i;
        };
        for (int64_t j = 0; j < blockSize; ++j)
          block[j] = values[position(j)];
        scales[(o * blocksPerRow + b) * inner + i] =
            quantizeOne(block, blockCodes);
        for (int64_t j = 0; j < blockSize; ++j)
          codes[position(j)] = blockCodes[j];
      }
}

DenseElementsAttr mlir::quill::getElementsFromCodes(RankedTensorType type,
                                                    ArrayRef<uint8_t> codes) {
  // Elements of 8 bits or fewer are stored one byte each: the codes are the
  // raw data (an APFloat per element would dominate compile time).
  ArrayRef<char> raw(reinterpret_cast<const char *>(codes.data()),
                     codes.size());
  assert(DenseElementsAttr::isValidRawBuffer(type, raw) &&
         "expected one byte per element");
  return DenseElementsAttr::getFromRawBuffer(type, raw);
}
