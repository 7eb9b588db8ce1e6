//===- InputBindings.cpp - What the user fixes about the graph's inputs ---===//
//
// Before shape inference, --input-shape binds the dynamic dimensions of
// inputs and --freeze-input turns inputs into initializers. Both work on the
// ModelProto, so ONNX's inference and Quill's shape folding see the bound
// shapes and frozen values like any others.
//
//===----------------------------------------------------------------------===//

#include "InputBindings.h"

#include "ProtoUtils.h"

#include "quill/Host/Tensor.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <cstring>
#include <limits>

using namespace mlir;
using namespace mlir::quill;
using namespace mlir::quill::onnx_import;

namespace {

/// The element type's name as quill-run writes it ("float32", "int64").
const char *getElementTypeName(int32_t elementType) {
  const ::quill::host::DTypeInfo *info = ::quill::host::findDType(elementType);
  return info ? info->name : "an unknown type";
}

/// "[1, ?, 3]": a shape for messages, dynamic dimensions as '?'.
std::string formatShape(ArrayRef<int64_t> shape) {
  auto formatDim = [](int64_t dim) {
    return dim < 0 ? std::string("?") : std::to_string(dim);
  };
  return "[" + llvm::join(llvm::map_range(shape, formatDim), ", ") + "]";
}

/// Appends `value` to `bytes` as the little-endian bytes of `T`.
template <typename T> void appendValue(std::string &bytes, T value) {
  char raw[sizeof(T)];
  std::memcpy(raw, &value, sizeof(T));
  bytes.append(raw, sizeof(T));
}

/// `value` as an integer in [low, high]; nullopt when it is not one.
std::optional<int64_t> asInteger(double value, double low, double high) {
  if (std::trunc(value) != value || value < low || value > high)
    return std::nullopt;
  return static_cast<int64_t>(value);
}

template <typename T> bool appendInteger(std::string &bytes, double value) {
  std::optional<int64_t> integer =
      asInteger(value, static_cast<double>(std::numeric_limits<T>::min()),
                static_cast<double>(std::numeric_limits<T>::max()));
  if (!integer)
    return false;
  appendValue(bytes, static_cast<T>(*integer));
  return true;
}

/// The numbers of a frozen input as raw bytes of `elementType`; on failure
/// `error` says which number does not fit.
std::optional<std::string> encodeNumbers(ArrayRef<double> numbers,
                                         int32_t elementType,
                                         std::string &error) {
  std::string bytes;
  for (double value : numbers) {
    bool fits = true;
    switch (elementType) {
    case onnx::TensorProto::FLOAT:
      appendValue(bytes, static_cast<float>(value));
      break;
    case onnx::TensorProto::DOUBLE:
      appendValue(bytes, value);
      break;
    case onnx::TensorProto::INT8:
      fits = appendInteger<int8_t>(bytes, value);
      break;
    case onnx::TensorProto::UINT8:
      fits = appendInteger<uint8_t>(bytes, value);
      break;
    case onnx::TensorProto::INT16:
      fits = appendInteger<int16_t>(bytes, value);
      break;
    case onnx::TensorProto::UINT16:
      fits = appendInteger<uint16_t>(bytes, value);
      break;
    case onnx::TensorProto::INT32:
      fits = appendInteger<int32_t>(bytes, value);
      break;
    case onnx::TensorProto::UINT32:
      fits = appendInteger<uint32_t>(bytes, value);
      break;
    case onnx::TensorProto::INT64:
      // int64_t's limits are not doubles; 2^63 is, and is just beyond.
      fits = std::trunc(value) == value && std::abs(value) < 0x1p63;
      if (fits)
        appendValue(bytes, static_cast<int64_t>(value));
      break;
    case onnx::TensorProto::BOOL:
      fits = value == 0 || value == 1;
      if (fits)
        appendValue(bytes, static_cast<uint8_t>(value));
      break;
    default:
      error = std::string("numbers cannot be written as ") +
              getElementTypeName(elementType) + "; give a .npy or .pb file";
      return std::nullopt;
    }
    if (!fits) {
      error = llvm::formatv("{0} cannot be stored as {1}",
                            llvm::format("%g", value),
                            getElementTypeName(elementType))
                  .str();
      return std::nullopt;
    }
  }
  return bytes;
}

/// The shape the numbers of a frozen input take: the input's, when it is
/// static with as many elements; a scalar's or a vector's, when the input's
/// rank says so. On failure `error` says what would fit.
std::optional<SmallVector<int64_t>>
shapeNumbers(size_t count, const onnx::TensorShapeProto *declared,
             std::string &error) {
  if (!declared)
    return count == 1 ? SmallVector<int64_t>()
                      : SmallVector<int64_t>{int64_t(count)};
  SmallVector<int64_t> shape;
  int64_t elements = 1;
  bool isStatic = true;
  for (const auto &dim : declared->dim()) {
    isStatic &= dim.has_dim_value();
    shape.push_back(dim.has_dim_value() ? dim.dim_value() : -1);
    elements *= dim.has_dim_value() ? dim.dim_value() : 1;
  }
  if (isStatic && elements == static_cast<int64_t>(count))
    return shape;
  if (shape.size() == 1 && shape[0] < 0)
    return SmallVector<int64_t>{int64_t(count)};
  error = llvm::formatv("{0} number{1} given, but the input has shape {2}; "
                        "give a .npy or .pb file for it",
                        count, count == 1 ? "" : "s", formatShape(shape))
              .str();
  return std::nullopt;
}

/// Checks a tensor file's value against the input it replaces.
LogicalResult checkFileValue(const FrozenInput &value, int32_t declaredType,
                             const onnx::TensorShapeProto *declared,
                             std::string &error) {
  if (value.elementType != declaredType) {
    error = llvm::formatv("{0} holds {1} values, but the input is {2}",
                          value.source, getElementTypeName(value.elementType),
                          getElementTypeName(declaredType))
                .str();
    return failure();
  }
  if (!declared)
    return success();
  bool agrees = declared->dim_size() == static_cast<int>(value.shape.size());
  for (int index = 0; agrees && index < declared->dim_size(); ++index)
    agrees = !declared->dim(index).has_dim_value() ||
             declared->dim(index).dim_value() == value.shape[index];
  if (!agrees) {
    error = value.source + " holds a tensor of shape " +
            formatShape(value.shape) +
            ", which the input's shape does not allow";
    return failure();
  }
  return success();
}

} // namespace

