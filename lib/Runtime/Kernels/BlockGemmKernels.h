/*===- BlockGemmKernels.h - What quill_block_gemm's paths share --*- C -*-===*\
|*                                                                            *|
|* Internal to the runtime: the problem each code path of quill_block_gemm   *|
|* computes, the paths, and the row sums the zero-point formats need.        *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef QUILL_RUNTIME_KERNELS_BLOCKGEMMKERNELS_H
#define QUILL_RUNTIME_KERNELS_BLOCKGEMMKERNELS_H

#include "quill/Runtime/BlockGemmLayout.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

/* A quantized to int8 for int8-activation products: per row and block of
 * K, scale = max|x| / 127 and codes round(x * 127 / max|x|) (to nearest
 * even); a block holding Inf or NaN gets scale NaN and codes 0, so that the
 * row's results are NaN. `sums` are each block's sum of codes, which the
 * kernels take off for the weights' offsets. One allocation. */
typedef struct BlockGemmInt8Rows {
  int8_t *codes; /* rows x depth */
  float *scales; /* rows x blocks */
  int32_t *sums; /* rows x blocks */
} BlockGemmInt8Rows;

/* What each code path provides: C[rows x N] += A * B. */
typedef struct BlockGemmProblem {
  const float *a;
  int64_t aRowStride, aColStride;
  const uint8_t *b;
  float *c;
  int64_t cRowStride, cColStride;
  int64_t rows, depth, columns;
  QuillBlockWeights format;
  /* A as int8 when format.int8Activations, else NULL. */
  const BlockGemmInt8Rows *int8Rows;
} BlockGemmProblem;

/* Panel `col0 / 16` of B, and how many of its 16 columns C has. */
static inline const uint8_t *quillBlockPanel(const BlockGemmProblem *p,
                                             int64_t col0) {
  return p->b + col0 / QuillBlockPanelColumns *
                    (p->depth / p->format.blockSize) *
                    quillBlockChunkBytes(&p->format);
}
static inline int quillBlockPanelWidth(const BlockGemmProblem *p,
                                       int64_t col0) {
  int64_t rest = p->columns - col0;
  return (int)(rest < QuillBlockPanelColumns ? rest : QuillBlockPanelColumns);
}

/* The portable path, both modes. */
void quillBlockGemmScalar(const BlockGemmProblem *problem);
void quillBlockGemmInt8Scalar(const BlockGemmProblem *problem);

/* The f32 value of a small float code, of an int8 (exponentBits 0), or of
 * an unsigned code before its zero point is taken (scaleKind 2). */
static inline float quillBlockElementValue(const QuillBlockWeights *format,
                                           uint32_t code) {
  int e = format->exponentBits, m = format->mantissaBits;
  if (e == 0)
    return format->scaleKind == QuillBlockScaleF32 ? (float)code
                                                   : (float)(int8_t)code;
  uint32_t exponent = (code >> m) & ((1u << e) - 1);
  uint32_t mantissa = code & ((1u << m) - 1);
  float value = exponent == 0 ? ldexpf((float)mantissa, 1 - format->bias - m)
                              : ldexpf((float)((1u << m) | mantissa),
                                       (int)exponent - format->bias - m);
  return (code >> (e + m)) & 1 ? -value : value;
}

/* The f32 value of a scale byte, times the format's factor. */
static inline float quillBlockScaleValue(const QuillBlockWeights *format,
                                         uint8_t byte) {
  static const QuillBlockWeights e4m3 = {8, 4, 3, 7, 0, 0, 1.0f, 0};
  float value = format->scaleKind == 1 ? quillBlockElementValue(&e4m3, byte)
                                       : ldexpf(1.0f, (int)byte - 127);
  return value * format->scaleFactor;
}

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

/* Quantizes A; false when out of memory. */
int quillBlockGemmQuantizeRows(const BlockGemmProblem *p,
                               BlockGemmInt8Rows *rows);
void quillBlockGemmFreeRows(BlockGemmInt8Rows *rows);

/* The unsigned byte each 4-bit code multiplies int8 activations as, and the
 * offset that byte carries (taken off as offset x the block's sum of
 * activation codes): for E2M1, 2 x value + 12, exact in a byte, so the
 * block's scale takes a factor 1 / 2; for integer codes, the code, less its
 * zero point per column. */
enum { QuillFp4Offset = 12 };
static inline uint8_t quillBlockInt8Operand(const QuillBlockWeights *f,
                                            uint32_t code) {
  static const uint8_t fp4[16] = {12, 13, 14, 15, 16, 18, 20, 24,
                                  12, 11, 10, 9,  8,  6,  4,  0};
  return f->scaleKind == QuillBlockScaleF32 ? (uint8_t)code : fp4[code & 15];
}

/* A dword of vpshufb control gathering the 3 bytes of four 6-bit codes
 * from `firstByte` on, the fourth byte zero. */
static inline int32_t quillSixBitGroup(int firstByte) {
  return (int32_t)(0x80000000u | (uint32_t)(firstByte + 2) << 16 |
                   (uint32_t)(firstByte + 1) << 8 | (uint32_t)firstByte);
}

int quillBlockGemmAvx2Supported(void);
void quillBlockGemmAvx2(const BlockGemmProblem *problem);
int quillBlockGemmAvx512Supported(void);
void quillBlockGemmAvx512(const BlockGemmProblem *problem);
/* AVX-512 VNNI, which the AVX-512 path takes for int8 activations. */
int quillBlockGemmVnniSupported(void);

#endif /* QUILL_RUNTIME_KERNELS_BLOCKGEMMKERNELS_H */
