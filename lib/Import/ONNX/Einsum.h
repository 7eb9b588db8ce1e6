//===- Einsum.h - ONNX Einsum equations -------------------------*- C++ -*-===//
//
// Internal to lib/Import/ONNX: the equation parser that both the importer
// and Quill's own type rules (libonnx 1.12 infers no Einsum dimensions) use.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_LIB_IMPORT_ONNX_EINSUM_H
#define QUILL_LIB_IMPORT_ONNX_EINSUM_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir::quill::onnx_import {

/// A label is a letter's character code, or an ellipsis dimension:
/// kEinsumEllipsis + its position among the broadcast ellipsis dimensions
/// (ellipses align from the right, as numpy broadcasting does).
constexpr int kEinsumEllipsis = 1000;

/// The labels of each input's dimensions (a label may repeat: a diagonal)
/// and of the output's, explicit or numpy's implicit ones.
struct EinsumEquation {
  std::vector<std::vector<int>> inputs;
  std::vector<int> output;
};

/// Parses `equation` (spaces allowed) for inputs of `ranks`; nullopt with
/// `error` set when it is malformed or does not fit them.
std::optional<EinsumEquation> parseEinsumEquation(llvm::StringRef equation,
                                                  llvm::ArrayRef<int64_t> ranks,
                                                  std::string &error);

/// The size of each label for inputs of `shapes` (size 1 broadcasts);
/// nullopt with `error` set when sizes conflict.
std::optional<llvm::DenseMap<int, int64_t>>
getEinsumLabelSizes(const EinsumEquation &equation,
                    llvm::ArrayRef<llvm::SmallVector<int64_t>> shapes,
                    std::string &error);

} // namespace mlir::quill::onnx_import

#endif // QUILL_LIB_IMPORT_ONNX_EINSUM_H
