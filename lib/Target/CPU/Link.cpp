//===- Link.cpp - Linking a model's object into a shared library ----------===//

#include "quill/Target/CPU/CPUTarget.h"

#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;
using namespace mlir::quill;

/// The runtime archives sit in the lib/ directory beside the bin/ directory
/// of quill-compile, in the build tree and when installed.
static std::string findRuntimeLibrary(ModelDevice device) {
  std::string executable = llvm::sys::fs::getMainExecutable(nullptr, nullptr);
  SmallString<256> path(
      llvm::sys::path::parent_path(llvm::sys::path::parent_path(executable)));
  llvm::sys::path::append(path, "lib",
                          device == ModelDevice::CUDA
                              ? "libquill_cuda_runtime.a"
                              : "libquill_runtime.a");
  return std::string(path);
}

/// The lld of the LLVM Quill was built with first: /usr/bin/ld.lld may be
/// an older release.
static llvm::ErrorOr<std::string> findLinker() {
  if (auto path =
          llvm::sys::findProgramByName("ld.lld", {QUILL_LLVM_TOOLS_DIR}))
    return path;
  if (auto path = llvm::sys::findProgramByName("ld.lld-22"))
    return path;
  return llvm::sys::findProgramByName("ld.lld");
}

/// LLVM's OpenMP runtime, from Debian's libomp5.
static constexpr StringLiteral kOpenMPRuntime =
    "/usr/lib/x86_64-linux-gnu/libomp.so.5";

LogicalResult mlir::quill::linkSharedLibrary(StringRef objectPath,
                                             StringRef outputPath,
                                             ModelDevice device, bool openMP,
                                             std::string &error) {
  std::string runtime = findRuntimeLibrary(device);
  if (!llvm::sys::fs::exists(runtime)) {
    error = "Quill's runtime library is missing: " + runtime;
    return failure();
  }
  llvm::ErrorOr<std::string> linker = findLinker();
  if (!linker) {
    error = "cannot find ld.lld (install lld-22)";
    return failure();
  }
  // -z defs: an unresolved symbol is an error now, not at load time. The
  // object references no quill_* function: --whole-archive keeps the whole
  // runtime, which is the library's interface.
  SmallVector<StringRef> args = {*linker,
                                 "-shared",
                                 "-z",
                                 "defs",
                                 "-z",
                                 "now",
                                 "--hash-style=gnu",
                                 "--eh-frame-hdr",
                                 "-o",
                                 outputPath,
                                 objectPath,
                                 "--whole-archive",
                                 runtime,
                                 "--no-whole-archive"};
  // Conversions such as double -> half call compiler-rt's builtins.
  std::string builtins = QUILL_CLANG_BUILTINS;
  if (llvm::sys::fs::exists(builtins))
    args.push_back(builtins);
#ifdef QUILL_SANITIZER_RUNTIME
  // A sanitizer build instruments its models and its runtime: they need the
  // sanitizer's runtime, which the library then names and finds.
  args.append({QUILL_SANITIZER_RUNTIME, "-rpath", QUILL_SANITIZER_RUNTIME_DIR});
#endif
  if (openMP) {
    if (!llvm::sys::fs::exists(kOpenMPRuntime)) {
      error = "the GPU emulator's threads need LLVM's OpenMP runtime, " +
              kOpenMPRuntime.str() + " (install libomp5)";
      return failure();
    }
    args.push_back(kOpenMPRuntime);
  }
  args.append({"-L/usr/lib/x86_64-linux-gnu", "-L/lib/x86_64-linux-gnu",
               "--as-needed", "-lm", "-lc"});
  std::string message;
  int status = llvm::sys::ExecuteAndWait(*linker, args, std::nullopt, {}, 0, 0,
                                         &message);
  if (status != 0) {
    error = "linking " + outputPath.str() + " failed" +
            (message.empty() ? "" : ": " + message);
    return failure();
  }
  return success();
}

LogicalResult mlir::quill::writeSharedLibrary(llvm::Module &module,
                                              llvm::TargetMachine &machine,
                                              StringRef outputPath,
                                              ModelDevice device,
                                              std::string &error) {
  SmallString<128> objectPath;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("quill-model", "o", objectPath)) {
    error = "cannot create a temporary object file: " + ec.message();
    return failure();
  }
  llvm::FileRemover removeObject(objectPath);
  {
    std::error_code ec;
    llvm::ToolOutputFile object(objectPath, ec, llvm::sys::fs::OF_None);
    if (ec) {
      error = "cannot write " + objectPath.str().str() + ": " + ec.message();
      return failure();
    }
    if (failed(emitMachineCode(module, machine, object.os(),
                               /*assembly=*/false, error)))
      return failure();
    object.keep();
  }
  bool openMP = module.getFunction("__kmpc_fork_call") != nullptr;
  return linkSharedLibrary(objectPath, outputPath, device, openMP, error);
}