LogicalResult onnx_import::bindInputShapes(onnx::GraphProto &graph,
                                           const ONNXImportOptions &options,
                                           Location loc) {
  llvm::StringSet<> bound;
  for (onnx::ValueInfoProto &input : *graph.mutable_input()) {
    auto it = options.inputShapes.find(input.name());
    if (it == options.inputShapes.end())
      continue;
    if (options.frozenInputs.contains(input.name()))
      return emitError(loc) << "--input-shape and --freeze-input both name '"
                            << input.name() << "'";
    bound.insert(input.name());
    ArrayRef<int64_t> shape = it->second;
    auto *tensorShape =
        input.mutable_type()->mutable_tensor_type()->mutable_shape();
    if (tensorShape->dim_size() != 0 &&
        tensorShape->dim_size() != static_cast<int>(shape.size()))
      return emitError(loc)
             << "--input-shape for '" << input.name() << "' has rank "
             << shape.size() << " but the input has rank "
             << tensorShape->dim_size();
    for (auto [index, size] : llvm::enumerate(shape)) {
      if (static_cast<int>(index) < tensorShape->dim_size()) {
        auto *dim = tensorShape->mutable_dim(index);
        if (dim->has_dim_value() && dim->dim_value() != size)
          return emitError(loc)
                 << "--input-shape for '" << input.name() << "' sets dimension "
                 << index << " to " << size << " but the model fixes it to "
                 << dim->dim_value();
        dim->set_dim_value(size);
      } else {
        tensorShape->add_dim()->set_dim_value(size);
      }
    }
  }
  for (const auto &entry : options.inputShapes)
    if (!bound.contains(entry.getKey()))
      return emitError(loc) << "--input-shape names '" << entry.getKey()
                            << "', which is not a graph input";
  return success();
}

