//===- EntryPoint.cpp - The descriptor and entry point of a model ---------===//
//
// Builds, in LLVM IR, what lib/Runtime/ModelDescriptor.h declares: the
// hidden constant `quill_model_descriptor_v1` describing every input and
// output, and `quill_model_entry(void **buffers)`, which expands each
// buffer into the memref descriptor arguments of the lowered model
// function (allocated and aligned pointer, offset, sizes, strides).
//
//===----------------------------------------------------------------------===//

#include "quill/Target/CPU/CPUTarget.h"

#include "quill/Conversion/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"

using namespace mlir;
using namespace mlir::quill;

/// Must match QUILL_ABI_VERSION in include/quill/Runtime/quill_model.h.
static constexpr int32_t kAbiVersion = 1;

namespace {

class DescriptorBuilder {
public:
  DescriptorBuilder(llvm::Module &module)
      : module(module), context(module.getContext()),
        ptrType(llvm::PointerType::getUnqual(context)),
        i32Type(llvm::Type::getInt32Ty(context)),
        i64Type(llvm::Type::getInt64Ty(context)),
        tensorType(llvm::StructType::get(
            context, {ptrType, i32Type, i32Type, ptrType})) {}

  llvm::Constant *string(StringRef text, const llvm::Twine &name) {
    return privateGlobal(llvm::ConstantDataArray::getString(context, text),
                         name);
  }

  /// A `quill_tensor_descriptor[]` for `tensors`.
  llvm::Constant *tensorArray(ArrayRef<TensorSignature> tensors,
                              StringRef role) {
    SmallVector<llvm::Constant *> elements;
    for (auto [index, tensor] : llvm::enumerate(tensors)) {
      std::string prefix = ("quill." + role + "." + llvm::Twine(index)).str();
      SmallVector<uint64_t> dims(tensor.shape.begin(), tensor.shape.end());
      // A rank-0 tensor still gets a (one-element) shape array.
      if (dims.empty())
        dims.push_back(1);
      llvm::Constant *shape = privateGlobal(
          llvm::ConstantDataArray::get(context, dims), prefix + ".shape");
      elements.push_back(llvm::ConstantStruct::get(
          tensorType,
          {string(tensor.name, prefix + ".name"),
           llvm::ConstantInt::get(i32Type, tensor.dtype),
           llvm::ConstantInt::get(i32Type, tensor.shape.size()), shape}));
    }
    if (elements.empty())
      return llvm::ConstantPointerNull::get(ptrType);
    auto *arrayType = llvm::ArrayType::get(tensorType, elements.size());
    return privateGlobal(llvm::ConstantArray::get(arrayType, elements),
                         "quill." + role + "s");
  }

  void build(const ModelSignature &signature, int32_t gpuArch,
             llvm::Function *entry) {
    auto *modelType =
        llvm::StructType::get(context, {i32Type, i32Type, i32Type, i32Type,
                                        ptrType, ptrType, ptrType, ptrType});
    llvm::Constant *descriptor = llvm::ConstantStruct::get(
        modelType, {llvm::ConstantInt::get(i32Type, kAbiVersion),
                    llvm::ConstantInt::get(i32Type, signature.inputs.size()),
                    llvm::ConstantInt::get(i32Type, signature.outputs.size()),
                    llvm::ConstantInt::get(i32Type, gpuArch),
                    string(signature.modelName, "quill.model_name"),
                    tensorArray(signature.inputs, "input"),
                    tensorArray(signature.outputs, "output"), entry});
    auto *global =
        new llvm::GlobalVariable(module, modelType, /*isConstant=*/true,
                                 llvm::GlobalValue::ExternalLinkage, descriptor,
                                 "quill_model_descriptor_v1");
    global->setVisibility(llvm::GlobalValue::HiddenVisibility);
  }

private:
  llvm::Constant *privateGlobal(llvm::Constant *init, const llvm::Twine &name) {
    auto *global =
        new llvm::GlobalVariable(module, init->getType(), /*isConstant=*/true,
                                 llvm::GlobalValue::PrivateLinkage, init, name);
    global->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
    return global;
  }

  llvm::Module &module;
  llvm::LLVMContext &context;
  llvm::PointerType *ptrType;
  llvm::IntegerType *i32Type;
  llvm::IntegerType *i64Type;
  llvm::StructType *tensorType;
};

} // namespace

/// Copies `bytes` from `source` to `destination` where `device` keeps
/// tensors: memcpy in host memory, the CUDA runtime's copy on the GPU.
static void copyBuffer(llvm::IRBuilder<> &b, ModelDevice device,
                       llvm::Value *destination, llvm::Value *source,
                       uint64_t bytes) {
  if (device == ModelDevice::CPU) {
    b.CreateMemCpy(destination, llvm::MaybeAlign(1), source,
                   llvm::MaybeAlign(1), bytes);
    return;
  }
  llvm::Module &module = *b.GetInsertBlock()->getModule();
  llvm::FunctionCallee copy =
      module.getOrInsertFunction("quill_cuda_copy", b.getVoidTy(), b.getPtrTy(),
                                 b.getPtrTy(), b.getInt64Ty());
  b.CreateCall(copy, {destination, source, b.getInt64(bytes)});
}

