//===- Calibrate.h - Running a model to collect statistics ------*- C++ -*-===//
//
// Calibration inside the compiler: a copy of the prepared graph is
// instrumented (quill-insert-observers), compiled for the host CPU, loaded
// and run on every sample; each observed tensor's values feed its
// TensorStatistics. quill-quantize then turns the statistics into ranges.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_DRIVER_CALIBRATE_H
#define QUILL_DRIVER_CALIBRATE_H

#include "quill/Quantization/Calibration.h"
#include "quill/Target/CPU/CPUTarget.h"

#include "mlir/IR/BuiltinOps.h"

namespace mlir::quill {

struct CalibrationRunOptions {
  /// Code generation for the instrumented model.
  CPUTargetOptions target;
  /// Print samples done, rate and time left on stderr when it is a
  /// terminal.
  bool showProgress = true;
  /// Also record per-channel statistics and sample rows of the activations
  /// quantizable ops sum over (what channel reordering reads).
  bool channelStatistics = false;
};

/// Runs the prepared graph `module` (left unchanged) on the samples at
/// `dataPath` (CalibrationData.h) and returns the statistics of every
/// observed tensor. IR errors are reported as diagnostics and give an
/// empty error message.
llvm::Expected<CalibrationStatistics>
runCalibration(ModuleOp module, llvm::StringRef dataPath,
               const CalibrationRunOptions &options);

} // namespace mlir::quill

#endif // QUILL_DRIVER_CALIBRATE_H
