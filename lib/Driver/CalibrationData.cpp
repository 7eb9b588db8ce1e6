//===- CalibrationData.cpp - Calibration samples from files ---------------===//

#include "quill/Driver/CalibrationData.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

using namespace mlir::quill;
using ::quill::host::acceptsElementType;
using ::quill::host::describe;
using ::quill::host::findTensorInfo;
using ::quill::host::joinTensorNames;
using ::quill::host::Tensor;
using ::quill::host::TensorInfo;

namespace fs = std::filesystem;

namespace {

/// Orders "sample_2" before "sample_10": digit runs compare as numbers.
bool naturalLess(const std::string &a, const std::string &b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (std::isdigit(static_cast<unsigned char>(a[i])) &&
        std::isdigit(static_cast<unsigned char>(b[j]))) {
      size_t iEnd = i, jEnd = j;
      while (iEnd < a.size() &&
             std::isdigit(static_cast<unsigned char>(a[iEnd])))
        ++iEnd;
      while (jEnd < b.size() &&
             std::isdigit(static_cast<unsigned char>(b[jEnd])))
        ++jEnd;
      std::string x = a.substr(i, iEnd - i), y = b.substr(j, jEnd - j);
      x.erase(0, std::min(x.find_first_not_of('0'), x.size()));
      y.erase(0, std::min(y.find_first_not_of('0'), y.size()));
      if (x.size() != y.size())
        return x.size() < y.size();
      if (x != y)
        return x < y;
      i = iEnd;
      j = jEnd;
      continue;
    }
    if (a[i] != b[j])
      return a[i] < b[j];
    ++i;
    ++j;
  }
  return a.size() - i < b.size() - j;
}

/// K for ONNX's "input_K", else -1.
int onnxInputIndex(const std::string &stem) {
  const std::string prefix = "input_";
  if (stem.compare(0, prefix.size(), prefix) != 0 ||
      stem.size() == prefix.size() ||
      !std::all_of(stem.begin() + prefix.size(), stem.end(),
                   [](char c) { return std::isdigit(c); }))
    return -1;
  return std::stoi(stem.substr(prefix.size()));
}

/// How many samples an .npz array stacks for `input`, or 0 if its shape
/// fits neither stacking.
size_t countStacked(const Tensor &array, const TensorInfo &input) {
  const std::vector<int64_t> &shape = input.shape;
  const std::vector<int64_t> &stacked = array.shape;
  if (stacked.size() == shape.size() + 1 &&
      std::equal(shape.begin(), shape.end(), stacked.begin() + 1))
    return stacked[0];
  if (!shape.empty() && stacked.size() == shape.size() && shape[0] > 0 &&
      stacked[0] % shape[0] == 0 &&
      std::equal(shape.begin() + 1, shape.end(), stacked.begin() + 1))
    return stacked[0] / shape[0];
  return 0;
}

/// "[N, 1, 4] or [N * 1, 4]" for a shape [1, 4].
std::string describeStackings(const std::vector<int64_t> &shape) {
  std::string rest;
  for (size_t i = 0; i < shape.size(); ++i)
    rest += ", " + std::to_string(shape[i]);
  std::string text = "[N" + rest + "]";
  if (!shape.empty())
    text += " or [N * " + std::to_string(shape[0]) +
            rest.substr(rest.find(',', 1) == std::string::npos
                            ? rest.size()
                            : rest.find(',', 1)) +
            "]";
  return text;
}

} // namespace

