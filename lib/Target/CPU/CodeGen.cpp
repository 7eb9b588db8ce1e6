//===- CodeGen.cpp - LLVM optimization and machine code emission ----------===//

#include "quill/Target/CPU/CPUTarget.h"

#include "llvm/Analysis/TargetTransformInfo.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Operator.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"
#include "llvm/TargetParser/Triple.h"
#include "llvm/Transforms/Instrumentation/AddressSanitizer.h"

using namespace mlir;
using namespace mlir::quill;

FailureOr<std::unique_ptr<llvm::TargetMachine>>
mlir::quill::createCPUTargetMachine(const CPUTargetOptions &options,
                                    std::string &error) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  if (triple.getArch() != llvm::Triple::x86_64) {
    error =
        "the CPU target generates x86-64 code; this host is " + triple.str();
    return failure();
  }
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return failure();
  std::string cpu = options.cpu;
  std::string features;
  if (cpu.empty() || cpu == "native") {
    cpu = llvm::sys::getHostCPUName().str();
    llvm::SubtargetFeatures hostFeatures;
    for (const auto &[feature, enabled] : llvm::sys::getHostCPUFeatures())
      hostFeatures.AddFeature(feature, enabled);
    features = hostFeatures.getString();
  } else {
    llvm::MCSubtargetInfo *info = target->createMCSubtargetInfo(triple, "", "");
    bool known = info && info->isCPUStringValid(cpu);
    delete info;
    if (!known) {
      error = "unknown --mcpu '" + cpu + "' for x86-64";
      return failure();
    }
  }
  llvm::TargetOptions targetOptions;
  // Constructors (a GPU model's module registration) go in .init_array, as
  // clang does on Linux: nothing linked in would run a .ctors section.
  targetOptions.UseInitArray = true;
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, cpu, features, targetOptions, llvm::Reloc::PIC_, std::nullopt,
      options.optLevel));
  if (!machine) {
    error = "cannot create a target machine for " + cpu;
    return failure();
  }
  return machine;
}

/// Lets LLVM reassociate and contract float arithmetic, as every optimized
/// inference runtime does: without it reductions (softmax, normalization,
/// pooling) cannot vectorize and multiply-adds cannot fuse. NaN and infinity
/// semantics are kept.
static void allowReassociation(llvm::Module &module) {
  for (llvm::Function &function : module)
    for (llvm::Instruction &instruction : llvm::instructions(function))
      if (isa<llvm::FPMathOperator>(instruction) &&
          !isa<llvm::CallBase>(instruction)) {
        instruction.setHasAllowReassoc(true);
        instruction.setHasAllowContract(true);
      }
}

void mlir::quill::optimizeLLVMModule(llvm::Module &module,
                                     llvm::TargetMachine &machine,
                                     llvm::CodeGenOptLevel optLevel) {
  module.setDataLayout(machine.createDataLayout());
  module.setTargetTriple(machine.getTargetTriple());
  for (llvm::Function &function : module) {
    if (function.isDeclaration())
      continue;
    function.addFnAttr("target-cpu", machine.getTargetCPU());
    function.addFnAttr("target-features", machine.getTargetFeatureString());
  }
#ifdef QUILL_SANITIZE_ADDRESS
  // A sanitizer build instruments the models it compiles too.
  constexpr bool sanitizeAddresses = true;
#else
  constexpr bool sanitizeAddresses = false;
#endif
  llvm::OptimizationLevel level = llvm::OptimizationLevel::O0;
  switch (optLevel) {
  case llvm::CodeGenOptLevel::None:
    if (!sanitizeAddresses)
      return;
    break;
  case llvm::CodeGenOptLevel::Less:
    level = llvm::OptimizationLevel::O1;
    break;
  case llvm::CodeGenOptLevel::Default:
    level = llvm::OptimizationLevel::O2;
    allowReassociation(module);
    break;
  case llvm::CodeGenOptLevel::Aggressive:
    level = llvm::OptimizationLevel::O3;
    allowReassociation(module);
    break;
  }
  llvm::LoopAnalysisManager loopManager;
  llvm::FunctionAnalysisManager functionManager;
  llvm::CGSCCAnalysisManager cgsccManager;
  llvm::ModuleAnalysisManager moduleManager;
  llvm::PipelineTuningOptions tuning;
  tuning.LoopVectorization = true;
  tuning.SLPVectorization = true;
  llvm::PassBuilder builder(&machine, tuning);
  builder.registerModuleAnalyses(moduleManager);
  builder.registerCGSCCAnalyses(cgsccManager);
  builder.registerFunctionAnalyses(functionManager);
  builder.registerLoopAnalyses(loopManager);
  builder.crossRegisterProxies(loopManager, functionManager, cgsccManager,
                               moduleManager);
  if (sanitizeAddresses) {
    for (llvm::Function &function : module)
      if (!function.isDeclaration())
        function.addFnAttr(llvm::Attribute::SanitizeAddress);
    builder.registerOptimizerLastEPCallback(
        [](llvm::ModulePassManager &passes, llvm::OptimizationLevel,
           llvm::ThinOrFullLTOPhase) {
          passes.addPass(
              llvm::AddressSanitizerPass(llvm::AddressSanitizerOptions()));
        });
  }
  if (level == llvm::OptimizationLevel::O0)
    builder.buildO0DefaultPipeline(level).run(module, moduleManager);
  else
    builder.buildPerModuleDefaultPipeline(level).run(module, moduleManager);
}

LogicalResult mlir::quill::emitMachineCode(llvm::Module &module,
                                           llvm::TargetMachine &machine,
                                           llvm::raw_pwrite_stream &os,
                                           bool assembly, std::string &error) {
  module.setDataLayout(machine.createDataLayout());
  module.setTargetTriple(machine.getTargetTriple());
  llvm::legacy::PassManager passes;
  if (machine.addPassesToEmitFile(passes, os, nullptr,
                                  assembly
                                      ? llvm::CodeGenFileType::AssemblyFile
                                      : llvm::CodeGenFileType::ObjectFile)) {
    error = "the target machine cannot emit this file type";
    return failure();
  }
  passes.run(module);
  return success();
}
