//===- NVPTXTarget.h - PTX for NVIDIA GPUs ----------------------*- C++ -*-===//
//
// The back half of quill-compile --target=nvptx: the kernel IR goes through
// the `quill-nvptx` pipeline (lib/Pipelines), which leaves the kernels as
// PTX or a fatbin in one gpu.binary beside the host code.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_TARGET_NVPTX_NVPTXTARGET_H
#define QUILL_TARGET_NVPTX_NVPTXTARGET_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"

#include <string>

namespace mlir::quill {

/// The architectures --gpu-arch accepts (Ampere, Ada, Hopper).
inline constexpr StringLiteral kGPUArchitectures[] = {"sm_80", "sm_86", "sm_89",
                                                      "sm_90"};

/// Whether `arch` is one of kGPUArchitectures.
bool isSupportedGPUArch(StringRef arch);

/// Kernels call CUDA's libdevice for math NVPTX has no instruction form of
/// in MLIR's lowering (fabs, sqrt, floor ...); MLIR's NVVM serializer links
/// `$CUDA_HOME/nvvm/libdevice/libdevice.10.bc` (CUDA_ROOT, CUDA_HOME or
/// CUDA_PATH). When none of those is set and /usr/local/cuda has libdevice,
/// this points CUDA_HOME there for the process. Returns the libdevice path,
/// or an empty string when there is none.
std::string findLibdevice();

/// Where the kernels of a GPU library come from: PTX, which the CUDA driver
/// JIT-compiles on first use, or a fatbin holding the cubin ptxas made for
/// --gpu-arch and the PTX (for newer GPUs), which loads without compiling.
enum class GPUBinary { PTX, Fatbin };

/// Whether MLIR's serializer can write a fatbin: `ptxas` and `fatbinary`
/// found where it looks (the bin directory of the first of CUDA_ROOT,
/// CUDA_HOME and CUDA_PATH that is set, then PATH).
bool canWriteFatbin();

/// The PTX of the module's one gpu.binary; for a model with no kernel (it
/// only passes inputs or constants through), a PTX module for `gpuArch`
/// with no entry. A diagnostic when the binary holds no PTX, or the PTX
/// calls libdevice functions that were not linked (naming them).
FailureOr<std::string> getModulePTX(ModuleOp module, StringRef gpuArch);

} // namespace mlir::quill

#endif // QUILL_TARGET_NVPTX_NVPTXTARGET_H
