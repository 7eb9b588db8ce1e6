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

#include "quill/Host/ModelLibrary.h"

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

using namespace quill::host;

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
    "  --bench N           time N more runs after warming up (and, for a GPU\n"
    "                      model, the device time of its kernels)\n"
    "  --quiet             print no output values\n"
    "\n"
    "Exit status: 0 if every compared output matches, 1 if one does not,\n"
    "2 on an error.\n";

[[noreturn]] void fatal(const std::string &message) {
  std::fprintf(stderr, "quill-run: error: %s\n", message.c_str());
  std::exit(2);
}

template <typename T> T load(const char *p) {
  T value;
  std::memcpy(&value, p, sizeof(T));
  return value;
}

std::string formatElement(const Tensor &t, size_t i) {
  const char *p = t.data.data() + i * t.elementSize();
  char text[32];
  if (isFloat(t.dtype))
    std::snprintf(text, sizeof(text), "%.6g", t.elementAsDouble(i));
  else if (t.dtype == QUILL_DTYPE_INT64)
    std::snprintf(text, sizeof(text), "%lld",
                  static_cast<long long>(load<int64_t>(p)));
  else if (t.dtype == QUILL_DTYPE_UINT64)
    std::snprintf(text, sizeof(text), "%llu",
                  static_cast<unsigned long long>(load<uint64_t>(p)));
  else
    std::snprintf(text, sizeof(text), "%.0f", t.elementAsDouble(i));
  return text;
}

Tensor readTensor(const std::string &path) {
  std::string error;
  std::optional<Tensor> tensor = readTensorFile(path, error);
  if (!tensor)
    fatal(error);
  return std::move(*tensor);
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
    if (!acceptsElementType(info.dtype, tensor.dtype) ||
        tensor.shape != info.shape)
      fatal(file + ": " + label(kind, index, info) + " is " +
            describe(info.dtype, info.shape) + ", the file holds " +
            describe(tensor.dtype, tensor.shape));
    tensor.dtype = info.dtype;
    bound[index] = {std::move(tensor), file, true};
  };

  std::vector<std::pair<std::string, Tensor>> bare;
  for (const std::string &spec : specs) {
    size_t equals = spec.find('=');
    std::string name = spec.substr(0, equals);
    // A file whose path holds '=' still binds as a bare file.
    std::error_code error;
    if (equals == std::string::npos || (findTensorInfo(infos, name) < 0 &&
                                        std::filesystem::exists(spec, error))) {
      bare.emplace_back(spec, readTensor(spec));
      continue;
    }
    int index = findTensorInfo(infos, name);
    if (index < 0)
      fatal(std::string(option) + " " + spec + ": the model has no " + kind +
            " named '" + name + "' (" + kind + "s: " + joinTensorNames(infos) +
            ")");
    std::string file = spec.substr(equals + 1);
    assign(index, readTensor(file), file);
  }

  std::vector<std::pair<std::string, Tensor>> positional;
  for (auto &[file, tensor] : bare) {
    int index = tensor.name.empty() ? -1 : findTensorInfo(infos, tensor.name);
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

// The quill_run arguments, built once so --bench times the model alone.
struct Invocation {
  std::vector<quill_tensor> inputs, outputs;
};

Invocation prepare(std::vector<Tensor> &inputs, std::vector<Tensor> &outputs) {
  Invocation invocation;
  for (Tensor &tensor : inputs)
    invocation.inputs.push_back(tensor.view());
  for (Tensor &tensor : outputs)
    invocation.outputs.push_back(tensor.view());
  return invocation;
}

void runModel(const ModelLibrary &model, Invocation &invocation) {
  std::string error;
  if (!model.run(invocation.inputs, invocation.outputs, error))
    fatal(error);
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
  size_t size = actual.elementSize();
  size_t mismatches = 0, worst = 0;
  double worstError = -1;
  for (size_t i = 0; i < count; ++i) {
    double got = actual.elementAsDouble(i);
    double want = expected.elementAsDouble(i);
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

/// Prints `label`: the minimum, median and mean of `times` (sorted here).
void printTimes(const char *label, std::vector<double> &times) {
  std::sort(times.begin(), times.end());
  size_t runs = times.size();
  double median =
      runs % 2 ? times[runs / 2] : (times[runs / 2 - 1] + times[runs / 2]) / 2;
  double mean = 0;
  for (double t : times)
    mean += t / runs;
  std::printf("%s: runs=%zu min_ms=%.4f median_ms=%.4f mean_ms=%.4f\n", label,
              runs, times.front(), median, mean);
}

/// Times `runs` runs after warming up; a GPU model's device time (its
/// kernels alone) is printed on a second line.
void bench(const ModelLibrary &model, Invocation &invocation, int runs) {
  for (int i = 0; i < std::max(1, runs / 10); ++i)
    runModel(model, invocation);
  std::vector<double> times, deviceTimes;
  for (int i = 0; i < runs; ++i) {
    double start = nowMs();
    runModel(model, invocation);
    times.push_back(nowMs() - start);
    if (std::optional<double> device = model.lastRunDeviceMs())
      deviceTimes.push_back(*device);
  }
  printTimes("bench", times);
  if (!deviceTimes.empty())
    printTimes("bench device", deviceTimes);
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
  std::string error;
  std::unique_ptr<ModelLibrary> model =
      ModelLibrary::load(options.model, error);
  if (!model)
    fatal(error);

  std::vector<Bound> boundInputs =
      bindFiles(options.inputs, model->getInputs(), "input", "--input");
  std::vector<Tensor> inputs;
  for (size_t i = 0; i < boundInputs.size(); ++i) {
    if (!boundInputs[i].present)
      fatal(label("input", i, model->getInputs()[i]) +
            " has no value; pass --input " + model->getInputs()[i].name +
            "=FILE");
    inputs.push_back(std::move(boundInputs[i].tensor));
  }
  std::vector<Bound> expected =
      bindFiles(options.expects, model->getOutputs(), "output", "--expect");

  std::vector<Tensor> outputs = model->allocateOutputs();
  Invocation invocation = prepare(inputs, outputs);
  runModel(*model, invocation);

  bool allMatch = true;
  for (size_t i = 0; i < outputs.size(); ++i) {
    std::printf("output %s: %s\n", model->getOutputs()[i].name.c_str(),
                describe(outputs[i].dtype, outputs[i].shape).c_str());
    if (!options.quiet)
      printValues(outputs[i]);
    if (expected[i].present)
      allMatch &=
          compare(outputs[i], expected[i].tensor, options.rtol, options.atol);
  }

  if (!options.outputDir.empty()) {
    std::error_code created;
    std::filesystem::create_directories(options.outputDir, created);
    if (created)
      fatal("cannot create '" + options.outputDir + "': " + created.message());
    std::set<std::string> used;
    for (size_t i = 0; i < outputs.size(); ++i)
      if (!writeNpyFile(options.outputDir + "/" +
                            fileNameFor(model->getOutputs()[i].name, i, used),
                        outputs[i], error))
        fatal(error);
  }

  if (options.benchRuns)
    bench(*model, invocation, options.benchRuns);
  std::fflush(stdout);
  return allMatch ? 0 : 1;
}
