//===- Tensor.cpp - Host tensors, .npy and TensorProto files --------------===//

#include "quill/Host/Tensor.h"

#include "NpyBytes.h"

#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>

using namespace quill::host;

namespace {

const DTypeInfo dtypeInfos[] = {
    {QUILL_DTYPE_FLOAT32, "float32", 4, "<f4"},
    {QUILL_DTYPE_UINT8, "uint8", 1, "|u1"},
    {QUILL_DTYPE_INT8, "int8", 1, "|i1"},
    {QUILL_DTYPE_UINT16, "uint16", 2, "<u2"},
    {QUILL_DTYPE_INT16, "int16", 2, "<i2"},
    {QUILL_DTYPE_INT32, "int32", 4, "<i4"},
    {QUILL_DTYPE_INT64, "int64", 8, "<i8"},
    {QUILL_DTYPE_BOOL, "bool", 1, "|b1"},
    {QUILL_DTYPE_FLOAT16, "float16", 2, "<f2"},
    {QUILL_DTYPE_FLOAT64, "float64", 8, "<f8"},
    {QUILL_DTYPE_UINT32, "uint32", 4, "<u4"},
    {QUILL_DTYPE_UINT64, "uint64", 8, "<u8"},
    {QUILL_DTYPE_BFLOAT16, "bfloat16", 2, "<u2"},
    // Small floats as their bits, one byte each (numpy uint8).
    {QUILL_DTYPE_FLOAT8E4M3FN, "float8e4m3fn", 1, "|u1"},
    {QUILL_DTYPE_FLOAT8E5M2, "float8e5m2", 1, "|u1"},
    {QUILL_DTYPE_FLOAT4E2M1, "float4e2m1", 1, "|u1"},
    {QUILL_DTYPE_FLOAT8E8M0, "float8e8m0", 1, "|u1"},
    {QUILL_DTYPE_FLOAT6E3M2, "float6e3m2", 1, "|u1"},
    {QUILL_DTYPE_FLOAT6E2M3, "float6e2m3", 1, "|u1"},
};

float halfToFloat(uint16_t bits) {
  int exponent = (bits >> 10) & 0x1f;
  int mantissa = bits & 0x3ff;
  float magnitude;
  if (exponent == 0)
    magnitude = std::ldexp(static_cast<float>(mantissa), -24);
  else if (exponent == 31)
    magnitude = mantissa ? NAN : INFINITY;
  else
    magnitude = std::ldexp(static_cast<float>(mantissa + 1024), exponent - 25);
  return (bits & 0x8000) ? -magnitude : magnitude;
}

template <typename T> T load(const char *p) {
  T value;
  std::memcpy(&value, p, sizeof(T));
  return value;
}

const char npyMagic[] = "\x93NUMPY";
const size_t npyMagicSize = sizeof(npyMagic) - 1;

bool isNpy(const std::string &bytes) {
  return bytes.compare(0, npyMagicSize, npyMagic) == 0;
}

// The text after `'key':` in a .npy header dict, or "" when absent.
std::string npyField(const std::string &header, const std::string &key) {
  size_t at = header.find("'" + key + "'");
  if (at == std::string::npos)
    return "";
  at = header.find(':', at);
  if (at == std::string::npos)
    return "";
  at = header.find_first_not_of(' ', at + 1);
  return at == std::string::npos ? "" : header.substr(at);
}

std::optional<Tensor> parseNpy(const std::string &path,
                               const std::string &bytes, std::string &error) {
  auto fail = [&](const std::string &message) -> std::optional<Tensor> {
    error = path + ": " + message;
    return std::nullopt;
  };
  if (bytes.size() < 10)
    return fail("truncated .npy header");
  unsigned major = static_cast<unsigned char>(bytes[6]);
  size_t headerSize, headerStart;
  if (major == 1) {
    headerSize = load<uint16_t>(bytes.data() + 8);
    headerStart = 10;
  } else if ((major == 2 || major == 3) && bytes.size() >= 12) {
    headerSize = load<uint32_t>(bytes.data() + 8);
    headerStart = 12;
  } else {
    return fail("unsupported .npy version " + std::to_string(major));
  }
  if (bytes.size() < headerStart + headerSize)
    return fail("truncated .npy header");
  std::string header = bytes.substr(headerStart, headerSize);

  Tensor tensor;
  std::string descr = npyField(header, "descr");
  char quote = descr.empty() ? 0 : descr[0];
  size_t close = descr.find(quote, 1);
  if ((quote != '\'' && quote != '"') || close == std::string::npos)
    return fail("no 'descr' in the .npy header");
  descr = descr.substr(1, close - 1);
  // numpy writes '|' for single bytes and '<' for little-endian; '=' is the
  // (little-endian) host order.
  if (descr.size() == 3 && std::strchr("<|=", descr[0]))
    if (const DTypeInfo *info = findNpyDType(descr.substr(1)))
      tensor.dtype = info->dtype;
  if (tensor.dtype == QUILL_DTYPE_UNDEFINED)
    return fail("unsupported numpy dtype '" + descr +
                "' (supported: little-endian f2 f4 f8 i1 u1 i2 u2 i4 u4 i8 "
                "u8 b1)");

  if (npyField(header, "fortran_order").rfind("False", 0) != 0)
    return fail("Fortran-order arrays are not supported; save a C-order "
                "array (numpy.ascontiguousarray)");

  std::string shape = npyField(header, "shape");
  if (shape.empty() || shape[0] != '(')
    return fail("no 'shape' in the .npy header");
  const char *p = shape.c_str() + 1;
  while (true) {
    while (*p == ' ' || *p == ',')
      ++p;
    if (*p == ')')
      break;
    char *end;
    long long dim = std::strtoll(p, &end, 10);
    if (end == p || dim < 0)
      return fail("malformed shape in the .npy header");
    tensor.shape.push_back(dim);
    p = end;
  }

  size_t dataSize = tensor.numElements() * tensor.elementSize();
  size_t present = bytes.size() - headerStart - headerSize;
  if (present != dataSize)
    return fail("holds " + std::to_string(present) + " data bytes, expected " +
                std::to_string(dataSize) + " for " +
                describe(tensor.dtype, tensor.shape));
  tensor.data.assign(bytes.begin() + headerStart + headerSize, bytes.end());
  return tensor;
}

// Stores each value's low `size` bytes: the typed TensorProto fields widen
// small types (int8 ... float16 bit patterns in int32_data, uint32 in
// uint64_data), and the host is little-endian.
template <typename Values>
void storeNarrowed(const Values &values, size_t size, std::vector<char> &out) {
  out.resize(values.size() * size);
  for (int i = 0; i < values.size(); ++i) {
    auto value = values.Get(i);
    std::memcpy(out.data() + i * size, &value, size);
  }
}

std::optional<Tensor> parseTensorProto(const std::string &path,
                                       const std::string &bytes,
                                       std::string &error) {
  auto fail = [&](const std::string &message) -> std::optional<Tensor> {
    error = path + ": " + message;
    return std::nullopt;
  };
  onnx::TensorProto proto;
  // Most byte strings parse as some protobuf message; a tensor has a type.
  if (!proto.ParseFromString(bytes) || !proto.data_type())
    return fail("neither a .npy file nor an ONNX TensorProto");
  if (proto.data_location() == onnx::TensorProto::EXTERNAL)
    return fail("TensorProto with external data is not supported");

  Tensor tensor;
  tensor.name = proto.name();
  const DTypeInfo *info = findDType(proto.data_type());
  // ONNX packs fp4 two per byte; Quill's ABI holds one per byte.
  if (!info || info->dtype == QUILL_DTYPE_FLOAT4E2M1)
    return fail("unsupported TensorProto data_type " +
                std::to_string(proto.data_type()));
  tensor.dtype = info->dtype;
  for (int64_t dim : proto.dims()) {
    if (dim < 0)
      return fail("negative dimension " + std::to_string(dim));
    tensor.shape.push_back(dim);
  }

  if (proto.has_raw_data()) {
    tensor.data.assign(proto.raw_data().begin(), proto.raw_data().end());
  } else {
    switch (tensor.dtype) {
    case QUILL_DTYPE_FLOAT32:
      storeNarrowed(proto.float_data(), info->size, tensor.data);
      break;
    case QUILL_DTYPE_FLOAT64:
      storeNarrowed(proto.double_data(), info->size, tensor.data);
      break;
    case QUILL_DTYPE_INT64:
      storeNarrowed(proto.int64_data(), info->size, tensor.data);
      break;
    case QUILL_DTYPE_UINT32:
    case QUILL_DTYPE_UINT64:
      storeNarrowed(proto.uint64_data(), info->size, tensor.data);
      break;
    default:
      storeNarrowed(proto.int32_data(), info->size, tensor.data);
      break;
    }
  }
  size_t expected = tensor.numElements() * info->size;
  if (tensor.data.size() != expected)
    return fail("holds " + std::to_string(tensor.data.size()) +
                " data bytes, expected " + std::to_string(expected) + " for " +
                describe(tensor.dtype, tensor.shape));
  return tensor;
}

} // namespace

