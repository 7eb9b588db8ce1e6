//===- NVPTXTarget.h - PTX for NVIDIA GPUs ----------------------*- C++ -*-===//
//
// The back half of quill-compile --target=nvptx: the kernel IR goes through
// the `quill-nvptx` pipeline (lib/Pipelines), which leaves the kernels as
// PTX in one gpu.binary; this reads it back out.
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

/// The PTX of the module's one gpu.binary; for a model with no kernel (it
/// only passes inputs or constants through), a PTX module for `gpuArch`
/// with no entry. A diagnostic when the binary holds no PTX, or the PTX
/// calls libdevice functions that were not linked (naming them).
FailureOr<std::string> getModulePTX(ModuleOp module, StringRef gpuArch);

} // namespace mlir::quill

#endif // QUILL_TARGET_NVPTX_NVPTXTARGET_H
