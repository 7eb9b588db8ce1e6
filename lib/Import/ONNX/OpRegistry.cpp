//===- OpRegistry.cpp - Which importer handles which op and opset ---------===//
//
// The one versioned table of op importers: an op's entry with the highest
// `sinceVersion` not above the model's opset handles it.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

using namespace mlir;
using namespace mlir::quill::onnx_import;

OpImportFn mlir::quill::onnx_import::lookupOpImporter(StringRef domain,
                                                      StringRef opType,
                                                      int64_t opset) {
  const OpImportEntry *best = nullptr;
  for (ArrayRef<OpImportEntry> category :
       {getActivationOpImporters(), getControlFlowOpImporters(),
        getMathOpImporters(), getNNOpImporters(), getQuantizationOpImporters(),
        getRearrangeOpImporters(), getRecurrentOpImporters(),
        getTensorOpImporters()})
    for (const OpImportEntry &entry : category)
      if (entry.domain == domain && entry.opType == opType &&
          entry.sinceVersion <= opset &&
          (!best || entry.sinceVersion > best->sinceVersion))
        best = &entry;
  return best ? best->import : nullptr;
}