namespace quill::host {

std::optional<std::string> readBytes(const std::string &path,
                                     std::string &error) {
  std::ifstream stream(path, std::ios::binary);
  if (!stream) {
    error = "cannot open '" + path + "'";
    return std::nullopt;
  }
  return std::string(std::istreambuf_iterator<char>(stream),
                     std::istreambuf_iterator<char>());
}

std::optional<Tensor> parseNpyBytes(const std::string &path,
                                    const std::string &bytes,
                                    std::string &error) {
  if (!isNpy(bytes)) {
    error = path + ": not a .npy array";
    return std::nullopt;
  }
  return parseNpy(path, bytes, error);
}

const DTypeInfo *findNpyDType(const std::string &kindAndSize) {
  for (const DTypeInfo &info : dtypeInfos)
    if (kindAndSize == info.npy + 1)
      return &info;
  return nullptr;
}

const DTypeInfo *findDType(int dtype) {
  for (const DTypeInfo &info : dtypeInfos)
    if (info.dtype == dtype)
      return &info;
  return nullptr;
}

bool isFloat(quill_dtype dtype) {
  return dtype == QUILL_DTYPE_FLOAT16 || dtype == QUILL_DTYPE_BFLOAT16 ||
         dtype == QUILL_DTYPE_FLOAT32 || dtype == QUILL_DTYPE_FLOAT64;
}

size_t numElements(const std::vector<int64_t> &shape) {
  size_t count = 1;
  for (int64_t dim : shape)
    count *= static_cast<size_t>(dim);
  return count;
}

std::string formatShape(const std::vector<int64_t> &shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

std::string describe(quill_dtype dtype, const std::vector<int64_t> &shape) {
  const DTypeInfo *info = findDType(dtype);
  return std::string(info ? info->name : "undefined") + " " +
         formatShape(shape);
}

Tensor Tensor::zeros(quill_dtype dtype, std::vector<int64_t> shape) {
  Tensor tensor;
  tensor.dtype = dtype;
  tensor.shape = std::move(shape);
  tensor.data.resize(tensor.numElements() * tensor.elementSize());
  return tensor;
}

size_t Tensor::elementSize() const {
  const DTypeInfo *info = findDType(dtype);
  return info ? info->size : 0;
}

size_t Tensor::numElements() const { return host::numElements(shape); }

double Tensor::elementAsDouble(size_t i) const {
  const char *p = data.data() + i * elementSize();
  switch (dtype) {
  case QUILL_DTYPE_FLOAT32:
    return load<float>(p);
  case QUILL_DTYPE_FLOAT64:
    return load<double>(p);
  case QUILL_DTYPE_FLOAT16:
    return halfToFloat(load<uint16_t>(p));
  case QUILL_DTYPE_BFLOAT16: {
    uint32_t bits = static_cast<uint32_t>(load<uint16_t>(p)) << 16;
    return load<float>(reinterpret_cast<const char *>(&bits));
  }
  case QUILL_DTYPE_UINT8:
  case QUILL_DTYPE_BOOL:
  // Small floats are their bits (as numpy holds them), compared exactly.
  case QUILL_DTYPE_FLOAT8E4M3FN:
  case QUILL_DTYPE_FLOAT8E5M2:
  case QUILL_DTYPE_FLOAT4E2M1:
  case QUILL_DTYPE_FLOAT8E8M0:
  case QUILL_DTYPE_FLOAT6E3M2:
  case QUILL_DTYPE_FLOAT6E2M3:
    return load<uint8_t>(p);
  case QUILL_DTYPE_INT8:
    return load<int8_t>(p);
  case QUILL_DTYPE_UINT16:
    return load<uint16_t>(p);
  case QUILL_DTYPE_INT16:
    return load<int16_t>(p);
  case QUILL_DTYPE_INT32:
    return load<int32_t>(p);
  case QUILL_DTYPE_UINT32:
    return load<uint32_t>(p);
  case QUILL_DTYPE_INT64:
    return static_cast<double>(load<int64_t>(p));
  case QUILL_DTYPE_UINT64:
    return static_cast<double>(load<uint64_t>(p));
  case QUILL_DTYPE_UNDEFINED:
    break;
  }
  return 0;
}

quill_tensor Tensor::view() {
  // quill_run rejects NULL data, which an empty vector may hold.
  static char emptyData;
  return {data.empty() ? &emptyData : data.data(), dtype,
          static_cast<int32_t>(shape.size()), shape.data()};
}

std::optional<Tensor> readTensorFile(const std::string &path,
                                     std::string &error) {
  std::optional<std::string> bytes = readBytes(path, error);
  if (!bytes)
    return std::nullopt;
  if (isNpy(*bytes))
    return parseNpy(path, *bytes, error);
  return parseTensorProto(path, *bytes, error);
}

bool writeNpyFile(const std::string &path, const Tensor &tensor,
                  std::string &error) {
  const DTypeInfo *info = findDType(tensor.dtype);
  if (!info) {
    error = "cannot write '" + path + "': unknown element type";
    return false;
  }
  std::string shape = "(";
  for (size_t i = 0; i < tensor.shape.size(); ++i)
    shape += (i ? ", " : "") + std::to_string(tensor.shape[i]);
  shape += tensor.shape.size() == 1 ? ",)" : ")";
  std::string header = std::string("{'descr': '") + info->npy +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Version 1.0: the data starts at a multiple of 64 after "\n".
  header.append(63 - (10 + header.size()) % 64, ' ');
  header += '\n';
  std::string preamble(npyMagic, npyMagicSize);
  preamble += '\x01';
  preamble += '\x00';
  preamble += static_cast<char>(header.size() & 0xff);
  preamble += static_cast<char>(header.size() >> 8);

  std::ofstream stream(path, std::ios::binary);
  stream << preamble << header;
  stream.write(tensor.data.data(), tensor.data.size());
  if (!stream) {
    error = "cannot write '" + path + "'";
    return false;
  }
  return true;
}

} // namespace quill::host
