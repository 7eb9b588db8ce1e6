//===- Passes.h - Passes that compile and run the model ---------*- C++ -*-===//

#ifndef QUILL_DRIVER_PASSES_H
#define QUILL_DRIVER_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::quill {

#define GEN_PASS_DECL
#include "quill/Driver/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "quill/Driver/Passes.h.inc"

} // namespace mlir::quill

#endif // QUILL_DRIVER_PASSES_H
