//===- SignalToNoise.h - The error measure of quantization ------*- C++ -*-===//
//
// Signal and noise power of values against their reference, and the SQNR
// they give: what the quantization report measures per op and what channel
// reordering estimates per product.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_QUANTIZATION_SIGNALTONOISE_H
#define QUILL_QUANTIZATION_SIGNALTONOISE_H

#include <cmath>
#include <limits>

namespace mlir::quill {

struct SignalToNoise {
  double signal = 0.0;
  double noise = 0.0;

  void add(double reference, double value) {
    signal += reference * reference;
    noise += (reference - value) * (reference - value);
  }
  /// 10 log10(signal / noise); +infinity when the values are equal.
  double getDecibels() const {
    if (noise == 0.0)
      return std::numeric_limits<double>::infinity();
    return 10.0 * std::log10(signal / noise);
  }
};

} // namespace mlir::quill

#endif // QUILL_QUANTIZATION_SIGNALTONOISE_H
