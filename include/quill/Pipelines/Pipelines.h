//===- Pipelines.h - Quill's phases as pass pipelines -----------*- C++ -*-===//
//
// The phases quill-compile runs after import, each a pass pipeline built
// from its options and registered by name so quill-opt can run any of them:
//  - `quill-prepare` normalizes an imported graph (canonicalization and DCE,
//    batch-norm folding, layer-norm and GELU recognition) and computes
//    quantized graphs on integers;
//  - the quantization phase (buildQuantizationPipeline): quill-quantize,
//    then the integer rewrite of what it quantized;
//  - `quill-integer-only` rewrites a quantized graph to integer arithmetic;
//  - `quill-cpu-kernel` prepares the C ABI's entry function and lowers the
//    graph IR to kernel IR on tensors (linalg, tensor, arith, math), fusing
//    elementwise producers and consumers (for the CPU and the GPU);
//  - `quill-cpu-llvm` bufferizes kernel IR, calls Quill's microkernels,
//    lowers to loops and on to the LLVM dialect;
//  - `quill-nvptx` and `quill-gpu-emulator` do that for NVIDIA GPUs, and for
//    this CPU through the GPU's loop nests.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_PIPELINES_PIPELINES_H
#define QUILL_PIPELINES_PIPELINES_H

#include "quill/Quantization/Passes.h"
#include "quill/Target/NVPTX/NVPTXTarget.h"

#include "mlir/Pass/PassManager.h"

namespace mlir::quill {

/// Appends the prepare phase to a module-level pass manager.
void buildPreparePipeline(OpPassManager &pm);

/// Appends the rewrite of quantized graphs (QDQ form) to integer ops,
/// quill-qdq-to-integer and its cleanup, to a module-level pass manager.
/// The prepare pipeline ends with it; the quantization phase runs it again.
void buildQDQToIntegerPipeline(OpPassManager &pm);

/// Appends the quantization phase: quill-quantize with `quantize`, then,
/// with `integerKernels`, the integer rewrite of the QDQ pairs it wrote
/// (without it, the graph keeps the QDQ form that QDQ export writes).
void buildQuantizationPipeline(OpPassManager &pm,
                               const QuantizePassOptions &quantize,
                               bool integerKernels);

/// Appends the integer-only rewrite, quill-dyadic (with `options`) and its
/// cleanup, then quill-verify-integer-only, to a module-level pass manager.
void buildIntegerOnlyPipeline(OpPassManager &pm,
                              const DyadicPassOptions &options = {});

/// Appends graph IR -> kernel IR (tensors) to a module-level pass manager,
/// the C ABI's entry function prepared first (quill-prepare-entry-point).
void buildKernelPipeline(OpPassManager &pm);

/// Appends kernel IR -> LLVM dialect to a module-level pass manager;
/// `lowBitCompute` as quill-linalg-to-microkernels takes it.
void buildCPULLVMPipeline(OpPassManager &pm,
                          LowBitCompute lowBitCompute = LowBitCompute::F32);

/// Appends kernel IR -> GPU kernels for NVIDIA GPUs to a module-level pass
/// manager: parallel loops mapped to blocks and threads, outlined into one
/// gpu.module, lowered to NVVM and serialized to `binary` for `gpuArch` (a
/// gpu.binary); host code in the LLVM dialect with its buffers in GPU
/// memory.
void buildNVPTXPipeline(OpPassManager &pm, StringRef gpuArch,
                        GPUBinary binary = GPUBinary::PTX);

/// Appends kernel IR -> LLVM dialect for the CPU through the GPU pipeline's
/// loop nests (buildNVPTXPipeline up to the mapping to threads, dp4a as
/// plain arithmetic), run serially and backwards: checks the GPU path's
/// arithmetic, and that no iteration depends on an earlier one, without a
/// GPU.
void buildGPUEmulatorPipeline(OpPassManager &pm);

/// Registers the upstream passes and dialect extensions the pipelines use,
/// Quill's passes, and the named pipelines with the global registry.
void registerQuillPassesAndPipelines();

/// The dialects, and their bufferization and LLVM-conversion interfaces,
/// that Quill's pipelines need loaded in a context.
void registerQuillDialects(DialectRegistry &registry);

} // namespace mlir::quill

#endif // QUILL_PIPELINES_PIPELINES_H
