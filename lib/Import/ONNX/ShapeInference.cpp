//===- ShapeInference.cpp - ONNX shape inference, isolated ----------------===//
//
// libonnx reports errors by throwing, and its shape inference crashes on
// some malformed models (convPoolShapeInference reads past a weight rank
// that differs from the input's, for one; the fuzzer found it). So
// inference runs in a forked child on a copy of the model whose large
// initializers carry no data, and only the inferred value types come back
// through a pipe. A crash, an exception or a hang in the child is an error
// message here. libonnx 1.12's data propagation also crashes where a Shape
// chain reads the output of an op it does not know (a com.microsoft
// MatMulNBits before the importer has typed it): a crash is retried once
// without data propagation, which the next round, with those ops typed,
// runs again.
//
//===----------------------------------------------------------------------===//

#include "ShapeInference.h"

#include <onnx/defs/parser.h>
#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <exception>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace mlir::quill::onnx_import;

/// Initializers above this many bytes only need their type and shape for
/// inference; small ones may be shape values that data propagation reads.
static constexpr size_t kInferenceDataLimit = 4096;
/// A model whose inference takes longer than this is treated as hanging.
static constexpr int kInferenceTimeoutMs = 120000;

static void stripLargeData(onnx::GraphProto &graph) {
  for (onnx::TensorProto &tensor : *graph.mutable_initializer()) {
    size_t bytes = tensor.raw_data().size() +
                   4 * (tensor.float_data_size() + tensor.int32_data_size()) +
                   8 * (tensor.int64_data_size() + tensor.double_data_size() +
                        tensor.uint64_data_size());
    if (bytes <= kInferenceDataLimit)
      continue;
    tensor.clear_raw_data();
    tensor.clear_float_data();
    tensor.clear_int32_data();
    tensor.clear_int64_data();
    tensor.clear_double_data();
    tensor.clear_uint64_data();
    tensor.clear_external_data();
    tensor.clear_data_location();
  }
}

/// Runs in the child: infers, then writes a status byte and either the
/// inferred graph types or an error message.
[[noreturn]] static void inferInChild(onnx::ModelProto model,
                                      bool dataPropagation, int fd) {
  // A crash here is reported by the parent; the inherited handlers (LLVM's
  // stack dump, a sanitizer's report) would only add noise.
  for (int signal : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT})
    std::signal(signal, SIG_DFL);
  std::string reply;
  try {
    onnx::ShapeInferenceOptions options{/*check_type=*/true,
                                        /*error_mode=*/1, dataPropagation};
    onnx::shape_inference::InferShapes(
        model, onnx::OpSchemaRegistry::Instance(), options);
    onnx::GraphProto types;
    *types.mutable_value_info() = model.graph().value_info();
    *types.mutable_output() = model.graph().output();
    reply = "+" + types.SerializeAsString();
  } catch (const std::exception &e) {
    reply = std::string("-") + e.what();
  }
  size_t written = 0;
  while (written < reply.size()) {
    ssize_t n = write(fd, reply.data() + written, reply.size() - written);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    written += n;
  }
  _exit(0);
}

/// One inference in a child; `crashed` says whether the child died of a
/// signal.
static bool inferInChildProcess(onnx::ModelProto &model,
                                const onnx::ModelProto &light,
                                bool dataPropagation, std::string &error,
                                bool &crashed) {
  crashed = false;
  int fds[2];
  if (pipe(fds) != 0) {
    error = std::string("cannot create a pipe: ") + strerror(errno);
    return false;
  }
  pid_t child = fork();
  if (child < 0) {
    close(fds[0]);
    close(fds[1]);
    error = std::string("cannot fork: ") + strerror(errno);
    return false;
  }
  if (child == 0) {
    close(fds[0]);
    inferInChild(light, dataPropagation, fds[1]);
  }
  close(fds[1]);

  std::string reply;
  char buffer[65536];
  bool timedOut = false;
  for (;;) {
    pollfd waiting{fds[0], POLLIN, 0};
    int ready = poll(&waiting, 1, kInferenceTimeoutMs);
    if (ready < 0 && errno == EINTR)
      continue;
    if (ready <= 0) {
      timedOut = true;
      kill(child, SIGKILL);
      break;
    }
    ssize_t n = read(fds[0], buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    reply.append(buffer, n);
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }

  if (timedOut) {
    error = "it did not finish in " +
            std::to_string(kInferenceTimeoutMs / 1000) + " seconds";
    return false;
  }
  if (WIFSIGNALED(status)) {
    crashed = true;
    error = "it crashed (signal " + std::to_string(WTERMSIG(status)) +
            "); a node's inputs or attributes are malformed";
    return false;
  }
  if (reply.empty() || reply[0] != '+') {
    error = reply.empty() ? "it ended without an answer" : reply.substr(1);
    return false;
  }
  onnx::GraphProto types;
  if (!types.ParseFromString(reply.substr(1))) {
    error = "it answered with malformed types";
    return false;
  }
  onnx::GraphProto &graph = *model.mutable_graph();
  *graph.mutable_value_info() = types.value_info();
  *graph.mutable_output() = types.output();
  return true;
}

bool mlir::quill::onnx_import::inferShapes(onnx::ModelProto &model,
                                           std::string &error) {
  onnx::ModelProto light = model;
  stripLargeData(*light.mutable_graph());
  bool crashed = false;
  if (inferInChildProcess(model, light, /*dataPropagation=*/true, error,
                          crashed))
    return true;
  return crashed &&
         inferInChildProcess(model, light,
                             /*dataPropagation=*/false, error, crashed);
}

bool mlir::quill::onnx_import::parseModelText(const std::string &text,
                                              onnx::ModelProto &model,
                                              std::string &error) {
  try {
    onnx::OnnxParser parser(text.c_str());
    onnx::Status status = parser.Parse(model);
    if (!status.IsOK()) {
      error = status.ErrorMessage();
      return false;
    }
  } catch (const std::exception &e) {
    error = e.what();
    return false;
  }
  return true;
}