std::optional<CalibrationData>
CalibrationData::open(const std::string &path,
                      const std::vector<TensorInfo> &inputs,
                      std::string &error) {
  CalibrationData data;
  data.inputs = inputs;
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    error = path + ": no such file or directory";
    return std::nullopt;
  }
  if (fs::is_directory(path, ec)) {
    for (const fs::directory_entry &entry : fs::directory_iterator(path, ec))
      if (entry.is_directory())
        data.sampleDirectories.push_back(entry.path().string());
    if (ec) {
      error = "cannot read the directory '" + path + "': " + ec.message();
      return std::nullopt;
    }
    if (data.sampleDirectories.empty()) {
      error = path +
              ": no sample sub-directories (expected one per sample, holding "
              "NAME.npy or NAME.pb for each model input: " +
              joinTensorNames(inputs) + ")";
      return std::nullopt;
    }
    std::sort(data.sampleDirectories.begin(), data.sampleDirectories.end(),
              naturalLess);
    return data;
  }

  std::optional<std::vector<Tensor>> arrays =
      ::quill::host::readNpzFile(path, error);
  if (!arrays)
    return std::nullopt;
  data.stacked.resize(inputs.size());
  std::vector<bool> bound(inputs.size());
  for (Tensor &array : *arrays) {
    int index = findTensorInfo(inputs, array.name);
    if (index < 0) {
      error = path + ": array '" + array.name +
              "' names no model input (inputs: " + joinTensorNames(inputs) +
              ")";
      return std::nullopt;
    }
    const TensorInfo &input = inputs[index];
    size_t count = countStacked(array, input);
    if (!acceptsElementType(input.dtype, array.dtype) || count == 0) {
      error = path + ": array '" + array.name + "' is " +
              describe(array.dtype, array.shape) + "; input '" + input.name +
              "' is " + describe(input.dtype, input.shape) +
              ", so the array must stack samples as " +
              describeStackings(input.shape);
      return std::nullopt;
    }
    if (bound[index] || (data.stackedSamples && count != data.stackedSamples)) {
      error = path + ": array '" + array.name + "' holds " +
              std::to_string(count) + " samples, other arrays " +
              std::to_string(data.stackedSamples);
      return std::nullopt;
    }
    data.stackedSamples = count;
    bound[index] = true;
    data.stacked[index] = std::move(array);
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!bound[i]) {
      error = path + ": no array for input '" + inputs[i].name + "'";
      return std::nullopt;
    }
  }
  return data;
}

size_t CalibrationData::size() const {
  return sampleDirectories.empty() ? stackedSamples : sampleDirectories.size();
}

std::optional<CalibrationSample>
CalibrationData::load(size_t index, std::string &error) const {
  CalibrationSample sample(inputs.size());
  if (sampleDirectories.empty()) {
    for (size_t i = 0; i < inputs.size(); ++i) {
      Tensor tensor = Tensor::zeros(inputs[i].dtype, inputs[i].shape);
      size_t bytes = tensor.data.size();
      std::copy_n(stacked[i].data.begin() + index * bytes, bytes,
                  tensor.data.begin());
      sample[i] = std::move(tensor);
    }
    return sample;
  }

  const std::string &directory = sampleDirectories[index];
  std::vector<std::string> files;
  std::error_code ec;
  for (const fs::directory_entry &entry : fs::directory_iterator(directory, ec))
    if (entry.is_regular_file())
      files.push_back(entry.path().string());
  if (ec) {
    error = "cannot read the directory '" + directory + "': " + ec.message();
    return std::nullopt;
  }
  std::sort(files.begin(), files.end(), naturalLess);
  std::vector<std::string> boundFrom(inputs.size());
  for (const std::string &file : files) {
    fs::path filePath(file);
    std::string extension = filePath.extension().string();
    std::string stem = filePath.stem().string();
    // ONNX's test data sets keep expected outputs beside the inputs.
    if ((extension != ".npy" && extension != ".pb") ||
        stem.compare(0, 7, "output_") == 0)
      continue;
    std::optional<Tensor> tensor = ::quill::host::readTensorFile(file, error);
    if (!tensor)
      return std::nullopt;
    int index = findTensorInfo(inputs, stem);
    if (index < 0 && !tensor->name.empty())
      index = findTensorInfo(inputs, tensor->name);
    if (index < 0) {
      int k = onnxInputIndex(stem);
      index = k < static_cast<int>(inputs.size()) ? k : -1;
    }
    if (index < 0) {
      error = file +
              ": names no model input (inputs: " + joinTensorNames(inputs) +
              ")";
      return std::nullopt;
    }
    const TensorInfo &input = inputs[index];
    if (!boundFrom[index].empty()) {
      error = file + ": input '" + input.name + "' is also given by '" +
              boundFrom[index] + "'";
      return std::nullopt;
    }
    if (!acceptsElementType(input.dtype, tensor->dtype) ||
        tensor->shape != input.shape) {
      error = file + ": input '" + input.name + "' is " +
              describe(input.dtype, input.shape) + ", the file holds " +
              describe(tensor->dtype, tensor->shape);
      return std::nullopt;
    }
    tensor->dtype = input.dtype;
    boundFrom[index] = file;
    sample[index] = std::move(*tensor);
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (boundFrom[i].empty()) {
      error = directory + ": no file for input '" + inputs[i].name +
              "' (expected " + inputs[i].name + ".npy or " + inputs[i].name +
              ".pb)";
      return std::nullopt;
    }
  }
  return sample;
}
