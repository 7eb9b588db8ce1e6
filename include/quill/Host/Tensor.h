//===- Tensor.h - Host tensors and the files they are read from -*- C++ -*-===//
//
// Dense tensors on the host and the files users keep them in: numpy .npy and
// .npz (stacked samples), and ONNX TensorProto .pb. Shared by quill-run and
// calibration; plain C++ over quill_model.h, no MLIR or LLVM. Readers report
// errors through `error` (naming the file) instead of exiting.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_HOST_TENSOR_H
#define QUILL_HOST_TENSOR_H

#include "quill/Runtime/quill_model.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace quill::host {

struct DTypeInfo {
  quill_dtype dtype;
  const char *name;
  size_t size;
  // The numpy descr; numpy has no bfloat16, so its bits go out as uint16.
  const char *npy;
};

/// The element type with ONNX code `dtype`, or null.
const DTypeInfo *findDType(int dtype);
/// The element type a .npy array of numpy kind and size `kindAndSize`
/// ("f4", "u1", ...) is read as, or null: the first in the table, so that
/// bfloat16 and the small floats, which numpy holds as their bits, read as
/// uint16 and uint8.
const DTypeInfo *findNpyDType(const std::string &kindAndSize);

bool isFloat(quill_dtype dtype);

struct Tensor {
  quill_dtype dtype = QUILL_DTYPE_UNDEFINED;
  std::vector<int64_t> shape;
  /// Dense, row-major, little-endian.
  std::vector<char> data;
  /// The TensorProto's own name or the .npz entry's; empty for .npy files.
  std::string name;

  /// A zero-filled tensor.
  static Tensor zeros(quill_dtype dtype, std::vector<int64_t> shape);
  size_t elementSize() const;
  size_t numElements() const;
  /// Element `i` as a double.
  double elementAsDouble(size_t i) const;
  /// A quill_tensor over this tensor's data, for quill_run.
  quill_tensor view();
};

size_t numElements(const std::vector<int64_t> &shape);
std::string formatShape(const std::vector<int64_t> &shape);
/// "float32 [1, 3, 224, 224]".
std::string describe(quill_dtype dtype, const std::vector<int64_t> &shape);

/// Reads a .npy or TensorProto .pb file (told apart by the numpy magic).
std::optional<Tensor> readTensorFile(const std::string &path,
                                     std::string &error);
/// Reads every array of an .npz archive (stored or deflated), named by its
/// entry without ".npy", in archive order.
std::optional<std::vector<Tensor>> readNpzFile(const std::string &path,
                                               std::string &error);
bool writeNpyFile(const std::string &path, const Tensor &tensor,
                  std::string &error);

} // namespace quill::host

#endif // QUILL_HOST_TENSOR_H
