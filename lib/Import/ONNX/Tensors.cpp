//===- Tensors.cpp - ONNX types and tensor data into MLIR -----------------===//

#include "Tensors.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

using namespace mlir;
using namespace mlir::quill::onnx_import;
using onnx::TensorProto_DataType;

Type mlir::quill::onnx_import::convertElementType(MLIRContext *context,
                                                  int32_t onnxType) {
  Builder b(context);
  auto unsignedType = [&](unsigned width) {
    return IntegerType::get(context, width, IntegerType::Unsigned);
  };
  switch (onnxType) {
  case onnx::TensorProto::FLOAT:
    return b.getF32Type();
  case onnx::TensorProto::DOUBLE:
    return b.getF64Type();
  case onnx::TensorProto::FLOAT16:
    return b.getF16Type();
  case onnx::TensorProto::BFLOAT16:
    return b.getBF16Type();
  case onnx::TensorProto::INT8:
    return b.getIntegerType(8);
  case onnx::TensorProto::INT16:
    return b.getIntegerType(16);
  case onnx::TensorProto::INT32:
    return b.getIntegerType(32);
  case onnx::TensorProto::INT64:
    return b.getIntegerType(64);
  case onnx::TensorProto::UINT8:
    return unsignedType(8);
  case onnx::TensorProto::UINT16:
    return unsignedType(16);
  case onnx::TensorProto::UINT32:
    return unsignedType(32);
  case onnx::TensorProto::UINT64:
    return unsignedType(64);
  case onnx::TensorProto::BOOL:
    return b.getI1Type();
  default:
    return {};
  }
}

std::string mlir::quill::onnx_import::getDataTypeName(int32_t onnxType) {
  if (onnx::TensorProto_DataType_IsValid(onnxType))
    return onnx::TensorProto_DataType_Name(
        static_cast<TensorProto_DataType>(onnxType));
  return "data type " + std::to_string(onnxType);
}

FailureOr<RankedTensorType> mlir::quill::onnx_import::convertTensorType(
    MLIRContext *context, const onnx::TypeProto &type, std::string &error) {
  if (!type.has_tensor_type()) {
    error = "expected a tensor type";
    return failure();
  }
  const onnx::TypeProto_Tensor &tensor = type.tensor_type();
  Type element = convertElementType(context, tensor.elem_type());
  if (!element) {
    error = "unsupported element type " + getDataTypeName(tensor.elem_type());
    return failure();
  }
  if (!tensor.has_shape()) {
    error = "unknown rank";
    return failure();
  }
  SmallVector<int64_t> shape;
  for (const onnx::TensorShapeProto_Dimension &dim : tensor.shape().dim())
    shape.push_back(dim.has_dim_value() && dim.dim_value() >= 0
                        ? dim.dim_value()
                        : ShapedType::kDynamic);
  return RankedTensorType::get(shape, element);
}

/// Bytes per element of the raw little-endian encoding.
static unsigned getRawElementSize(Type element) {
  return element.isInteger(1) ? 1 : element.getIntOrFloatBitWidth() / 8;
}

/// Reads `tensor`'s external data (location, offset, length entries).
static FailureOr<std::unique_ptr<llvm::MemoryBuffer>>
readExternalData(const onnx::TensorProto &tensor, StringRef modelDir,
                 std::string &error) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const onnx::StringStringEntryProto &entry : tensor.external_data()) {
    if (entry.key() == "location")
      location = entry.value();
    else if (entry.key() == "offset" &&
             StringRef(entry.value()).getAsInteger(10, offset))
      offset = -1;
    else if (entry.key() == "length" &&
             StringRef(entry.value()).getAsInteger(10, length))
      length = -2;
  }
  if (location.empty() || offset < 0 || length < -1) {
    error = "external data of '" + tensor.name() +
            "' has no location or a malformed offset/length";
    return failure();
  }
  SmallString<256> path(modelDir);
  llvm::sys::path::append(path, location);
  uint64_t fileSize;
  if (std::error_code ec = llvm::sys::fs::file_size(path, fileSize)) {
    error = "cannot read external data of '" + tensor.name() + "' from '" +
            std::string(path) + "': " + ec.message();
    return failure();
  }
  if (length < 0)
    length = static_cast<int64_t>(fileSize) - offset;
  if (length < 0 || static_cast<uint64_t>(offset + length) > fileSize) {
    error = "external data of '" + tensor.name() + "' in '" +
            std::string(path) + "' is truncated";
    return failure();
  }
  // getFileSlice memory-maps large files instead of reading them.
  auto buffer = llvm::MemoryBuffer::getFileSlice(path, length, offset,
                                                 /*IsVolatile=*/false);
  if (!buffer) {
    error = "cannot read external data of '" + tensor.name() + "' from '" +
            std::string(path) + "': " + buffer.getError().message();
    return failure();
  }
  return std::move(*buffer);
}

