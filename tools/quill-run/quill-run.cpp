//===- quill-run.cpp - Run a compiled model on tensor files ---------------===//
//
// quill-run MODEL.so [--input NAME=FILE | --input FILE]... [--expect FILE]...
//           [--rtol R] [--atol A] [--output-dir DIR] [--bench N] [--quiet]
//
// Loads a model compiled by quill-compile through quill_model.h alone (no
// MLIR, no LLVM), reads its inputs from ONNX TensorProto (.pb) or numpy
// (.npy) files, runs it, and prints, compares, saves or times its outputs.
// Exit status: 0 when every compared output matches, 1 when one does not,
// 2 on a usage, load or run error.
//
//===----------------------------------------------------------------------===//

#include "quill/Runtime/quill_model.h"

#include <onnx/onnx_pb.h>

#include <dlfcn.h>
#include <time.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

namespace {

const char *const usage =
    "usage: quill-run MODEL.so [options]\n"
    "\n"
    "Runs a model compiled by quill-compile on tensors read from ONNX\n"
    "TensorProto (.pb) or numpy (.npy) files.\n"
    "\n"
    "  --input NAME=FILE   bind FILE to the input named NAME\n"
    "  --input FILE        bind FILE to the input its .pb names, else to the\n"
    "                      next unbound input\n"
    "  --expect FILE       compare an output with FILE (NAME=FILE, the .pb's\n"
    "                      name, or output order, as for --input)\n"
    "  --rtol R, --atol A  tolerances of float comparisons:\n"
    "                      |got - expected| <= A + R * |expected|\n"
    "                      (default 1e-3 and 1e-5; integers compare exactly)\n"
    "  --output-dir DIR    write each output to DIR/NAME.npy\n"
    "  --bench N           time N more runs after warming up\n"
    "  --quiet             print no output values\n"
    "\n"
    "Exit status: 0 if every compared output matches, 1 if one does not,\n"
    "2 on an error.\n";

[[noreturn]] void fatal(const std::string &message) {
  std::fprintf(stderr, "quill-run: error: %s\n", message.c_str());
  std::exit(2);
}

//===----------------------------------------------------------------------===//
// Element types and tensors
//===----------------------------------------------------------------------===//

struct DTypeInfo {
  quill_dtype dtype;
  const char *name;
  size_t size;
  // The numpy descr; numpy has no bfloat16, so its bits go out as uint16.
  const char *npy;
};

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
};

const DTypeInfo *findDType(int dtype) {
  for (const DTypeInfo &info : dtypeInfos)
    if (info.dtype == dtype)
      return &info;
  return nullptr;
}

const DTypeInfo &dtypeInfo(quill_dtype dtype) {
  const DTypeInfo *info = findDType(dtype);
  if (!info)
    fatal("the model uses the unknown element type " + std::to_string(dtype));
  return *info;
}

bool isFloat(quill_dtype dtype) {
  return dtype == QUILL_DTYPE_FLOAT16 || dtype == QUILL_DTYPE_BFLOAT16 ||
         dtype == QUILL_DTYPE_FLOAT32 || dtype == QUILL_DTYPE_FLOAT64;
}

struct Tensor {
  quill_dtype dtype = QUILL_DTYPE_UNDEFINED;
  std::vector<int64_t> shape;
  // Dense, row-major, little-endian.
  std::vector<char> data;
  // The TensorProto's own name; empty for .npy files.
  std::string name;
};

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

