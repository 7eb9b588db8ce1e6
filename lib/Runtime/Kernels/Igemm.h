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
QUILL_STRIDED_MEMREF_1D(StridedMemRef1DI64, int64_t)

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

/* Out = requantize(A * B) as int8, B packed as for quill_igemm_s8_packed:
 * each finished int32 sum s of column j is stored as
 *   y = clamp(((s + offset[j]) * multiplier[j] + rounding[j]) >> shift[j]
 *             + zeroPoint, lo, hi) ^ flip
 * where s + offset[j] wraps in 32 bits, then everything is 64-bit two's
 * complement (wrapping multiply, arithmetic shift; a shift outside [0, 63]
 * gives the sign) and the result's low byte is stored, xored with `flip`.
 * That is the compiler's dyadic requantization (zero-point corrections and
 * bias folded into `offset`), applied in the kernel's epilogue while the
 * sums are in registers: the int32 product is never stored. The four
 * vectors are contiguous with one entry per column of Out. `workspace`
 * (contiguous, 4-byte aligned, quillIgemmRequantizeWorkspaceBytes(M, K)
 * bytes, quill/Runtime/IgemmLayout.h) receives all of A packed before Out
 * is written, so Out may overlap A. */
void _mlir_ciface_quill_igemm_s8_packed_requantize(
    StridedMemRef2DI8 *A, StridedMemRef1DI8 *packedB,
    StridedMemRef1DI32 *correction, StridedMemRef1DI32 *offset,
    StridedMemRef1DI64 *multiplier, StridedMemRef1DI64 *rounding,
    StridedMemRef1DI64 *shift, int64_t zeroPoint, int64_t lo, int64_t hi,
    int64_t flip, StridedMemRef1DI8 *workspace, StridedMemRef2DI8 *Out);

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
