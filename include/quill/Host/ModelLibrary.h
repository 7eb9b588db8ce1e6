//===- ModelLibrary.h - Loading and running a compiled model ----*- C++ -*-===//
//
// A model compiled by quill-compile, loaded with dlopen and used through the
// C ABI of quill_model.h alone. Unloaded when destroyed, so a process can
// load, run and drop many (calibration compiles and loads its own).
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_HOST_MODELLIBRARY_H
#define QUILL_HOST_MODELLIBRARY_H

#include "quill/Host/Tensor.h"

#include <memory>
#include <optional>

namespace quill::host {

struct TensorInfo {
  /// The tensor's name, or input_K / output_K when the model has none.
  std::string name;
  quill_dtype dtype;
  std::vector<int64_t> shape;
};

/// The index of the tensor named `name`, or -1.
int findTensorInfo(const std::vector<TensorInfo> &infos,
                   const std::string &name);
/// "a, b, c": the tensors' names, for messages.
std::string joinTensorNames(const std::vector<TensorInfo> &infos);
/// Whether data of element type `actual` may feed a tensor of `expected`:
/// equal types, or uint16 bits for bfloat16 (numpy, and ONNX 1.12's own
/// test data, carry bfloat16 that way).
bool acceptsElementType(quill_dtype expected, quill_dtype actual);

class ModelLibrary {
public:
  /// Loads the library at `path`, or returns null with `error` set (also
  /// when a tensor has an element type this reader does not know).
  static std::unique_ptr<ModelLibrary> load(const std::string &path,
                                            std::string &error);
  ~ModelLibrary();
  ModelLibrary(const ModelLibrary &) = delete;
  ModelLibrary &operator=(const ModelLibrary &) = delete;

  const std::vector<TensorInfo> &getInputs() const { return inputs; }
  const std::vector<TensorInfo> &getOutputs() const { return outputs; }

  /// Runs quill_run; on failure sets `error` to its status and message.
  bool run(const std::vector<quill_tensor> &inputs,
           std::vector<quill_tensor> &outputs, std::string &error) const;

  /// The device time of the last run in milliseconds (GPU models), or
  /// nothing for a model that runs on the host or predates the query.
  std::optional<double> lastRunDeviceMs() const;

  /// Zero-filled output tensors of the model's types and shapes.
  std::vector<Tensor> allocateOutputs() const;

private:
  ModelLibrary() = default;

  void *handle = nullptr;
  decltype(&::quill_run) runFunction = nullptr;
  decltype(&::quill_last_error) lastError = nullptr;
  decltype(&::quill_status_string) statusString = nullptr;
  decltype(&::quill_last_run_device_ms) deviceMs = nullptr; // optional
  std::vector<TensorInfo> inputs, outputs;
};

} // namespace quill::host

#endif // QUILL_HOST_MODELLIBRARY_H
