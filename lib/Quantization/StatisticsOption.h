//===- StatisticsOption.h - A pass's stats-file option ----------*- C++ -*-===//
//
// What the passes that read calibration statistics from a `stats-file`
// option share: reading the file, or an error naming the pass.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_LIB_QUANTIZATION_STATISTICSOPTION_H
#define QUILL_LIB_QUANTIZATION_STATISTICSOPTION_H

#include "quill/Quantization/Calibration.h"

#include "mlir/IR/Operation.h"

namespace mlir::quill {

/// The statistics at `path` (none when it is empty), or failure with an
/// error on `op` that names `pass` and the file's problem.
FailureOr<std::optional<CalibrationStatistics>>
readStatisticsOption(Operation *op, StringRef pass, StringRef path);

} // namespace mlir::quill

#endif // QUILL_LIB_QUANTIZATION_STATISTICSOPTION_H
