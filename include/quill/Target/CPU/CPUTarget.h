//===- CPUTarget.h - Native code for x86 CPUs -------------------*- C++ -*-===//
//
// The back half of quill-compile for CPUs: the model's signature is read
// from the graph IR, the kernel IR is lowered to the LLVM dialect by the
// `quill-cpu-llvm` pipeline, then translated, wrapped in the entry point
// and descriptor that lib/Runtime expects, optimized and emitted by an LLVM
// TargetMachine, and linked into a shared library with lld.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_TARGET_CPU_CPUTARGET_H
#define QUILL_TARGET_CPU_CPUTARGET_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"
#include "llvm/Support/CodeGen.h"

#include <memory>
#include <string>

namespace llvm {
class LLVMContext;
class Module;
class TargetMachine;
class raw_pwrite_stream;
} // namespace llvm

namespace mlir::quill {

/// One graph input or output as the C ABI describes it.
struct TensorSignature {
  std::string name;
  int32_t dtype; // quill_dtype (ONNX TensorProto code)
  /// Bytes per element in the caller's buffer (bool is one byte).
  unsigned elementBytes;
  SmallVector<int64_t> shape;
  /// For an output the graph returns twice: the index of its first
  /// occurrence, whose buffer the entry point copies into this one.
  std::optional<unsigned> copyOf;
};

struct ModelSignature {
  std::string modelName;
  SmallVector<TensorSignature> inputs;
  SmallVector<TensorSignature> outputs;
};

/// Where a model's generated code keeps its tensors, which decides the
/// runtime it is linked with: libquill_runtime.a (host memory) or
/// libquill_cuda_runtime.a (GPU memory, host code launching kernels).
enum class ModelDevice { CPU, CUDA };

/// Reads the signature of the module's single public function (names from
/// `quill.name` attributes, repeated results as copies) from graph or kernel
/// IR before quill-prepare-entry-point. Fails with a diagnostic for element
/// types the C ABI cannot describe or dynamic shapes.
FailureOr<ModelSignature> readModelSignature(ModuleOp module);

struct CPUTargetOptions {
  /// The CPU to generate code for; empty means the host.
  std::string cpu;
  llvm::CodeGenOptLevel optLevel = llvm::CodeGenOptLevel::Aggressive;
};

/// A TargetMachine for x86-64 Linux with position-independent code.
FailureOr<std::unique_ptr<llvm::TargetMachine>>
createCPUTargetMachine(const CPUTargetOptions &options, std::string &error);

/// Translates a module in the LLVM dialect (for CUDA, the host code with
/// its gpu.binary) and adds the model descriptor and entry point of
/// lib/Runtime/ModelDescriptor.h.
std::unique_ptr<llvm::Module>
translateModelToLLVMIR(ModuleOp module, const ModelSignature &signature,
                       llvm::LLVMContext &llvmContext,
                       ModelDevice device = ModelDevice::CPU);

/// Runs LLVM's optimization pipeline for `optLevel` on `module`.
void optimizeLLVMModule(llvm::Module &module, llvm::TargetMachine &machine,
                        llvm::CodeGenOptLevel optLevel);

/// Writes an object file or assembly of `module`.
LogicalResult emitMachineCode(llvm::Module &module,
                              llvm::TargetMachine &machine,
                              llvm::raw_pwrite_stream &os, bool assembly,
                              std::string &error);

/// Links `objectPath` with Quill's runtime library for `device` (and LLVM's
/// OpenMP runtime when `openMP`: the GPU emulator's kernels) into a shared
/// library.
LogicalResult linkSharedLibrary(StringRef objectPath, StringRef outputPath,
                                ModelDevice device, bool openMP,
                                std::string &error);

/// Emits `module` as an object in a temporary file and links it with the
/// runtime for `device` into the shared library `outputPath`.
LogicalResult writeSharedLibrary(llvm::Module &module,
                                 llvm::TargetMachine &machine,
                                 StringRef outputPath, ModelDevice device,
                                 std::string &error);

} // namespace mlir::quill

#endif // QUILL_TARGET_CPU_CPUTARGET_H