LogicalResult onnx_import::freezeInputs(onnx::GraphProto &graph,
                                        const ONNXImportOptions &options,
                                        Location loc) {
  for (const auto &entry : options.frozenInputs) {
    StringRef name = entry.getKey();
    const FrozenInput &value = entry.getValue();
    auto input = llvm::find_if(
        *graph.mutable_input(),
        [&](const onnx::ValueInfoProto &info) { return info.name() == name; });
    if (input == graph.mutable_input()->end())
      return emitError(loc) << "--freeze-input names '" << name
                            << "', which is not a graph input";
    if (!input->type().has_tensor_type())
      return emitError(loc)
             << "--freeze-input " << name << ": the input is not a tensor";
    const onnx::TypeProto::Tensor &declaredType = input->type().tensor_type();
    const onnx::TensorShapeProto *declaredShape =
        declaredType.has_shape() ? &declaredType.shape() : nullptr;
    std::string error;
    onnx::TensorProto tensor;
    tensor.set_name(name.str());
    tensor.set_data_type(declaredType.elem_type());
    if (value.elementType != 0) {
      if (failed(checkFileValue(value, declaredType.elem_type(), declaredShape,
                                error)))
        return emitError(loc) << "--freeze-input " << name << ": " << error;
      for (int64_t dim : value.shape)
        tensor.add_dims(dim);
      tensor.set_raw_data(value.rawData);
    } else {
      std::optional<SmallVector<int64_t>> shape =
          shapeNumbers(value.numbers.size(), declaredShape, error);
      std::optional<std::string> bytes =
          shape ? encodeNumbers(value.numbers, declaredType.elem_type(), error)
                : std::nullopt;
      if (!bytes)
        return emitError(loc) << "--freeze-input " << name << ": " << error;
      for (int64_t dim : *shape)
        tensor.add_dims(dim);
      tensor.set_raw_data(*bytes);
    }
    // The input keeps its place among the graph's inputs, with the value's
    // shape; an initializer of its name makes it a constant (a default an
    // older initializer gave it is replaced).
    auto *shape = input->mutable_type()->mutable_tensor_type()->mutable_shape();
    shape->clear_dim();
    for (int64_t dim : tensor.dims())
      shape->add_dim()->set_dim_value(dim);
    auto *initializers = graph.mutable_initializer();
    initializers->erase(std::remove_if(initializers->begin(),
                                       initializers->end(),
                                       [&](const onnx::TensorProto &existing) {
                                         return existing.name() == name;
                                       }),
                        initializers->end());
    *graph.add_initializer() = std::move(tensor);
  }
  return success();
}

LogicalResult mlir::quill::parseInputShape(StringRef spec,
                                           ONNXImportOptions &options,
                                           std::string &error) {
  auto [name, dims] = spec.rsplit('=');
  if (name.empty() || dims.empty()) {
    error = "expected NAME=D0xD1x..., got '" + spec.str() + "'";
    return failure();
  }
  SmallVector<int64_t> shape;
  SmallVector<StringRef> parts;
  dims.split(parts, 'x');
  for (StringRef part : parts) {
    int64_t size;
    if (part.getAsInteger(10, size) || size < 0) {
      error = "expected non-negative dimensions in '" + spec.str() + "'";
      return failure();
    }
    shape.push_back(size);
  }
  options.inputShapes[name] = shape;
  return success();
}

LogicalResult mlir::quill::parseFreezeInput(StringRef spec,
                                            ONNXImportOptions &options,
                                            std::string &error) {
  // Input names may hold '='; values and file names rarely do.
  auto [name, source] = spec.rsplit('=');
  if (name.empty() || source.empty()) {
    error = "expected NAME=FILE.npy, NAME=FILE.pb or NAME=V0,V1,..., got '" +
            spec.str() + "'";
    return failure();
  }
  if (options.frozenInputs.contains(name)) {
    error = "'" + name.str() + "' is frozen twice";
    return failure();
  }
  FrozenInput value;
  value.source = source.str();
  if (source.ends_with(".npy") || source.ends_with(".pb") ||
      llvm::sys::fs::exists(source)) {
    std::optional<::quill::host::Tensor> tensor =
        ::quill::host::readTensorFile(source.str(), error);
    if (!tensor)
      return failure();
    value.elementType = static_cast<int32_t>(tensor->dtype);
    value.shape.assign(tensor->shape.begin(), tensor->shape.end());
    value.rawData.assign(tensor->data.begin(), tensor->data.end());
  } else {
    SmallVector<StringRef> parts;
    source.split(parts, ',');
    for (StringRef part : parts) {
      double number;
      if (part.trim().getAsDouble(number)) {
        error = "'" + source.str() +
                "' is neither a .npy or .pb file nor comma-separated numbers";
        return failure();
      }
      value.numbers.push_back(number);
    }
  }
  options.frozenInputs[name] = std::move(value);
  return success();
}
