//===- Passes.h - Graph IR to kernel IR conversions -------------*- C++ -*-===//

#ifndef QUILL_CONVERSION_PASSES_H
#define QUILL_CONVERSION_PASSES_H

#include "quill/Quantization/Options.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::quill {

#define GEN_PASS_DECL
#include "quill/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "quill/Conversion/Passes.h.inc"

/// The name the model function has from quill-prepare-entry-point on.
inline constexpr StringLiteral kModelFunctionName = "quill_model_main";

/// The attribute quill-lower-to-linalg puts on the linalg.generic of a
/// quill.block_dequantize ({format, axis, tensor_scale?}) and of the
/// quill.dequantize of a 4-bit weight matrix ({axis, block_size, signed}):
/// what the CPU's block-weight kernel needs to read the generic's codes and
/// scales itself.
inline constexpr StringLiteral kBlockDequantizeAttrName =
    "quill.block_dequantize";

/// The attribute quill-lower-to-linalg puts on the linalg.generic of a
/// quill.hadamard ({block_size, seed?}): the CPU path replaces that generic
/// by the runtime's fast Walsh-Hadamard kernel.
inline constexpr StringLiteral kHadamardAttrName = "quill.hadamard";

/// The module's one public function, the model; an error otherwise.
FailureOr<func::FuncOp> getModelEntryFunction(ModuleOp module);

/// For each result of `entry`, the index of the first result returning the
/// same value when that is an earlier one.
SmallVector<std::optional<unsigned>> getRepeatedResults(func::FuncOp entry);

} // namespace mlir::quill

#endif // QUILL_CONVERSION_PASSES_H
