//===- CompileModel.h - From graph IR to a CPU shared library ---*- C++ -*-===//
//
// The stages after the graph IR, in one place for quill-compile (which can
// stop after each) and for calibration (which compiles an instrumented copy
// of the model and loads it).
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_DRIVER_COMPILEMODEL_H
#define QUILL_DRIVER_COMPILEMODEL_H

#include "quill/Target/CPU/CPUTarget.h"

namespace mlir::quill {

/// Lowers a prepared graph module in place to kernel IR (linalg and friends
/// on tensors), returning the C ABI signature of its entry function.
FailureOr<ModelSignature> lowerGraphToKernelIR(ModuleOp module);

/// Lowers kernel IR in place to the LLVM dialect.
LogicalResult lowerKernelIRToLLVMDialect(ModuleOp module);

/// Compiles a prepared graph module (lowered in place) into the shared
/// library `outputPath`. IR errors are reported as diagnostics; others set
/// `error`.
LogicalResult compileGraphToSharedLibrary(ModuleOp module, StringRef outputPath,
                                          const CPUTargetOptions &options,
                                          std::string &error);

} // namespace mlir::quill

#endif // QUILL_DRIVER_COMPILEMODEL_H
