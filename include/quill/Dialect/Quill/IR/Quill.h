//===- Quill.h - The quill dialect: ops, types and attributes ---*- C++ -*-===//
//
// Include this header to use the quill dialect.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_DIALECT_QUILL_IR_QUILL_H
#define QUILL_DIALECT_QUILL_IR_QUILL_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/Dialect/Traits.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "quill/Dialect/Quill/IR/QuillOpsDialect.h.inc"
#include "quill/Dialect/Quill/IR/QuillOpsEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "quill/Dialect/Quill/IR/QuillOpsAttributes.h.inc"

#define GET_TYPEDEF_CLASSES
#include "quill/Dialect/Quill/IR/QuillOpsTypes.h.inc"

#include "quill/Dialect/Quill/IR/QuantParams.h"

#define GET_OP_CLASSES
#include "quill/Dialect/Quill/IR/QuillOps.h.inc"

namespace mlir {
class RewritePatternSet;
namespace quill {
/// Dequantize of constant stored values becomes a float constant. Kept out
/// of canonicalization so that quantized weights survive until the
/// quantization passes have used them.
void populateFoldConstantDequantizePatterns(RewritePatternSet &patterns);
} // namespace quill
} // namespace mlir

#endif // QUILL_DIALECT_QUILL_IR_QUILL_H
