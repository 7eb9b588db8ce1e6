/*===- BlockGemm.c - Products with block-scaled weights -------------------===*\
|*                                                                            *|
|* quill_block_gemm: C += A B with B's MX / NVFP4 codes decoded in registers  *|
|* right before the multiply-adds, never to memory (the weights stay 4 or 8   *|
|* bits in memory, which is what makes batch-1 products fast), plus the      *|
|* portable path and the dispatch.                                            *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "BlockGemm.h"
#include "BlockGemmKernels.h"

#include <stdatomic.h>

void quillBlockGemmScalar(const BlockGemmProblem *p) {
  enum { Columns = QuillBlockPanelColumns };
  if (p->int8Rows) {
    quillBlockGemmInt8Scalar(p);
    return;
  }
  const QuillBlockWeights *format = &p->format;
  float table[256];
  for (int code = 0; code < 256; ++code)
    table[code] = quillBlockElementValue(format, (uint32_t)code);
  int64_t blocks = p->depth / format->blockSize;
  int64_t chunkBytes = quillBlockChunkBytes(format);
  int64_t codeBytes = quillBlockCodeBytes(format);
  for (int64_t col0 = 0; col0 < p->columns; col0 += Columns) {
    const uint8_t *panel = quillBlockPanel(p, col0);
    int width = quillBlockPanelWidth(p, col0);
    for (int64_t r = 0; r < p->rows; ++r) {
      const float *a = p->a + r * p->aRowStride;
      float sum[Columns] = {0};
      for (int64_t b = 0; b < blocks; ++b) {
        const uint8_t *chunk = panel + b * chunkBytes;
        float partial[Columns] = {0};
        float xSum = 0.0f;
        const uint8_t *row = chunk + quillBlockHeaderBytes(format);
        for (int t = 0; t < format->blockSize; ++t, row += codeBytes) {
          float x = a[(b * format->blockSize + t) * p->aColStride];
          xSum += x;
          for (int j = 0; j < Columns; ++j) {
            uint32_t code = quillBlockGetCode(row, format->codeBits, j);
            partial[j] += x * table[code];
          }
        }
        if (format->scaleKind == QuillBlockScaleF32) {
          /* sum (code - zp) x = sum code x - zp sum x */
          for (int j = 0; j < Columns; ++j) {
            float scale;
            memcpy(&scale, chunk + 4 * j, sizeof(float));
            sum[j] += (partial[j] - chunk[4 * Columns + j] * xSum) * scale;
          }
          continue;
        }
        for (int j = 0; j < Columns; ++j)
          sum[j] += partial[j] * quillBlockScaleValue(format, chunk[j]);
      }
      for (int j = 0; j < width; ++j)
        p->c[r * p->cRowStride + (col0 + j) * p->cColStride] += sum[j];
    }
  }
}

typedef void (*BlockGemmPath)(const BlockGemmProblem *);

static _Atomic(BlockGemmPath) selectedPath;

static BlockGemmPath pathFor(QuillBlockGemmIsa isa) {
  switch (isa) {
  case QUILL_BLOCK_GEMM_ISA_SCALAR:
    return quillBlockGemmScalar;
  case QUILL_BLOCK_GEMM_ISA_AVX2:
    return quillBlockGemmAvx2Supported() ? quillBlockGemmAvx2 : NULL;
  case QUILL_BLOCK_GEMM_ISA_AVX512:
    return quillBlockGemmAvx512Supported() ? quillBlockGemmAvx512 : NULL;
  default:
    if (quillBlockGemmAvx512Supported())
      return quillBlockGemmAvx512;
    return quillBlockGemmAvx2Supported() ? quillBlockGemmAvx2
                                         : quillBlockGemmScalar;
  }
}

static BlockGemmPath currentPath(void) {
  BlockGemmPath path = atomic_load(&selectedPath);
  if (path)
    return path;
  static const IsaName names[] = {{"scalar", QUILL_BLOCK_GEMM_ISA_SCALAR},
                                  {"avx2", QUILL_BLOCK_GEMM_ISA_AVX2},
                                  {"avx512", QUILL_BLOCK_GEMM_ISA_AVX512}};
  path = pathFor((QuillBlockGemmIsa)isaFromEnvironment(
      "QUILL_BLOCK_GEMM_ISA", names, 3, QUILL_BLOCK_GEMM_ISA_AUTO));
  if (!path)
    path = pathFor(QUILL_BLOCK_GEMM_ISA_AUTO);
  atomic_store(&selectedPath, path);
  return path;
}

void _mlir_ciface_quill_block_gemm(BlockGemmMatrix *A, BlockGemmBytes *B,
                                   BlockGemmMatrix *C, int32_t codeBits,
                                   int32_t exponentBits, int32_t mantissaBits,
                                   int32_t bias, int32_t blockSize,
                                   int32_t scaleKind, float scaleFactor,
                                   int32_t int8Activations) {
  BlockGemmProblem problem = {A->aligned + A->offset,
                              A->strides[0],
                              A->strides[1],
                              B->aligned + B->offset,
                              C->aligned + C->offset,
                              C->strides[0],
                              C->strides[1],
                              C->sizes[0],
                              A->sizes[1],
                              C->sizes[1],
                              {codeBits, exponentBits, mantissaBits, bias,
                               blockSize, scaleKind, scaleFactor,
                               int8Activations},
                              NULL};
  if (problem.rows == 0 || problem.columns == 0 || problem.depth == 0)
    return;
  if (!int8Activations) {
    currentPath()(&problem);
    return;
  }
  /* Out of memory leaves C as it is, as the f32 zero-point path does. */
  BlockGemmInt8Rows rows;
  if (!quillBlockGemmQuantizeRows(&problem, &rows))
    return;
  problem.int8Rows = &rows;
  currentPath()(&problem);
  quillBlockGemmFreeRows(&rows);
}
