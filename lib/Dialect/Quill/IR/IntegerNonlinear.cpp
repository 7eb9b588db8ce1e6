//===- IntegerNonlinear.cpp - Constants of the integer nonlinears ---------===//

#include "quill/Dialect/Quill/IR/IntegerNonlinear.h"

#include "llvm/Support/MathExtras.h"

#include <cmath>

using namespace mlir;
using namespace mlir::quill;

/// I-BERT's fit exp(r) ~ 0.35815147 r^2 + 0.96963238 r + 1 on (-ln 2, 0],
/// normalized by the leading coefficient.
static constexpr double iExpB = 0.96963238 / 0.35815147;
static constexpr double iExpC = 1.0 / 0.35815147;
static constexpr double ln2 = 0.6931471805599453;
/// I-BERT's fit erf(x) ~ sgn(x) (a (min(|x|, -b) + b)^2 + 1).
static constexpr double iGeluA = -0.2888;
static constexpr double iGeluB = -1.769;

std::optional<IntegerExpConstants>
mlir::quill::getIntegerExpConstants(ExpApproximation approximation,
                                    double inputScale) {
  if (!(inputScale > 0.0) || !std::isfinite(inputScale))
    return std::nullopt;
  IntegerExpConstants constants{};
  double period = approximation == ExpApproximation::IExp ? ln2 : 1.0;
  double x0 = std::floor(-period / inputScale);
  if (x0 > -2.0 || x0 < -double(int64_t(1) << 30))
    return std::nullopt;
  constants.x0 = int64_t(x0);
  // The exponential of 0, the largest value.
  double largest;
  if (approximation == ExpApproximation::IExp) {
    constants.polyB = int64_t(std::floor(iExpB / inputScale));
    double c = std::floor(iExpC / (inputScale * inputScale));
    if (c >= double(int64_t(1) << 31))
      return std::nullopt;
    constants.polyC = int64_t(c);
    largest = c;
  } else {
    largest = -x0;
  }
  constants.expShift =
      std::max<int64_t>(0, 30 - llvm::Log2_64(uint64_t(largest)) - 1);
  return constants;
}

std::optional<IntegerGeluConstants>
mlir::quill::getIntegerGeluConstants(quant::UniformQuantizedType input) {
  double inputScale = input.getScale();
  int64_t maxAbsInput =
      std::max(std::abs(input.getStorageTypeMin() - input.getZeroPoint()),
               std::abs(input.getStorageTypeMax() - input.getZeroPoint()));
  if (!(inputScale > 0.0) || !std::isfinite(inputScale) || maxAbsInput < 1)
    return std::nullopt;
  double erfScale = inputScale / std::sqrt(2.0);
  double polyC = std::floor(1.0 / (iGeluA * erfScale * erfScale));
  // (min(|x|, -B) + B)^2 <= B^2 < |C| and |y| <= |C| must fit int32.
  if (polyC <= -double(int64_t(1) << 30))
    return std::nullopt;
  IntegerGeluConstants constants{};
  constants.polyB = int64_t(std::floor(iGeluB / erfScale));
  constants.polyC = int64_t(polyC);
  // |y >> shift| and |one| are at most (|C| >> shift) + 1 and + 2.
  auto productBound = [&](int64_t shift) {
    return maxAbsInput * (2 * ((-constants.polyC) >> shift) + 3);
  };
  while (productBound(constants.shift) >= (int64_t(1) << 31))
    ++constants.shift;
  double shiftedScale =
      iGeluA * erfScale * erfScale * std::ldexp(1.0, int(constants.shift));
  constants.one = int64_t(std::floor(1.0 / shiftedScale));
  constants.productScale = std::abs(inputScale * shiftedScale / 2.0);
  return constants;
}
