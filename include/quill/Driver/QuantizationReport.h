//===- QuantizationReport.h - What quantization costs each op ---*- C++ -*-===//
//
// The quantization report (quill-compile --report): for every op that
// quill-quantize quantizes, the ranges it chose and the SQNR of the op's
// output in the compiled quantized model against the float model, over the
// calibration samples. Both models return calibration's observed tensors;
// the quantized one is instrumented before it is quantized, so an observed
// output is the value the op's consumers read (rounded to the output's
// type when that is quantized), errors of earlier ops included.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_DRIVER_QUANTIZATIONREPORT_H
#define QUILL_DRIVER_QUANTIZATIONREPORT_H

#include "quill/Driver/Calibrate.h"
#include "quill/Quantization/ChannelReordering.h"
#include "quill/Quantization/HadamardRotation.h"
#include "quill/Quantization/Passes.h"
#include "quill/Quantization/SignalToNoise.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir::quill {

/// How one tensor is quantized.
struct QuantizedTensorReport {
  /// The stored type: "uint8", "int8", "int4", "f8E4M3FN", ...
  std::string type;
  /// "per-tensor", "per-channel" or "per-block".
  std::string granularity;
  double minScale = 0.0, maxScale = 0.0;
  /// Per tensor only: the zero point and the real range the type holds.
  std::optional<int64_t> zeroPoint;
  std::optional<std::pair<double, double>> range;
  /// Weights: the bytes the compiled library stores them in.
  std::optional<int64_t> bytes;
};

struct QuantizedOpReport {
  /// The ONNX node name and op type.
  std::string name, kind;
  /// The name of the observed output (the op's, or its ReLU's).
  std::string output;
  QuantizedTensorReport weight;
  /// None when the value stays float (weight-only quantization; outputs
  /// read as float).
  std::optional<QuantizedTensorReport> activation, quantizedOutput;
  SignalToNoise error;
};

/// One product --rotate considered, with its output's SQNR measured in the
/// quantized model with and without the rotation (when both ran).
struct RotationReport {
  RotatedLayer layer;
  std::optional<double> unrotatedSqnr, rotatedSqnr;
};

struct QuantizationReport {
  size_t samples = 0;
  std::vector<QuantizedOpReport> ops;
  /// The model's float outputs, by name.
  std::vector<std::pair<std::string, SignalToNoise>> outputs;
  /// What channel reordering did per consumer (--reorder-channels).
  std::vector<ReorderedLayer> reordered;
  /// What rotation did per product (--rotate).
  std::vector<RotationReport> rotated;
};

/// Quantizes copies of the prepared float graph `module` with `options`
/// (the statistics file must exist), compiles the float and the quantized
/// model for the host, runs both on the samples at `dataPath` and compares.
llvm::Expected<QuantizationReport>
reportQuantization(ModuleOp module, const QuantizePassOptions &options,
                   StringRef dataPath, const CalibrationRunOptions &run);

/// The report as a table, one row per quantized op, then the model outputs.
void printQuantizationReport(const QuantizationReport &report, raw_ostream &os);

/// The report as JSON (an SQNR of equal values is written as null).
llvm::Error writeQuantizationReport(const QuantizationReport &report,
                                    StringRef path);

} // namespace mlir::quill

#endif // QUILL_DRIVER_QUANTIZATIONREPORT_H
