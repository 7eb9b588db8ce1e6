/*===- BlockGemm.h - Products with block-scaled weights ------------*- C
-*-===*\
|*                                                                            *|
|* Internal to the runtime: generated code calls quill_block_gemm through    *|
|* the MLIR C interface for products whose weights are MX or NVFP4 constants *|
|* packed at compile time (quill/Runtime/BlockGemmLayout.h); tests and       *|
|* benchmarks include this header to pin the instruction set.                *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef QUILL_RUNTIME_KERNELS_BLOCKGEMM_H
#define QUILL_RUNTIME_KERNELS_BLOCKGEMM_H

#include "KernelSupport.h"

#include "quill/Runtime/BlockGemmLayout.h"

#ifdef __cplusplus
extern "C" {
#endif

QUILL_STRIDED_MEMREF_2D(BlockGemmMatrix, float)
QUILL_STRIDED_MEMREF_1D(BlockGemmBytes, uint8_t)

/* C += A * B for A (M x K, any strides) and a packed K x N B whose format the
 * scalars give (the fields of QuillBlockWeights). Each block's products are
 * summed in f32 and then multiplied by the block's scale; with
 * int8Activations, A is quantized to int8 per block and each block's
 * products are summed in int32 (BlockGemmInt8.c). */
void _mlir_ciface_quill_block_gemm(BlockGemmMatrix *A, BlockGemmBytes *B,
                                   BlockGemmMatrix *C, int32_t codeBits,
                                   int32_t exponentBits, int32_t mantissaBits,
                                   int32_t bias, int32_t blockSize,
                                   int32_t scaleKind, float scaleFactor,
                                   int32_t int8Activations);

/* The code paths; QUILL_BLOCK_GEMM_ISA=scalar|avx2|avx512 picks one at the
 * first call, the best the CPU has otherwise. */
typedef enum QuillBlockGemmIsa {
  QUILL_BLOCK_GEMM_ISA_AUTO = 0,
  QUILL_BLOCK_GEMM_ISA_SCALAR = 1,
  QUILL_BLOCK_GEMM_ISA_AVX2 = 2,
  QUILL_BLOCK_GEMM_ISA_AVX512 = 3,
} QuillBlockGemmIsa;

#ifdef __cplusplus
}
#endif

#endif /* QUILL_RUNTIME_KERNELS_BLOCKGEMM_H */
