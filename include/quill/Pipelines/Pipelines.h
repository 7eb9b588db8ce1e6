//===- Pipelines.h - Quill's named pass pipelines ---------------*- C++ -*-===//
//
// The pipelines quill-compile runs, built in one place and registered by
// name so quill-opt can run any of them:
//  - `quill-prepare` normalizes an imported graph (canonicalization and DCE,
//    batch-norm folding, layer-norm and GELU recognition);
//  - `quill-cpu-kernel` lowers the graph IR to kernel IR on tensors (linalg,
//    tensor, arith, math) and fuses elementwise producers and consumers;
//  - `quill-cpu-llvm` bufferizes kernel IR, calls Quill's microkernels,
//    lowers to loops and on to the LLVM dialect.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_PIPELINES_PIPELINES_H
#define QUILL_PIPELINES_PIPELINES_H

#include "quill/Target/NVPTX/NVPTXTarget.h"
#include "quill/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"

namespace mlir::quill {

/// Appends the prepare phase to a module-level pass manager.
void buildPreparePipeline(OpPassManager &pm);

/// Appends the rewrite of quantized graphs (QDQ form) to integer ops,
/// quill-qdq-to-integer and its cleanup, to a module-level pass manager.
/// The prepare pipeline ends with it; quill-compile runs it again after
/// quill-quantize.
void buildQDQToIntegerPipeline(OpPassManager &pm);

/// Appends the integer-only rewrite, quill-dyadic (with `options`) and its
/// cleanup, then quill-verify-integer-only, to a module-level pass manager
/// (quill-compile --integer-only).
void buildIntegerOnlyPipeline(OpPassManager &pm,
                              const DyadicPassOptions &options = {});

/// Appends graph IR -> kernel IR (tensors) to a module-level pass manager.
void buildCPUKernelPipeline(OpPassManager &pm);

/// Appends kernel IR -> LLVM dialect to a module-level pass manager. Fails
/// only if a pass is not registered (registerQuillPassesAndPipelines).
LogicalResult buildCPULLVMPipeline(OpPassManager &pm);

/// Appends kernel IR -> GPU kernels for NVIDIA GPUs to a module-level pass
/// manager: parallel loops mapped to blocks and threads, outlined into one
/// gpu.module, lowered to NVVM and serialized to `binary` for `gpuArch` (a
/// gpu.binary); host code in the LLVM dialect with its buffers in GPU
/// memory. Fails only if a pass is not registered.
LogicalResult buildNVPTXPipeline(OpPassManager &pm, StringRef gpuArch,
                                 GPUBinary binary = GPUBinary::PTX);

/// Appends kernel IR -> LLVM dialect for the CPU through the GPU pipeline's
/// loop nests (buildNVPTXPipeline up to the mapping to threads, dp4a as
/// plain arithmetic), run serially and backwards: checks the GPU path's
/// arithmetic, and that no iteration depends on an earlier one, without a
/// GPU. Fails only if a pass is not registered.
LogicalResult buildGPUEmulatorPipeline(OpPassManager &pm);

/// Registers the upstream passes and dialect extensions the pipelines use,
/// Quill's passes, and the named pipelines with the global registry.
void registerQuillPassesAndPipelines();

/// The dialects, and their bufferization and LLVM-conversion interfaces,
/// that Quill's pipelines need loaded in a context.
void registerQuillDialects(DialectRegistry &registry);

} // namespace mlir::quill

#endif // QUILL_PIPELINES_PIPELINES_H