/// `void quill_model_entry(void **buffers)` calling the model function with
/// one expanded memref descriptor per buffer (inputs, then outputs).
static llvm::Function *buildEntry(llvm::Module &module, llvm::Function *model,
                                  const ModelSignature &signature,
                                  ModelDevice device) {
  llvm::LLVMContext &context = module.getContext();
  auto *ptrType = llvm::PointerType::getUnqual(context);
  auto *i64Type = llvm::Type::getInt64Ty(context);
  auto *entry = llvm::Function::Create(
      llvm::FunctionType::get(llvm::Type::getVoidTy(context), {ptrType}, false),
      llvm::GlobalValue::InternalLinkage, "quill_model_entry", module);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(context, "entry", entry));
  SmallVector<llvm::Value *> args;
  unsigned bufferIndex = 0;
  auto addBuffer = [&](const TensorSignature &tensor) {
    llvm::Value *slot =
        b.CreateConstGEP1_64(ptrType, entry->getArg(0), bufferIndex++);
    llvm::Value *data = b.CreateLoad(ptrType, slot);
    args.push_back(data);
    args.push_back(data);
    args.push_back(llvm::ConstantInt::get(i64Type, 0));
    for (int64_t size : tensor.shape)
      args.push_back(llvm::ConstantInt::get(i64Type, size));
    int64_t stride = 1;
    SmallVector<llvm::Value *> strides;
    for (int64_t size : llvm::reverse(tensor.shape)) {
      strides.push_back(llvm::ConstantInt::get(i64Type, stride));
      stride *= size;
    }
    args.append(strides.rbegin(), strides.rend());
  };
  for (const TensorSignature &input : signature.inputs)
    addBuffer(input);
  SmallVector<llvm::Value *> outputs;
  for (const TensorSignature &output : signature.outputs) {
    if (output.copyOf) {
      outputs.push_back(
          b.CreateLoad(ptrType, b.CreateConstGEP1_64(ptrType, entry->getArg(0),
                                                     bufferIndex++)));
      continue;
    }
    addBuffer(output);
    outputs.push_back(args[args.size() - 3 - 2 * output.shape.size()]);
  }
  b.CreateCall(model, args);
  for (auto [output, buffer] : llvm::zip(signature.outputs, outputs)) {
    if (!output.copyOf)
      continue;
    uint64_t bytes = output.elementBytes;
    for (int64_t size : output.shape)
      bytes *= size;
    copyBuffer(b, device, buffer, outputs[*output.copyOf], bytes);
  }
  b.CreateRetVoid();
  return entry;
}

/// The architecture the kernels of `module` are compiled for (80 for
/// sm_80), or 0 when it has none.
static int32_t getGPUArch(ModuleOp module) {
  for (auto binary : module.getOps<gpu::BinaryOp>())
    for (Attribute object : binary.getObjects())
      if (auto target = dyn_cast<NVVM::NVVMTargetAttr>(
              cast<gpu::ObjectAttr>(object).getTarget())) {
        int32_t arch = 0;
        if (!target.getChip().drop_front(3).getAsInteger(10, arch))
          return arch;
      }
  return 0;
}

std::unique_ptr<llvm::Module> mlir::quill::translateModelToLLVMIR(
    ModuleOp module, const ModelSignature &signature,
    llvm::LLVMContext &llvmContext, ModelDevice device) {
  DialectRegistry registry;
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  module.getContext()->appendDialectRegistry(registry);
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, llvmContext, "quill_model");
  if (!llvmModule)
    return nullptr;
  llvm::Function *model = llvmModule->getFunction(kModelFunctionName);
  if (!model) {
    module.emitError() << "the lowered module has no '" << kModelFunctionName
                       << "' function";
    return nullptr;
  }
  unsigned expected = 0;
  for (const TensorSignature &tensor :
       llvm::concat<const TensorSignature>(signature.inputs, signature.outputs))
    if (!tensor.copyOf)
      expected += 3 + 2 * tensor.shape.size();
  if (model->arg_size() != expected) {
    module.emitError() << "the lowered model function takes "
                       << model->arg_size() << " arguments, expected "
                       << expected << " for its inputs and outputs";
    return nullptr;
  }
  // Only the runtime's quill_* functions are the library's interface.
  for (llvm::Function &function : *llvmModule)
    if (!function.isDeclaration())
      function.setVisibility(llvm::GlobalValue::HiddenVisibility);
  DescriptorBuilder(*llvmModule)
      .build(signature, getGPUArch(module),
             buildEntry(*llvmModule, model, signature, device));
  return llvmModule;
}
