//===- Matchers.h - Constant matchers shared by the prepare passes -*- C++
//-*-===//
//
// Internal to lib/Prepare.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_LIB_PREPARE_MATCHERS_H
#define QUILL_LIB_PREPARE_MATCHERS_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/Value.h"

#include <cmath>
#include <optional>

namespace mlir::quill {

/// The value of a constant whose elements are all one float.
inline std::optional<double> getSplatFloat(Value value) {
  DenseFPElementsAttr attr;
  if (!matchPattern(value, m_Constant(&attr)) || !attr.isSplat())
    return std::nullopt;
  return attr.getSplatValue<APFloat>().convertToDouble();
}

/// Whether `value` is a float splat within a relative 1e-4 of `expected`.
inline bool isSplatNear(Value value, double expected) {
  std::optional<double> actual = getSplatFloat(value);
  return actual && std::abs(*actual - expected) <= 1e-4 * std::abs(expected);
}

} // namespace mlir::quill

#endif // QUILL_LIB_PREPARE_MATCHERS_H
