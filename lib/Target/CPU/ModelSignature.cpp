//===- ModelSignature.cpp - The model's inputs and outputs for the C ABI --===//

#include "quill/Target/CPU/CPUTarget.h"

#include "quill/Conversion/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

using namespace mlir;
using namespace mlir::quill;

/// The quill_dtype code (ONNX's TensorProto.DataType) of an element type.
static std::optional<int32_t> getDTypeCode(Type type) {
  if (type.isF32())
    return 1;
  // Small floats cross the ABI as one byte of bits per element; fp6 has no
  // ONNX code, so Quill gives it its own.
  if (isa<Float8E4M3FNType>(type))
    return 17;
  if (isa<Float8E5M2Type>(type))
    return 19;
  if (isa<Float4E2M1FNType>(type))
    return 23;
  if (isa<Float8E8M0FNUType>(type))
    return 24;
  if (isa<Float6E3M2FNType>(type))
    return 64;
  if (isa<Float6E2M3FNType>(type))
    return 65;
  if (type.isF16())
    return 10;
  if (type.isF64())
    return 11;
  if (type.isBF16())
    return 16;
  auto integer = dyn_cast<IntegerType>(type);
  if (!integer)
    return std::nullopt;
  bool isUnsigned = integer.isUnsigned();
  switch (integer.getWidth()) {
  case 1:
    return 9;
  case 8:
    return isUnsigned ? 2 : 3;
  case 16:
    return isUnsigned ? 4 : 5;
  case 32:
    return isUnsigned ? 12 : 6;
  case 64:
    return isUnsigned ? 13 : 7;
  default:
    return std::nullopt;
  }
}

static FailureOr<TensorSignature>
describeTensor(func::FuncOp function, Type type, DictionaryAttr attrs,
               StringRef role, unsigned index) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor || !tensor.hasStaticShape())
    return function.emitError() << role << " " << index << " has type " << type
                                << "; the CPU target needs static shapes "
                                   "(bind them with --input-shape)";
  std::optional<int32_t> dtype = getDTypeCode(tensor.getElementType());
  if (!dtype)
    return function.emitError()
           << role << " " << index << " has element type "
           << tensor.getElementType() << ", which the C ABI cannot describe";
  TensorSignature signature;
  if (attrs)
    if (auto name = attrs.getAs<StringAttr>("quill.name"))
      signature.name = name.str();
  signature.dtype = *dtype;
  signature.elementBytes =
      std::max(1u, tensor.getElementType().getIntOrFloatBitWidth() / 8);
  signature.shape.assign(tensor.getShape().begin(), tensor.getShape().end());
  return signature;
}

FailureOr<ModelSignature> mlir::quill::readModelSignature(ModuleOp module) {
  FailureOr<func::FuncOp> entry = getModelEntryFunction(module);
  if (failed(entry))
    return failure();

  ModelSignature signature;
  if (auto name = module->getAttrOfType<StringAttr>("quill.model_name"))
    signature.modelName = name.str();
  else
    signature.modelName = entry->getSymName().str();
  FunctionType type = entry->getFunctionType();
  for (auto [index, input] : llvm::enumerate(type.getInputs())) {
    FailureOr<TensorSignature> tensor = describeTensor(
        *entry, input, entry->getArgAttrDict(index), "input", index);
    if (failed(tensor))
      return failure();
    signature.inputs.push_back(std::move(*tensor));
  }
  for (auto [index, output] : llvm::enumerate(type.getResults())) {
    FailureOr<TensorSignature> tensor = describeTensor(
        *entry, output, entry->getResultAttrDict(index), "output", index);
    if (failed(tensor))
      return failure();
    signature.outputs.push_back(std::move(*tensor));
  }
  // quill-prepare-entry-point drops these results; the entry point copies.
  for (auto [index, first] : llvm::enumerate(getRepeatedResults(*entry)))
    if (first)
      signature.outputs[index].copyOf = *first;
  return signature;
}
