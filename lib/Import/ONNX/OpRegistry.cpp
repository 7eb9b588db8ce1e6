//===- OpRegistry.cpp - Which importer handles which op and opset ---------===//
//
// The one versioned table of op importers: an op's entry with the highest
// `sinceVersion` not above the model's opset handles it.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

#include "quill/Import/ONNXImporter.h"

#include <map>

using namespace mlir;
using namespace mlir::quill::onnx_import;

/// Every category's entries.
static ArrayRef<ArrayRef<OpImportEntry>> getCategories() {
  static const ArrayRef<OpImportEntry> categories[] = {
      getActivationOpImporters(),   getControlFlowOpImporters(),
      getEinsumOpImporters(),       getIndexingOpImporters(),
      getLowBitWeightOpImporters(), getMathOpImporters(),
      getNNOpImporters(),           getQuantizationOpImporters(),
      getRearrangeOpImporters(),    getRecurrentOpImporters(),
      getTensorOpImporters()};
  return categories;
}

OpImportFn mlir::quill::onnx_import::lookupOpImporter(StringRef domain,
                                                      StringRef opType,
                                                      int64_t opset) {
  const OpImportEntry *best = nullptr;
  for (ArrayRef<OpImportEntry> category : getCategories())
    for (const OpImportEntry &entry : category)
      if (entry.domain == domain && entry.opType == opType &&
          entry.sinceVersion <= opset &&
          (!best || entry.sinceVersion > best->sinceVersion))
        best = &entry;
  return best ? best->import : nullptr;
}

std::vector<mlir::quill::SupportedONNXOp> mlir::quill::getSupportedONNXOps() {
  std::map<std::pair<std::string, std::string>, SmallVector<int64_t>> ops;
  for (ArrayRef<OpImportEntry> category : getCategories())
    for (const OpImportEntry &entry : category)
      ops[{entry.domain.str(), entry.opType.str()}].push_back(
          entry.sinceVersion);
  std::vector<SupportedONNXOp> result;
  for (auto &[key, versions] : ops) {
    llvm::sort(versions);
    result.push_back({key.first, key.second, versions});
  }
  return result;
}