/// Builds the attribute from raw little-endian bytes.
static FailureOr<DenseElementsAttr> fromRawBytes(RankedTensorType type,
                                                 StringRef bytes,
                                                 const std::string &name,
                                                 std::string &error) {
  Type element = type.getElementType();
  uint64_t expected = type.getNumElements() * getRawElementSize(element);
  if (bytes.size() != expected) {
    error = "tensor '" + name + "' has " + std::to_string(bytes.size()) +
            " bytes of data, expected " + std::to_string(expected);
    return failure();
  }
  if (element.isInteger(1)) {
    SmallVector<bool> values;
    for (char byte : bytes)
      values.push_back(byte != 0);
    return DenseElementsAttr::get(type, ArrayRef<bool>(values));
  }
  static_assert(llvm::endianness::native == llvm::endianness::little,
                "ONNX raw data is little-endian");
  return DenseElementsAttr::getFromRawBuffer(
      type, ArrayRef<char>(bytes.data(), bytes.size()));
}

/// Builds the attribute from the typed repeated fields.
static FailureOr<DenseElementsAttr>
fromTypedFields(RankedTensorType type, const onnx::TensorProto &tensor,
                std::string &error) {
  Type element = type.getElementType();
  int64_t count = type.getNumElements();
  auto sizeError = [&](int64_t got) {
    error = "tensor '" + tensor.name() + "' has " + std::to_string(got) +
            " values, expected " + std::to_string(count);
    return failure();
  };
  switch (tensor.data_type()) {
  case onnx::TensorProto::FLOAT: {
    if (tensor.float_data_size() != count)
      return sizeError(tensor.float_data_size());
    return DenseElementsAttr::get(
        type, ArrayRef<float>(tensor.float_data().data(), count));
  }
  case onnx::TensorProto::DOUBLE: {
    if (tensor.double_data_size() != count)
      return sizeError(tensor.double_data_size());
    return DenseElementsAttr::get(
        type, ArrayRef<double>(tensor.double_data().data(), count));
  }
  case onnx::TensorProto::INT64: {
    if (tensor.int64_data_size() != count)
      return sizeError(tensor.int64_data_size());
    return DenseElementsAttr::get(
        type, ArrayRef<int64_t>(tensor.int64_data().data(), count));
  }
  case onnx::TensorProto::UINT32:
  case onnx::TensorProto::UINT64: {
    if (tensor.uint64_data_size() != count)
      return sizeError(tensor.uint64_data_size());
    SmallVector<APInt> values;
    for (uint64_t value : tensor.uint64_data())
      values.emplace_back(element.getIntOrFloatBitWidth(), value);
    return DenseElementsAttr::get(type, values);
  }
  default:
    break;
  }
  // Everything narrower than 32 bits, and int32, travels in int32_data:
  // integers as values, float16/bfloat16 as their bit patterns.
  if (tensor.int32_data_size() != count)
    return sizeError(tensor.int32_data_size());
  unsigned width = element.getIntOrFloatBitWidth();
  if (auto floatType = dyn_cast<FloatType>(element)) {
    SmallVector<APFloat> values;
    for (int32_t bits : tensor.int32_data())
      values.emplace_back(floatType.getFloatSemantics(),
                          APInt(width, static_cast<uint64_t>(bits) & 0xFFFF));
    return DenseElementsAttr::get(type, values);
  }
  SmallVector<APInt> values;
  for (int32_t value : tensor.int32_data())
    values.emplace_back(width, static_cast<uint64_t>(value),
                        /*isSigned=*/false, /*implicitTrunc=*/true);
  return DenseElementsAttr::get(type, values);
}

FailureOr<DenseElementsAttr> mlir::quill::onnx_import::convertTensor(
    MLIRContext *context, const onnx::TensorProto &tensor, StringRef modelDir,
    std::string &error) {
  Type element = convertElementType(context, tensor.data_type());
  if (!element) {
    error = "tensor '" + tensor.name() + "' has unsupported element type " +
            getDataTypeName(tensor.data_type());
    return failure();
  }
  SmallVector<int64_t> shape;
  int64_t count = 1;
  for (int64_t dim : tensor.dims()) {
    // Bound the element count so malformed sizes cannot overflow.
    if (dim < 0 || (dim != 0 && count > (int64_t(1) << 40) / dim)) {
      error = "tensor '" + tensor.name() + "' has an invalid shape";
      return failure();
    }
    shape.push_back(dim);
    count *= dim;
  }
  auto type = RankedTensorType::get(shape, element);
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
    auto buffer = readExternalData(tensor, modelDir, error);
    if (failed(buffer))
      return failure();
    return fromRawBytes(type, (*buffer)->getBuffer(), tensor.name(), error);
  }
  if (tensor.has_raw_data())
    return fromRawBytes(type, tensor.raw_data(), tensor.name(), error);
  return fromTypedFields(type, tensor, error);
}
