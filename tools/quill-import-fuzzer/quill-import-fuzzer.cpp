//===- quill-import-fuzzer.cpp - libFuzzer target for the ONNX importer ---===//
//
// Feeds arbitrary bytes to the importer as a binary model. Whatever the
// bytes, the importer must answer with a module or a diagnostic: a crash, a
// sanitizer report or a hang is a bug.
//
//===----------------------------------------------------------------------===//

#include "quill/Dialect/Quill/IR/Quill.h"
#include "quill/Import/ONNXImporter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // A fresh context per input: types and attributes would otherwise pile up.
  mlir::MLIRContext context(mlir::MLIRContext::Threading::DISABLED);
  context.loadDialect<mlir::quill::QuillDialect, mlir::arith::ArithDialect,
                      mlir::func::FuncDialect, mlir::math::MathDialect>();
  context.getDiagEngine().registerHandler([](mlir::Diagnostic &) {});
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  mlir::OwningOpRef<mlir::ModuleOp> module = mlir::quill::importONNXBuffer(
      bytes, "fuzz.onnx", /*isText=*/false, &context, {});
  if (module)
    (void)mlir::verify(*module);
  return 0;
}
