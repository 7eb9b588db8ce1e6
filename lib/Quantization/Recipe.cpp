//===- Recipe.cpp - Per-layer quantization formats ------------------------===//

#include "quill/Quantization/Recipe.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace mlir;
using namespace mlir::quill;

llvm::Expected<QuantizationRecipe>
QuantizationRecipe::read(llvm::StringRef path) {
  auto fail = [&](const llvm::Twine &message) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   path + ": " + message);
  };
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return fail("cannot read the recipe: " + buffer.getError().message());
  QuantizationRecipe recipe;
  SmallVector<StringRef> lines;
  (*buffer)->getBuffer().split(lines, '\n');
  for (auto [index, line] : llvm::enumerate(lines)) {
    std::string where = "line " + std::to_string(index + 1);
    StringRef text = line.split('#').first.trim();
    if (text.empty())
      continue;
    SmallVector<StringRef> fields;
    llvm::SplitString(text, fields);
    if (fields.size() != 2)
      return fail(where + ": expected 'PATTERN FORMAT', got '" + text + "'");
    llvm::Expected<llvm::GlobPattern> pattern =
        llvm::GlobPattern::create(fields[0]);
    if (!pattern)
      return fail(where + ": bad pattern '" + fields[0] +
                  "': " + llvm::toString(pattern.takeError()));
    std::optional<std::optional<QuantFormat>> format =
        parseQuantFormat(fields[1]);
    if (!format)
      return fail(where + ": unknown format '" + fields[1] +
                  "' (a --quantize format or 'float')");
    recipe.rules.push_back({fields[0].str(), *format});
  }
  return recipe;
}

std::optional<QuantFormat>
QuantizationRecipe::getFormat(llvm::StringRef name,
                              std::optional<QuantFormat> fallback) const {
  for (const Rule &rule : rules) {
    // Checked when read.
    llvm::Expected<llvm::GlobPattern> pattern =
        llvm::GlobPattern::create(rule.pattern);
    if (pattern && pattern->match(name))
      return rule.format;
    llvm::consumeError(pattern.takeError());
  }
  return fallback;
}

std::vector<QuantFormat> QuantizationRecipe::getNamedFormats() const {
  std::vector<QuantFormat> formats;
  for (const Rule &rule : rules)
    if (rule.format)
      formats.push_back(*rule.format);
  return formats;
}
