/*===- Igemm.h - int8 matrix multiply called from generated code --*- C -*-===*\
|*                                                                            *|
|* Internal to the runtime: generated code calls `quill_igemm_s8` (or, for    *|
|* constant B, `quill_igemm_s8_packed`) through the MLIR C interface for      *|
|* every linalg.matmul of int8 operands into int32; tests and benchmarks      *|
|* include this header to call it directly and to pin the instruction set.    *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef QUILL_RUNTIME_KERNELS_IGEMM_H
#define QUILL_RUNTIME_KERNELS_IGEMM_H

#include "KernelSupport.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Rank-2 and contiguous rank-1 i8 and i32 memref descriptors. */
QUILL_STRIDED_MEMREF_2D(StridedMemRef2DI8, int8_t)
QUILL_STRIDED_MEMREF_2D(StridedMemRef2DI32, int32_t)
QUILL_STRIDED_MEMREF_1D(StridedMemRef1DI8, int8_t)
QUILL_STRIDED_MEMREF_1D(StridedMemRef1DI32, int32_t)

/* C += A * B, exactly, with A MxK and B KxN int8 and C MxN int32 (wrapping
 * on overflow, like linalg.matmul). Any strides for A and B; any layout whose
 * elements do not overlap for C. */
void _mlir_ciface_quill_igemm_s8(StridedMemRef2DI8 *A, StridedMemRef2DI8 *B,
                                 StridedMemRef2DI32 *C);

/* C += A * B as above, B given packed by quillIgemmPackB
 * (quill/Runtime/IgemmLayout.h) with its correction: the compiler packs
 * constant weights once instead of on every call. packedB and correction
 * are contiguous. */
void _mlir_ciface_quill_igemm_s8_packed(StridedMemRef2DI8 *A,
                                        StridedMemRef1DI8 *packedB,
                                        StridedMemRef1DI32 *correction,
                                        StridedMemRef2DI32 *C);

/* The code paths; the environment variable QUILL_IGEMM_ISA=scalar|avx2|vnni
 * picks one at the first call, otherwise the best the CPU has. */
typedef enum QuillIgemmIsa {
  QUILL_IGEMM_ISA_AUTO = 0,
  QUILL_IGEMM_ISA_SCALAR = 1,
  QUILL_IGEMM_ISA_AVX2 = 2,
  QUILL_IGEMM_ISA_AVX512_VNNI = 3,
} QuillIgemmIsa;

/* For tests and benchmarks: use `isa` for the following calls. Returns 0,
 * changing nothing, where this CPU or build cannot run it. */
__attribute__((visibility("hidden"))) int
quill_igemm_set_isa(QuillIgemmIsa isa);

#ifdef __cplusplus
}
#endif

#endif /* QUILL_RUNTIME_KERNELS_IGEMM_H */
