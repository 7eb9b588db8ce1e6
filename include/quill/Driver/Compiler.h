//===- Compiler.h - The compiler driver -------------------------*- C++ -*-===//
//
// One entry, `compile`, runs the phases in order, each a pipeline from
// Pipelines.h built from CompileOptions:
//
//   import -> prepare -> calibrate -> quantize -> integer-only -> kernel
//          -> target (CPU: LLVM; NVPTX: GPU kernels and host code) -> emit
//
// and stops after the phase that --emit asks for. quill-compile only fills
// CompileOptions from its flags; calibration and the quantization report
// compile their instrumented models through the phases below.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_DRIVER_COMPILER_H
#define QUILL_DRIVER_COMPILER_H

#include "quill/Driver/CompileOptions.h"
#include "quill/Quantization/Passes.h"
#include "quill/Target/CPU/CPUTarget.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"

namespace mlir::quill {

/// Compiles `options.inputPath` into getOutputPath(options). IR errors are
/// reported as diagnostics on `context` and give an error with an empty
/// message; other errors carry their message. Validates `options` first.
llvm::Error compile(const CompileOptions &options, MLIRContext &context);

/// quill-quantize's options for `options.quantization`, reading or writing
/// statistics at `statsFile`.
QuantizePassOptions getQuantizePassOptions(const CompileOptions &options,
                                           StringRef statsFile);

/// The CPU code generation `options` ask for (also what calibration
/// compiles its instrumented model with).
CPUTargetOptions getCPUTargetOptions(const CompileOptions &options);

/// The kernel phase: lowers a prepared graph module in place to kernel IR
/// (linalg and friends on tensors), returning the C ABI signature of its
/// entry function.
FailureOr<ModelSignature> lowerGraphToKernelIR(ModuleOp module);

/// The kernel and CPU target phases: compiles a prepared graph module
/// (lowered in place) into the shared library `outputPath`. IR errors are
/// reported as diagnostics; others set `error`.
LogicalResult compileGraphToSharedLibrary(ModuleOp module, StringRef outputPath,
                                          const CPUTargetOptions &options,
                                          std::string &error);

} // namespace mlir::quill

#endif // QUILL_DRIVER_COMPILER_H
