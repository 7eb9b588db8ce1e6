//===- Passes.h - Quill's quantization passes -------------------*- C++ -*-===//

#ifndef QUILL_QUANTIZATION_PASSES_H
#define QUILL_QUANTIZATION_PASSES_H

#include "quill/Quantization/ChannelReordering.h"
#include "quill/Quantization/HadamardRotation.h"
#include "quill/Quantization/Options.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Pass/Pass.h"

namespace mlir::quill {

#define GEN_PASS_DECL
#include "quill/Quantization/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "quill/Quantization/Passes.h.inc"

} // namespace mlir::quill

#endif // QUILL_QUANTIZATION_PASSES_H
