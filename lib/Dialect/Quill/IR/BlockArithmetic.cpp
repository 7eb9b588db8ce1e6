//===- BlockArithmetic.cpp - Scalar rules of the block formats ------------===//

#include "quill/Dialect/Quill/IR/BlockArithmetic.h"

#include "llvm/ADT/bit.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::quill;
using llvm::APFloat;

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

uint8_t mlir::quill::encodeSmallFloat(float x,
                                      const llvm::fltSemantics &semantics) {
  if (std::isnan(x))
    return APFloat::semanticsHasNaN(semantics)
               ? APFloat::getNaN(semantics).bitcastToAPInt().getZExtValue()
               : 0;
  float largest = APFloat::getLargest(semantics).convertToFloat();
  APFloat value(std::copysign(std::min(std::fabs(x), largest), x));
  bool losesInfo;
  value.convert(semantics, APFloat::rmNearestTiesToEven, &losesInfo);
  return value.bitcastToAPInt().getZExtValue();
}

float mlir::quill::decodeSmallFloat(uint8_t code,
                                    const llvm::fltSemantics &semantics) {
  unsigned bits = APFloat::semanticsSizeInBits(semantics);
  return APFloat(semantics, llvm::APInt(bits, code)).convertToFloat();
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

uint8_t mlir::quill::quantizeBlock(const BlockFormatRules &rules,
                                   ArrayRef<float> block, float tensorScale,
                                   BlockScaleRounding rounding,
                                   MutableArrayRef<uint8_t> codes) {
  float amax = 0.0f;
  for (float x : block)
    amax =
        std::isnan(x) || std::isnan(amax) ? NAN : std::max(amax, std::fabs(x));
  if (rules.format == BlockFormat::NVFP4) {
    const llvm::fltSemantics &e4m3 = APFloat::Float8E4M3FN();
    uint8_t scale = encodeSmallFloat((amax * tensorScale) / 6.0f, e4m3);
    float scaleValue = decodeSmallFloat(scale, e4m3);
    for (auto [x, code] : llvm::zip(block, codes))
      code = scaleValue == 0.0f
                 ? 0
                 : encodeSmallFloat((x * tensorScale) / scaleValue,
                                    *rules.elementSemantics);
    return scale;
  }
  uint8_t scale = getSharedExponent(rules, amax, rounding);
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
