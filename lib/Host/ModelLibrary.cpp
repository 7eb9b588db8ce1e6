//===- ModelLibrary.cpp - Loading and running a compiled model ------------===//

#include "quill/Host/ModelLibrary.h"

#include <dlfcn.h>

using namespace quill::host;

namespace {

template <typename F>
bool resolve(F &function, void *handle, const char *symbol,
             const std::string &path, std::string &error) {
  function = reinterpret_cast<F>(dlsym(handle, symbol));
  if (!function)
    error = path + ": no symbol '" + symbol +
            "'; is it a model compiled by quill-compile?";
  return function != nullptr;
}

/// The metadata functions of inputs or of outputs.
struct Describers {
  const char *(*name)(int32_t);
  quill_dtype (*dtype)(int32_t);
  int32_t (*rank)(int32_t);
  const int64_t *(*shape)(int32_t);
};

bool resolveDescribers(Describers &describers, void *handle,
                       const std::string &kind, const std::string &path,
                       std::string &error) {
  std::string prefix = "quill_" + kind + "_";
  return resolve(describers.name, handle, (prefix + "name").c_str(), path,
                 error) &&
         resolve(describers.dtype, handle, (prefix + "dtype").c_str(), path,
                 error) &&
         resolve(describers.rank, handle, (prefix + "rank").c_str(), path,
                 error) &&
         resolve(describers.shape, handle, (prefix + "shape").c_str(), path,
                 error);
}

bool describeTensors(const std::string &kind, int32_t count,
                     const Describers &describers, const std::string &path,
                     std::vector<TensorInfo> &infos, std::string &error) {
  for (int32_t i = 0; i < count; ++i) {
    TensorInfo info;
    const char *text = describers.name(i);
    info.name = text && *text ? text : kind + "_" + std::to_string(i);
    info.dtype = describers.dtype(i);
    if (!findDType(info.dtype)) {
      error = path + ": " + kind + " " + std::to_string(i) + " ('" + info.name +
              "') has the unknown element type " + std::to_string(info.dtype);
      return false;
    }
    const int64_t *shape = describers.shape(i);
    info.shape.assign(shape, shape + describers.rank(i));
    infos.push_back(info);
  }
  return true;
}

} // namespace

int quill::host::findTensorInfo(const std::vector<TensorInfo> &infos,
                                const std::string &name) {
  for (size_t i = 0; i < infos.size(); ++i)
    if (infos[i].name == name)
      return static_cast<int>(i);
  return -1;
}

std::string quill::host::joinTensorNames(const std::vector<TensorInfo> &infos) {
  std::string names;
  for (const TensorInfo &info : infos)
    names += (names.empty() ? "" : ", ") + info.name;
  return names;
}

bool quill::host::acceptsElementType(quill_dtype expected, quill_dtype actual) {
  // bfloat16 and the small floats are passed as numpy holds them: their
  // bits, read from .npy as uint16 or uint8.
  const DTypeInfo *info = findDType(expected);
  const DTypeInfo *npy = info ? findNpyDType(info->npy + 1) : nullptr;
  return expected == actual || (npy && npy->dtype == actual);
}

std::unique_ptr<ModelLibrary> ModelLibrary::load(const std::string &path,
                                                 std::string &error) {
  // dlopen searches the library path for a name without a slash.
  std::string file = path.find('/') == std::string::npos ? "./" + path : path;
  std::unique_ptr<ModelLibrary> model(new ModelLibrary());
  model->handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!model->handle) {
    error = "cannot load model '" + path + "': " + dlerror();
    return nullptr;
  }
  decltype(&::quill_abi_version) abiVersion;
  decltype(&::quill_num_inputs) numInputs;
  decltype(&::quill_num_outputs) numOutputs;
  Describers inputDescribers, outputDescribers;
  void *handle = model->handle;
  if (!resolve(abiVersion, handle, "quill_abi_version", path, error) ||
      !resolve(numInputs, handle, "quill_num_inputs", path, error) ||
      !resolve(numOutputs, handle, "quill_num_outputs", path, error) ||
      !resolveDescribers(inputDescribers, handle, "input", path, error) ||
      !resolveDescribers(outputDescribers, handle, "output", path, error) ||
      !resolve(model->runFunction, handle, "quill_run", path, error) ||
      !resolve(model->lastError, handle, "quill_last_error", path, error) ||
      !resolve(model->statusString, handle, "quill_status_string", path, error))
    return nullptr;
  model->deviceMs = reinterpret_cast<decltype(model->deviceMs)>(
      dlsym(handle, "quill_last_run_device_ms"));
  if (abiVersion() != QUILL_ABI_VERSION) {
    error = path + ": model ABI version " + std::to_string(abiVersion()) +
            ", this reader reads version " + std::to_string(QUILL_ABI_VERSION);
    return nullptr;
  }
  if (!describeTensors("input", numInputs(), inputDescribers, path,
                       model->inputs, error) ||
      !describeTensors("output", numOutputs(), outputDescribers, path,
                       model->outputs, error))
    return nullptr;
  return model;
}

ModelLibrary::~ModelLibrary() {
  if (handle)
    dlclose(handle);
}

bool ModelLibrary::run(const std::vector<quill_tensor> &inputTensors,
                       std::vector<quill_tensor> &outputTensors,
                       std::string &error) const {
  quill_status status = runFunction(
      inputTensors.data(), static_cast<int32_t>(inputTensors.size()),
      outputTensors.data(), static_cast<int32_t>(outputTensors.size()));
  if (status == QUILL_OK)
    return true;
  error = std::string("quill_run failed (") + statusString(status) +
          "): " + lastError();
  return false;
}

std::optional<double> ModelLibrary::lastRunDeviceMs() const {
  if (!deviceMs)
    return std::nullopt;
  double milliseconds = deviceMs();
  if (milliseconds < 0)
    return std::nullopt;
  return milliseconds;
}

std::vector<Tensor> ModelLibrary::allocateOutputs() const {
  std::vector<Tensor> tensors;
  for (const TensorInfo &info : outputs)
    tensors.push_back(Tensor::zeros(info.dtype, info.shape));
  return tensors;
}