// Element `i` as a double, for float comparisons and error magnitudes.
double elementAsDouble(const Tensor &t, size_t i) {
  const char *p = t.data.data() + i * dtypeInfo(t.dtype).size;
  switch (t.dtype) {
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

std::string formatElement(const Tensor &t, size_t i) {
  const char *p = t.data.data() + i * dtypeInfo(t.dtype).size;
  char text[32];
  if (isFloat(t.dtype))
    std::snprintf(text, sizeof(text), "%.6g", elementAsDouble(t, i));
  else if (t.dtype == QUILL_DTYPE_INT64)
    std::snprintf(text, sizeof(text), "%lld",
                  static_cast<long long>(load<int64_t>(p)));
  else if (t.dtype == QUILL_DTYPE_UINT64)
    std::snprintf(text, sizeof(text), "%llu",
                  static_cast<unsigned long long>(load<uint64_t>(p)));
  else
    std::snprintf(text, sizeof(text), "%.0f", elementAsDouble(t, i));
  return text;
}

//===----------------------------------------------------------------------===//
// Reading and writing tensor files
//===----------------------------------------------------------------------===//

std::string readFile(const std::string &path) {
  std::ifstream stream(path, std::ios::binary);
  if (!stream)
    fatal("cannot open '" + path + "'");
  return std::string(std::istreambuf_iterator<char>(stream),
                     std::istreambuf_iterator<char>());
}

const char npyMagic[] = "\x93NUMPY";
const size_t npyMagicSize = sizeof(npyMagic) - 1;

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

Tensor readNpy(const std::string &path, const std::string &bytes) {
  if (bytes.size() < 10)
    fatal(path + ": truncated .npy header");
  unsigned major = static_cast<unsigned char>(bytes[6]);
  size_t headerSize, headerStart;
  if (major == 1) {
    headerSize = load<uint16_t>(bytes.data() + 8);
    headerStart = 10;
  } else if ((major == 2 || major == 3) && bytes.size() >= 12) {
    headerSize = load<uint32_t>(bytes.data() + 8);
    headerStart = 12;
  } else {
    fatal(path + ": unsupported .npy version " + std::to_string(major));
  }
  if (bytes.size() < headerStart + headerSize)
    fatal(path + ": truncated .npy header");
  std::string header = bytes.substr(headerStart, headerSize);

  Tensor tensor;
  std::string descr = npyField(header, "descr");
  char quote = descr.empty() ? 0 : descr[0];
  size_t close = descr.find(quote, 1);
  if ((quote != '\'' && quote != '"') || close == std::string::npos)
    fatal(path + ": no 'descr' in the .npy header");
  descr = descr.substr(1, close - 1);
  // numpy writes '|' for single bytes and '<' for little-endian; '=' is the
  // (little-endian) host order.
  for (const DTypeInfo &info : dtypeInfos) {
    if (descr.size() == 3 && std::strchr("<|=", descr[0]) &&
        descr.compare(1, 2, info.npy + 1) == 0) {
      tensor.dtype = info.dtype;
      break;
    }
  }
  if (tensor.dtype == QUILL_DTYPE_UNDEFINED)
    fatal(path + ": unsupported numpy dtype '" + descr +
          "' (supported: little-endian f2 f4 f8 i1 u1 i2 u2 i4 u4 i8 u8 b1)");

  if (npyField(header, "fortran_order").rfind("False", 0) != 0)
    fatal(path + ": Fortran-order arrays are not supported; save a C-order "
                 "array (numpy.ascontiguousarray)");

  std::string shape = npyField(header, "shape");
  if (shape.empty() || shape[0] != '(')
    fatal(path + ": no 'shape' in the .npy header");
  const char *p = shape.c_str() + 1;
  while (true) {
    while (*p == ' ' || *p == ',')
      ++p;
    if (*p == ')')
      break;
    char *end;
    long long dim = std::strtoll(p, &end, 10);
    if (end == p || dim < 0)
      fatal(path + ": malformed shape in the .npy header");
    tensor.shape.push_back(dim);
    p = end;
  }

  size_t dataSize = numElements(tensor.shape) * dtypeInfo(tensor.dtype).size;
  if (bytes.size() - headerStart - headerSize != dataSize)
    fatal(path + ": holds " +
          std::to_string(bytes.size() - headerStart - headerSize) +
          " data bytes, expected " + std::to_string(dataSize) + " for " +
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

Tensor readTensorProto(const std::string &path, const std::string &bytes) {
  onnx::TensorProto proto;
  // Most byte strings parse as some protobuf message; a tensor has a type.
  if (!proto.ParseFromString(bytes) || !proto.data_type())
    fatal(path + ": neither a .npy file nor an ONNX TensorProto");
  if (proto.data_location() == onnx::TensorProto::EXTERNAL)
    fatal(path + ": TensorProto with external data is not supported");

  Tensor tensor;
  tensor.name = proto.name();
  const DTypeInfo *info = findDType(proto.data_type());
  if (!info)
    fatal(path + ": unsupported TensorProto data_type " +
          std::to_string(proto.data_type()));
  tensor.dtype = info->dtype;
  for (int64_t dim : proto.dims()) {
    if (dim < 0)
      fatal(path + ": negative dimension " + std::to_string(dim));
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
  size_t expected = numElements(tensor.shape) * info->size;
  if (tensor.data.size() != expected)
    fatal(path + ": holds " + std::to_string(tensor.data.size()) +
          " data bytes, expected " + std::to_string(expected) + " for " +
          describe(tensor.dtype, tensor.shape));
  return tensor;
}

Tensor readTensor(const std::string &path) {
  std::string bytes = readFile(path);
  if (bytes.compare(0, npyMagicSize, npyMagic) == 0)
    return readNpy(path, bytes);
  return readTensorProto(path, bytes);
}

void writeNpy(const std::string &path, const Tensor &tensor) {
  std::string shape = "(";
  for (size_t i = 0; i < tensor.shape.size(); ++i)
    shape += (i ? ", " : "") + std::to_string(tensor.shape[i]);
  shape += tensor.shape.size() == 1 ? ",)" : ")";
  std::string header = std::string("{'descr': '") +
                       dtypeInfo(tensor.dtype).npy +
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
  if (!stream)
    fatal("cannot write '" + path + "'");
}

//===----------------------------------------------------------------------===//
// The model
//===----------------------------------------------------------------------===//

struct TensorInfo {
  // The tensor's name, or input_K / output_K when the model has none.
  std::string name;
  quill_dtype dtype;
  std::vector<int64_t> shape;
};

struct Model {
  decltype(&::quill_abi_version) abiVersion;
  decltype(&::quill_num_inputs) numInputs;
  decltype(&::quill_num_outputs) numOutputs;
  decltype(&::quill_input_name) inputName;
  decltype(&::quill_input_dtype) inputDType;
  decltype(&::quill_input_rank) inputRank;
  decltype(&::quill_input_shape) inputShape;
  decltype(&::quill_output_name) outputName;
  decltype(&::quill_output_dtype) outputDType;
  decltype(&::quill_output_rank) outputRank;
  decltype(&::quill_output_shape) outputShape;
  decltype(&::quill_run) run;
  decltype(&::quill_last_error) lastError;
  decltype(&::quill_status_string) statusString;

  std::vector<TensorInfo> inputs, outputs;
};

template <typename F>
void resolve(F &function, void *handle, const char *symbol,
             const std::string &path) {
  function = reinterpret_cast<F>(dlsym(handle, symbol));
  if (!function)
    fatal(path + ": no symbol '" + symbol +
          "'; is it a model compiled by quill-compile?");
}

std::vector<TensorInfo> describeTensors(const char *kind, int32_t count,
                                        const char *(*name)(int32_t),
                                        quill_dtype (*dtype)(int32_t),
                                        int32_t (*rank)(int32_t),
                                        const int64_t *(*shape)(int32_t)) {
  std::vector<TensorInfo> infos;
  for (int32_t i = 0; i < count; ++i) {
    TensorInfo info;
    const char *text = name(i);
    info.name = text && *text ? text : kind + ("_" + std::to_string(i));
    info.dtype = dtype(i);
    info.shape.assign(shape(i), shape(i) + rank(i));
    infos.push_back(info);
  }
  return infos;
}

Model loadModel(const std::string &path) {
  // dlopen searches the library path for a name without a slash.
  std::string file = path.find('/') == std::string::npos ? "./" + path : path;
  void *handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    fatal("cannot load model '" + path + "': " + dlerror());

  Model m;
  resolve(m.abiVersion, handle, "quill_abi_version", path);
  resolve(m.numInputs, handle, "quill_num_inputs", path);
  resolve(m.numOutputs, handle, "quill_num_outputs", path);
  resolve(m.inputName, handle, "quill_input_name", path);
  resolve(m.inputDType, handle, "quill_input_dtype", path);
  resolve(m.inputRank, handle, "quill_input_rank", path);
  resolve(m.inputShape, handle, "quill_input_shape", path);
  resolve(m.outputName, handle, "quill_output_name", path);
  resolve(m.outputDType, handle, "quill_output_dtype", path);
  resolve(m.outputRank, handle, "quill_output_rank", path);
  resolve(m.outputShape, handle, "quill_output_shape", path);
  resolve(m.run, handle, "quill_run", path);
  resolve(m.lastError, handle, "quill_last_error", path);
  resolve(m.statusString, handle, "quill_status_string", path);
  if (m.abiVersion() != QUILL_ABI_VERSION)
    fatal(path + ": model ABI version " + std::to_string(m.abiVersion()) +
          ", quill-run reads version " + std::to_string(QUILL_ABI_VERSION));

  m.inputs = describeTensors("input", m.numInputs(), m.inputName, m.inputDType,
                             m.inputRank, m.inputShape);
  m.outputs = describeTensors("output", m.numOutputs(), m.outputName,
                              m.outputDType, m.outputRank, m.outputShape);
  return m;
}

//===----------------------------------------------------------------------===//
// Binding files to tensors
//===----------------------------------------------------------------------===//

struct Bound {
  Tensor tensor;
  std::string file;
  bool present = false;
};

std::string label(const char *kind, size_t index, const TensorInfo &info) {
  return std::string(kind) + " " + std::to_string(index) + " ('" + info.name +
         "')";
}

int findTensor(const std::vector<TensorInfo> &infos, const std::string &name) {
  for (size_t i = 0; i < infos.size(); ++i)
    if (infos[i].name == name)
      return static_cast<int>(i);
  return -1;
}

// Binds `specs` (NAME=FILE or FILE) to `infos`: by name first, then bare
// files by their TensorProto's name, then the rest in order to the next
// unbound tensor. Checks each file's element type and shape.
std::vector<Bound> bindFiles(const std::vector<std::string> &specs,
                             const std::vector<TensorInfo> &infos,
                             const char *kind, const char *option) {
  std::vector<Bound> bound(infos.size());
  auto assign = [&](size_t index, Tensor tensor, const std::string &file) {
    const TensorInfo &info = infos[index];
    if (bound[index].present)
      fatal(label(kind, index, info) + " is given twice: '" +
            bound[index].file + "' and '" + file + "'");
    // numpy, and ONNX 1.12's own test data, carry bfloat16 as uint16 bits.
    if (info.dtype == QUILL_DTYPE_BFLOAT16 &&
        tensor.dtype == QUILL_DTYPE_UINT16)
      tensor.dtype = QUILL_DTYPE_BFLOAT16;
    if (tensor.dtype != info.dtype || tensor.shape != info.shape)
      fatal(file + ": " + label(kind, index, info) + " is " +
            describe(info.dtype, info.shape) + ", the file holds " +
            describe(tensor.dtype, tensor.shape));
    bound[index] = {std::move(tensor), file, true};
  };

  std::vector<std::pair<std::string, Tensor>> bare;
  for (const std::string &spec : specs) {
    size_t equals = spec.find('=');
    std::string name = spec.substr(0, equals);
    // A file whose path holds '=' still binds as a bare file.
    std::error_code error;
    if (equals == std::string::npos ||
        (findTensor(infos, name) < 0 && std::filesystem::exists(spec, error))) {
      bare.emplace_back(spec, readTensor(spec));
      continue;
    }
    int index = findTensor(infos, name);
    if (index < 0) {
      std::string names;
      for (const TensorInfo &info : infos)
        names += (names.empty() ? "" : ", ") + info.name;
      fatal(std::string(option) + " " + spec + ": the model has no " + kind +
            " named '" + name + "' (" + kind + "s: " + names + ")");
    }
    std::string file = spec.substr(equals + 1);
    assign(index, readTensor(file), file);
  }

  std::vector<std::pair<std::string, Tensor>> positional;
  for (auto &[file, tensor] : bare) {
    int index = tensor.name.empty() ? -1 : findTensor(infos, tensor.name);
    if (index >= 0 && !bound[index].present)
      assign(index, std::move(tensor), file);
    else
      positional.emplace_back(file, std::move(tensor));
  }
  size_t next = 0;
  for (auto &[file, tensor] : positional) {
    while (next < infos.size() && bound[next].present)
      ++next;
    if (next == infos.size())
      fatal(file + ": every " + kind + " is already bound (the model has " +
            std::to_string(infos.size()) + " " + kind + "s)");
    assign(next, std::move(tensor), file);
  }
  return bound;
}

//===----------------------------------------------------------------------===//
// Running, comparing, timing
//===----------------------------------------------------------------------===//

quill_tensor toQuill(Tensor &tensor) {
  // quill_run rejects NULL data, which an empty vector may hold.
  static char emptyData;
  return {tensor.data.empty() ? &emptyData : tensor.data.data(), tensor.dtype,
          static_cast<int32_t>(tensor.shape.size()), tensor.shape.data()};
}

// The quill_run arguments, built once so --bench times the model alone.
struct Invocation {
  std::vector<quill_tensor> inputs, outputs;
};

Invocation prepare(std::vector<Tensor> &inputs, std::vector<Tensor> &outputs) {
  Invocation invocation;
  for (Tensor &tensor : inputs)
    invocation.inputs.push_back(toQuill(tensor));
  for (Tensor &tensor : outputs)
    invocation.outputs.push_back(toQuill(tensor));
  return invocation;
}

void runModel(const Model &model, Invocation &invocation) {
  quill_status status = model.run(
      invocation.inputs.data(), static_cast<int32_t>(invocation.inputs.size()),
      invocation.outputs.data(),
      static_cast<int32_t>(invocation.outputs.size()));
  if (status != QUILL_OK)
    fatal(std::string("quill_run failed (") + model.statusString(status) +
          "): " + model.lastError());
}

std::string formatIndex(size_t flat, const std::vector<int64_t> &shape) {
  std::vector<int64_t> index(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    index[d] = static_cast<int64_t>(flat % shape[d]);
    flat /= shape[d];
  }
  return formatShape(index);
}

// Prints "match" or what differs; returns whether `actual` matches.
bool compare(const Tensor &actual, const Tensor &expected, double rtol,
             double atol) {
  size_t count = numElements(actual.shape);
  size_t size = dtypeInfo(actual.dtype).size;
  size_t mismatches = 0, worst = 0;
  double worstError = -1;
  for (size_t i = 0; i < count; ++i) {
    double got = elementAsDouble(actual, i);
    double want = elementAsDouble(expected, i);
    bool equal;
    double error;
    if (!isFloat(actual.dtype)) {
      equal = std::memcmp(actual.data.data() + i * size,
                          expected.data.data() + i * size, size) == 0;
      error = std::fabs(got - want);
    } else if (std::isnan(got) || std::isnan(want)) {
      equal = std::isnan(got) && std::isnan(want);
      error = INFINITY;
    } else if (std::isinf(got) || std::isinf(want)) {
      equal = got == want;
      error = INFINITY;
    } else {
      error = std::fabs(got - want);
      equal = error <= atol + rtol * std::fabs(want);
    }
    if (equal)
      continue;
    ++mismatches;
    if (error > worstError) {
      worstError = error;
      worst = i;
    }
  }
  if (!mismatches) {
    std::printf("  match\n");
    return true;
  }
  std::printf("  MISMATCH: %zu of %zu elements differ, max abs err %g at "
              "index %s (got %s, expected %s)\n",
              mismatches, count, worstError,
              formatIndex(worst, actual.shape).c_str(),
              formatElement(actual, worst).c_str(),
              formatElement(expected, worst).c_str());
  return false;
}

void printValues(const Tensor &tensor) {
  const size_t shown = 8;
  size_t count = numElements(tensor.shape);
  std::string text = "  [";
  for (size_t i = 0; i < std::min(count, shown); ++i)
    text += (i ? ", " : "") + formatElement(tensor, i);
  text += count > shown ? ", ...]" : "]";
  std::printf("%s\n", text.c_str());
}

// A file name made of [A-Za-z0-9._-] only, unique among `used`.
std::string fileNameFor(const std::string &name, size_t index,
                        std::set<std::string> &used) {
  std::string safe = name;
  for (char &c : safe)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' &&
        c != '-')
      c = '_';
  if (safe.empty() || safe == "." || safe == "..")
    safe = "output_" + std::to_string(index);
  if (!used.insert(safe).second) {
    safe += "_" + std::to_string(index);
    used.insert(safe);
  }
  return safe + ".npy";
}

double nowMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

void bench(const Model &model, Invocation &invocation, int runs) {
  for (int i = 0; i < std::max(1, runs / 10); ++i)
    runModel(model, invocation);
  std::vector<double> times;
  for (int i = 0; i < runs; ++i) {
    double start = nowMs();
    runModel(model, invocation);
    times.push_back(nowMs() - start);
  }
  std::sort(times.begin(), times.end());
  double median =
      runs % 2 ? times[runs / 2] : (times[runs / 2 - 1] + times[runs / 2]) / 2;
  double mean = 0;
  for (double t : times)
    mean += t / runs;
  std::printf("bench: runs=%d min_ms=%.4f median_ms=%.4f mean_ms=%.4f\n", runs,
              times.front(), median, mean);
}

struct Options {
  std::string model;
  std::vector<std::string> inputs, expects;
  double rtol = 1e-3, atol = 1e-5;
  std::string outputDir;
  int benchRuns = 0;
  bool quiet = false;
};

double parseTolerance(const std::string &option, const std::string &text) {
  char *end;
  double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end || !(value >= 0) || std::isinf(value))
    fatal(option + " expects a non-negative number, got '" + text + "'");
  return value;
}

Options parseOptions(int argc, char **argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::fputs(usage, stdout);
      std::exit(0);
    }
    if (arg == "--quiet") {
      options.quiet = true;
      continue;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      if (!options.model.empty())
        fatal("unexpected argument '" + arg +
              "'; inputs are passed with --input");
      options.model = arg;
      continue;
    }
    // Every other option takes a value: --opt VALUE or --opt=VALUE.
    std::string option = arg.substr(0, arg.find('=')), value;
    static const std::set<std::string> valued = {
        "--input", "--expect", "--rtol", "--atol", "--output-dir", "--bench"};
    if (!valued.count(option))
      fatal("unknown option '" + option + "' (see quill-run --help)");
    if (option.size() < arg.size())
      value = arg.substr(option.size() + 1);
    else if (i + 1 < argc)
      value = argv[++i];
    else
      fatal(option + " expects a value");
    if (option == "--input") {
      options.inputs.push_back(value);
    } else if (option == "--expect") {
      options.expects.push_back(value);
    } else if (option == "--rtol") {
      options.rtol = parseTolerance(option, value);
    } else if (option == "--atol") {
      options.atol = parseTolerance(option, value);
    } else if (option == "--output-dir") {
      options.outputDir = value;
    } else if (option == "--bench") {
      char *end;
      long runs = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end || runs < 1 || runs > 1000000000)
        fatal("--bench expects a positive number of runs, got '" + value + "'");
      options.benchRuns = static_cast<int>(runs);
    }
  }
  if (options.model.empty())
    fatal("no model given\n" + std::string(usage));
  return options;
}

} // namespace

