/*===- Hadamard.h - The Walsh-Hadamard rotation kernel -------------*- C
-*-===*\
|*                                                                            *|
|* Internal to the runtime: generated code calls `quill_hadamard` through the |*
|* MLIR C interface for each quill.hadamard; tests and benchmarks include     *|
|* this header to call it directly and to pin the instruction set.            *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef QUILL_RUNTIME_KERNELS_HADAMARD_H
#define QUILL_RUNTIME_KERNELS_HADAMARD_H

#include "KernelSupport.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

QUILL_STRIDED_MEMREF_2D(HadamardMatrix, float)
QUILL_STRIDED_MEMREF_1D(HadamardVector, float)

/* out = quill.hadamard(in) row by row: each block of blockSize = k * 2^p
 * values x of a row becomes (x * s) (H_k (x) H_2^p) / sqrt(blockSize), the
 * block viewed as (k, 2^p) row major. `signs` holds s for the whole row
 * (in's columns), `table` H_k row major (k * k entries +1/-1). in and out
 * have the same shape, any strides, and may be the same buffer. Computed in
 * f32. */
void _mlir_ciface_quill_hadamard(HadamardMatrix *in, HadamardMatrix *out,
                                 HadamardVector *signs, HadamardVector *table,
                                 int64_t k, int64_t blockSize);

/* The code paths; the environment variable
 * QUILL_HADAMARD_ISA=scalar|avx2|avx512 picks one at the first call. */
typedef enum QuillHadamardIsa {
  QUILL_HADAMARD_ISA_AUTO = 0,
  QUILL_HADAMARD_ISA_SCALAR = 1,
  QUILL_HADAMARD_ISA_AVX512 = 2,
  QUILL_HADAMARD_ISA_AVX2 = 3,
} QuillHadamardIsa;

/* For tests and benchmarks: use `isa` for the following calls. Returns 0,
 * changing nothing, where this CPU or build cannot run it. */
__attribute__((visibility("hidden"))) int
quill_hadamard_set_isa(QuillHadamardIsa isa);

#ifdef __cplusplus
}
#endif

#endif /* QUILL_RUNTIME_KERNELS_HADAMARD_H */
