//===- PTX.cpp - The PTX of a compiled model ------------------------------===//

#include "quill/Target/NVPTX/NVPTXTarget.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

#include <cstdlib>

using namespace mlir;

bool mlir::quill::isSupportedGPUArch(StringRef arch) {
  return llvm::is_contained(kGPUArchitectures, arch);
}

static std::string getLibdevicePath(StringRef toolkit) {
  SmallString<256> path(toolkit);
  llvm::sys::path::append(path, "nvvm", "libdevice", "libdevice.10.bc");
  return llvm::sys::fs::exists(path) ? std::string(path) : std::string();
}

/// The CUDA toolkit MLIR's NVVM serializer uses: the first of CUDA_ROOT,
/// CUDA_HOME and CUDA_PATH that is set.
static const char *getToolkitFromEnvironment() {
  for (const char *variable : {"CUDA_ROOT", "CUDA_HOME", "CUDA_PATH"})
    if (const char *toolkit = std::getenv(variable))
      return toolkit;
  return nullptr;
}

std::string mlir::quill::findLibdevice() {
  if (const char *toolkit = getToolkitFromEnvironment())
    return getLibdevicePath(toolkit);
  StringRef fallback = "/usr/local/cuda";
  std::string path = getLibdevicePath(fallback);
  if (!path.empty())
    setenv("CUDA_HOME", fallback.data(), /*overwrite=*/0);
  return path;
}

bool mlir::quill::canWriteFatbin() {
  const char *toolkit = getToolkitFromEnvironment();
  auto found = [&](StringRef tool) {
    SmallString<256> path(toolkit ? toolkit : "");
    llvm::sys::path::append(path, "bin", tool);
    return (toolkit && llvm::sys::fs::can_execute(path)) ||
           static_cast<bool>(llvm::sys::findProgramByName(tool));
  };
  return found("ptxas") && found("fatbinary");
}

/// The functions `ptx` declares but does not define (`.extern .func`).
static SmallVector<StringRef> getExternalFunctions(StringRef ptx) {
  SmallVector<StringRef> names;
  StringRef marker = ".extern .func";
  for (size_t at = ptx.find(marker); at != StringRef::npos;
       at = ptx.find(marker, at + marker.size())) {
    StringRef rest = ptx.drop_front(at + marker.size()).ltrim();
    // `.extern .func (.param .b32 retval) __nv_fabsf(...)`: skip the
    // return parameter.
    if (rest.starts_with("("))
      rest =
          rest.drop_until([](char c) { return c == ')'; }).drop_front().ltrim();
    names.push_back(rest.take_until(
        [](char c) { return c == '(' || c == ';' || c == ' ' || c == '\n'; }));
  }
  return names;
}

FailureOr<std::string> mlir::quill::getModulePTX(ModuleOp module,
                                                 StringRef gpuArch) {
  SmallVector<gpu::BinaryOp> binaries(module.getOps<gpu::BinaryOp>());
  if (binaries.empty())
    return ("// This model launches no kernel: it only passes inputs or "
            "constants through.\n.version 8.0\n.target " +
            gpuArch + "\n.address_size 64\n")
        .str();
  if (binaries.size() != 1)
    return module.emitError("expected one GPU binary after the quill-nvptx "
                            "pipeline, found ")
           << binaries.size();
  for (Attribute object : binaries.front().getObjects()) {
    auto ptx = cast<gpu::ObjectAttr>(object);
    if (ptx.getFormat() != gpu::CompilationTarget::Assembly)
      continue;
    SmallVector<StringRef> external = getExternalFunctions(ptx.getObject());
    if (!external.empty())
      return module.emitError("the kernels call ")
             << llvm::join(external, ", ")
             << " from CUDA's libdevice, which was not found "
                "(nvvm/libdevice/libdevice.10.bc under CUDA_HOME, CUDA_ROOT, "
                "CUDA_PATH or /usr/local/cuda)";
    return ptx.getObject().str();
  }
  return binaries.front().emitError("the GPU binary holds no PTX");
}