int main(int argc, char **argv) {
  Options options = parseOptions(argc, argv);
  Model model = loadModel(options.model);

  std::vector<Bound> boundInputs =
      bindFiles(options.inputs, model.inputs, "input", "--input");
  std::vector<Tensor> inputs;
  for (size_t i = 0; i < boundInputs.size(); ++i) {
    if (!boundInputs[i].present)
      fatal(label("input", i, model.inputs[i]) +
            " has no value; pass --input " + model.inputs[i].name + "=FILE");
    inputs.push_back(std::move(boundInputs[i].tensor));
  }
  std::vector<Bound> expected =
      bindFiles(options.expects, model.outputs, "output", "--expect");

  std::vector<Tensor> outputs;
  for (const TensorInfo &info : model.outputs) {
    Tensor tensor;
    tensor.dtype = info.dtype;
    tensor.shape = info.shape;
    tensor.data.resize(numElements(info.shape) * dtypeInfo(info.dtype).size);
    outputs.push_back(std::move(tensor));
  }
  Invocation invocation = prepare(inputs, outputs);
  runModel(model, invocation);

  bool allMatch = true;
  for (size_t i = 0; i < outputs.size(); ++i) {
    std::printf("output %s: %s\n", model.outputs[i].name.c_str(),
                describe(outputs[i].dtype, outputs[i].shape).c_str());
    if (!options.quiet)
      printValues(outputs[i]);
    if (expected[i].present)
      allMatch &=
          compare(outputs[i], expected[i].tensor, options.rtol, options.atol);
  }

  if (!options.outputDir.empty()) {
    std::error_code error;
    std::filesystem::create_directories(options.outputDir, error);
    if (error)
      fatal("cannot create '" + options.outputDir + "': " + error.message());
    std::set<std::string> used;
    for (size_t i = 0; i < outputs.size(); ++i)
      writeNpy(options.outputDir + "/" +
                   fileNameFor(model.outputs[i].name, i, used),
               outputs[i]);
  }

  if (options.benchRuns)
    bench(model, invocation, options.benchRuns);
  std::fflush(stdout);
  return allMatch ? 0 : 1;
}
