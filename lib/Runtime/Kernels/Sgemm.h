/*===- Sgemm.h - fp32 matrix multiply called from generated code --*- C -*-===*\
|*                                                                            *|
|* Internal to the runtime: generated code calls `quill_sgemm` through the    *|
|* MLIR C interface (`llvm.emit_c_interface`); tests and benchmarks include   *|
|* this header to call it directly and to pin the instruction set.            *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef QUILL_RUNTIME_KERNELS_SGEMM_H
#define QUILL_RUNTIME_KERNELS_SGEMM_H

#include "KernelSupport.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A rank-2 f32 memref descriptor. */
QUILL_STRIDED_MEMREF_2D(StridedMemRef2D, float)

/* C += A * B with A MxK, B KxN and C MxN, like linalg.matmul. Any strides:
 * transposed, negative, or zero (broadcast) for A and B; any layout whose
 * elements do not overlap for C. */
void _mlir_ciface_quill_sgemm(StridedMemRef2D *A, StridedMemRef2D *B,
                              StridedMemRef2D *C);

/* The code paths; the environment variable QUILL_SGEMM_ISA=scalar|avx2|avx512
 * picks one at the first call, QUILL_SGEMM_ISA_AUTO the best the CPU has. */
typedef enum QuillSgemmIsa {
  QUILL_SGEMM_ISA_AUTO = 0,
  QUILL_SGEMM_ISA_SCALAR = 1,
  QUILL_SGEMM_ISA_AVX2 = 2,
  QUILL_SGEMM_ISA_AVX512 = 3,
} QuillSgemmIsa;

/* For tests and benchmarks: use `isa` for the following calls, overriding
 * QUILL_SGEMM_ISA. Returns 0, changing nothing, where this CPU or build
 * cannot run it. */
__attribute__((visibility("hidden"))) int
quill_sgemm_set_isa(QuillSgemmIsa isa);

#ifdef __cplusplus
}
#endif

#endif /* QUILL_RUNTIME_KERNELS_SGEMM_H */
