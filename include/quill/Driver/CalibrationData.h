//===- CalibrationData.h - Calibration samples from files -------*- C++ -*-===//
//
// The inputs a calibration run feeds the model, one sample at a time:
//
// * a directory with one sub-directory per sample (sorted by name, numbers
//   in numeric order), each holding one file per model input: NAME.npy or
//   NAME.pb named by the input, a TensorProto whose own name is the
//   input's, or ONNX's test_data_set_N/input_K.pb naming the K-th input;
// * an .npz archive with one array per input, named by it, stacking the
//   samples along a new first axis ([N, ...shape]) or along the input's own
//   first axis ([N * d0, ...]).
//
// Every sample's tensors must have the input's element type and shape.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_DRIVER_CALIBRATIONDATA_H
#define QUILL_DRIVER_CALIBRATIONDATA_H

#include "quill/Host/ModelLibrary.h"

namespace mlir::quill {

/// One tensor per model input, in the model's input order.
using CalibrationSample = std::vector<::quill::host::Tensor>;

class CalibrationData {
public:
  /// Opens `path` for a model with `inputs`; errors name the file and input.
  static std::optional<CalibrationData>
  open(const std::string &path,
       const std::vector<::quill::host::TensorInfo> &inputs,
       std::string &error);

  size_t size() const;
  /// Reads sample `index` (directories are read one sample at a time).
  std::optional<CalibrationSample> load(size_t index, std::string &error) const;

private:
  std::vector<::quill::host::TensorInfo> inputs;
  /// A directory's sample sub-directories, or an .npz's arrays per input
  /// with the number of samples they stack.
  std::vector<std::string> sampleDirectories;
  std::vector<::quill::host::Tensor> stacked;
  size_t stackedSamples = 0;
};

} // namespace mlir::quill

#endif // QUILL_DRIVER_CALIBRATIONDATA_H
