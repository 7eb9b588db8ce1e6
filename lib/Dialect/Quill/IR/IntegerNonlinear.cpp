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
