//===- MatMulNBitsExport.h - 4-bit weights as MatMulNBits -------*- C++ -*-===//
//
// Internal to lib/Export: exportQDQModel's form for models whose MatMul /
// Gemm weights quill-quantize stored in 4 bits.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_LIB_EXPORT_MATMULNBITSEXPORT_H
#define QUILL_LIB_EXPORT_MATMULNBITSEXPORT_H

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <onnx/onnx_pb.h>

namespace mlir::quill {

/// Whether a product of `function` reads a weight stored in 4 bits or less.
bool hasFourBitWeights(func::FuncOp function);

/// Replaces, in `model`, each MatMul / Gemm node whose weight is 4-bit per
/// block in `function` by com.microsoft.MatMulNBits (and an Add for a
/// Gemm's C); Conv nodes keep their float weight, with a warning. Errors
/// name the node.
LogicalResult exportMatMulNBits(func::FuncOp function, onnx::ModelProto &model);

} // namespace mlir::quill

#endif // QUILL_LIB_EXPORT_MATMULNBITSEXPORT_H
