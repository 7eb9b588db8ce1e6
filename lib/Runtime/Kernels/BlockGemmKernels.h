/*===- BlockGemmKernels.h - What quill_block_gemm's paths share --*- C -*-===*\
|*                                                                            *|
|* Internal to the runtime: the problem each code path of quill_block_gemm   *|
|* computes, the paths, and the row sums the zero-point formats need.        *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef QUILL_RUNTIME_KERNELS_BLOCKGEMMKERNELS_H
#define QUILL_RUNTIME_KERNELS_BLOCKGEMMKERNELS_H

#include "quill/Runtime/BlockGemmLayout.h"

#include <stdint.h>
#include <stdlib.h>

/* What each code path provides: C[rows x N] += A * B. */
typedef struct BlockGemmProblem {
  const float *a;
  int64_t aRowStride, aColStride;
  const uint8_t *b;
  float *c;
  int64_t cRowStride, cColStride;
  int64_t rows, depth, columns;
  QuillBlockWeights format;
} BlockGemmProblem;

void quillBlockGemmScalar(const BlockGemmProblem *problem);

/* For weights with zero points (scaleKind 2): each row's sum of A over each
 * block, rows x blocks, malloc'ed (the caller frees it); NULL for other
 * formats or when out of memory (the kernels then compute nothing). */
static inline float *quillBlockGemmRowSums(const BlockGemmProblem *p) {
  const QuillBlockWeights *f = &p->format;
  if (f->scaleKind != QuillBlockScaleF32)
    return NULL;
  int64_t blocks = p->depth / f->blockSize;
  float *sums = malloc((size_t)(p->rows * blocks) * sizeof(float));
  if (!sums)
    return NULL;
  for (int64_t r = 0; r < p->rows; ++r)
    for (int64_t b = 0; b < blocks; ++b) {
      float sum = 0.0f;
      for (int t = 0; t < f->blockSize; ++t)
        sum += p->a[r * p->aRowStride + (b * f->blockSize + t) * p->aColStride];
      sums[r * blocks + b] = sum;
    }
  return sums;
}

int quillBlockGemmAvx2Supported(void);
void quillBlockGemmAvx2(const BlockGemmProblem *problem);
int quillBlockGemmAvx512Supported(void);
void quillBlockGemmAvx512(const BlockGemmProblem *problem);

#endif /* QUILL_RUNTIME_KERNELS_BLOCKGEMMKERNELS_H */
