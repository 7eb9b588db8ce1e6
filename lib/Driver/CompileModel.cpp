//===- CompileModel.cpp - From graph IR to a CPU shared library -----------===//

#include "quill/Driver/CompileModel.h"

#include "quill/Pipelines/Pipelines.h"

#include "mlir/Pass/PassManager.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Target/TargetMachine.h"

using namespace mlir;
using namespace mlir::quill;

FailureOr<ModelSignature> mlir::quill::lowerGraphToKernelIR(ModuleOp module) {
  FailureOr<ModelSignature> signature = prepareModelFunction(module);
  if (failed(signature))
    return failure();
  PassManager kernel(module.getContext());
  buildCPUKernelPipeline(kernel);
  if (failed(kernel.run(module)))
    return failure();
  return signature;
}

LogicalResult mlir::quill::lowerKernelIRToLLVMDialect(ModuleOp module) {
  PassManager lowering(module.getContext());
  if (failed(buildCPULLVMPipeline(lowering)))
    return failure();
  return lowering.run(module);
}

LogicalResult
mlir::quill::compileGraphToSharedLibrary(ModuleOp module, StringRef outputPath,
                                         const CPUTargetOptions &options,
                                         std::string &error) {
  FailureOr<ModelSignature> signature = lowerGraphToKernelIR(module);
  if (failed(signature) || failed(lowerKernelIRToLLVMDialect(module)))
    return failure();
  auto machine = createCPUTargetMachine(options, error);
  if (failed(machine))
    return failure();
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModelToLLVMIR(module, *signature, llvmContext);
  if (!llvmModule)
    return failure();
  optimizeLLVMModule(*llvmModule, **machine, options.optLevel);
  return writeSharedLibrary(*llvmModule, **machine, outputPath,
                            ModelDevice::CPU, error);
}
