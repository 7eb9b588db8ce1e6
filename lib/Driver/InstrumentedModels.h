//===- InstrumentedModels.h - Observed copies of a model -------*- C++ -*-===//
//
// What calibration and the quantization report share: a copy of the model
// that returns the observed tensors, compiled for the host, loaded and run
// on the calibration samples. Private to the driver: tools see ::quill (the
// host library) and mlir::quill apart only outside these declarations.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_LIB_DRIVER_INSTRUMENTEDMODELS_H
#define QUILL_LIB_DRIVER_INSTRUMENTEDMODELS_H

#include "quill/Driver/Calibrate.h"
#include "quill/Host/ModelLibrary.h"
#include "quill/Target/CPU/CPUTarget.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace mlir::quill {

/// The module's (first) public function: the model.
func::FuncOp getEntryFunction(ModuleOp module);

/// A copy of the prepared graph `module` that also returns, named, every
/// tensor calibration observes (quill-insert-observers). Fails when there
/// is nothing to observe.
llvm::Expected<OwningOpRef<ModuleOp>> instrumentForCalibration(ModuleOp module);

/// Compiles the graph `module` (lowered in place) for the host and loads
/// it. IR errors are reported as diagnostics and give an empty message.
llvm::Expected<std::unique_ptr<::quill::host::ModelLibrary>>
compileAndLoad(ModuleOp module, const CPUTargetOptions &target);

/// Runs each of `models` (all taking the same inputs) on every sample at
/// `dataPath` (CalibrationData.h), handing `consume` each model's outputs
/// for the sample. `activity` names the run in the progress line.
llvm::Error runOnSamples(
    ArrayRef<const ::quill::host::ModelLibrary *> models, StringRef dataPath,
    StringRef activity, bool showProgress,
    function_ref<void(ArrayRef<std::vector<::quill::host::Tensor>>)> consume);

/// Compiles copies of two graphs with the same signature, runs both on the
/// samples at `dataPath` and returns, over their float outputs, the largest
/// difference relative to the output's largest magnitude in `reference`.
llvm::Expected<double> measureFloatDifference(ModuleOp reference,
                                              ModuleOp changed,
                                              StringRef dataPath,
                                              const CalibrationRunOptions &run);

} // namespace mlir::quill

#endif // QUILL_LIB_DRIVER_INSTRUMENTEDMODELS_H
