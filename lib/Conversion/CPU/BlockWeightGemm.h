//===- BlockWeightGemm.h - Products with MX / NVFP4 weights -----*- C++ -*-===//
//
// A linalg.matmul whose B is the output of a quill.block_dequantize generic
// of constant codes and scales becomes one call of quill_block_gemm with
// the codes and scales packed at compile time (BlockGemmLayout.h): the
// weights stay 4 or 8 bits in the library and in memory, decoded in
// registers by the kernel, and the f32 copy of B is never made. With
// LowBitCompute::Int8, 4-bit weights are packed for int8 activations.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_LIB_CONVERSION_CPU_BLOCKWEIGHTGEMM_H
#define QUILL_LIB_CONVERSION_CPU_BLOCKWEIGHTGEMM_H

#include "quill/Quantization/Options.h"

#include "mlir/IR/PatternMatch.h"

namespace mlir::quill {

void populateBlockWeightGemmPatterns(RewritePatternSet &patterns,
                                     LowBitCompute compute);

} // namespace mlir::quill

#endif // QUILL_LIB_CONVERSION_CPU_BLOCKWEIGHTGEMM_H
