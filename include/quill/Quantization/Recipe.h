//===- Recipe.h - Per-layer quantization formats ----------------*- C++ -*-===//
//
// A recipe file mixes formats per layer. Each line is `PATTERN FORMAT`: a
// glob over ONNX node names (`*`, `?`, `[...]`) and a --quantize spelling
// or `float` (left unquantized); `#` starts a comment. The first line whose
// pattern matches an op's name gives its format; ops no line matches take
// the --quantize format.
//
//   /conv1/Conv  int8      # the first layer stays at int8
//   /fc/Gemm     float
//   *            mxfp4
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_QUANTIZATION_RECIPE_H
#define QUILL_QUANTIZATION_RECIPE_H

#include "quill/Quantization/Options.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/GlobPattern.h"

#include <optional>
#include <vector>

namespace mlir::quill {

class QuantizationRecipe {
public:
  /// Reads the recipe at `path`; errors name the file and line.
  static llvm::Expected<QuantizationRecipe> read(llvm::StringRef path);

  /// The format of the op named `name`: the first matching rule's, else
  /// `fallback`. An empty optional means float.
  std::optional<QuantFormat>
  getFormat(llvm::StringRef name, std::optional<QuantFormat> fallback) const;

  /// Every format a rule names.
  std::vector<QuantFormat> getNamedFormats() const;

private:
  /// The pattern's text: a GlobPattern refers to the string it was made
  /// from, so rules keep the text and match through a fresh one.
  struct Rule {
    std::string pattern;
    std::optional<QuantFormat> format;
  };
  std::vector<Rule> rules;
};

} // namespace mlir::quill

#endif // QUILL_QUANTIZATION_RECIPE_H
