/*===- BlockGemmInt8.c - Block-weight products with int8 activations ------===*\
|*                                                                            *|
|* The int8-activation mode of quill_block_gemm (ONNX Runtime's MatMulNBits  *|
|* at accuracy level 4): A quantized per row and block of K, each block's    *|
|* product summed exactly in int32 from unsigned weight bytes and signed     *|
|* activation codes, then scaled by the weights' and A's scales. Here: A's    *|
|* quantization, which every code path shares, and the portable path, which  *|
|* fixes the arithmetic the vector paths reproduce bit for bit.               *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "BlockGemmKernels.h"

#include <math.h>

/* Blocks whose largest |x| is below 2^-120 read as zero: 127 / max|x| would
 * overflow. */
enum { SmallestScaledBits = 7 << 23, InfinityBits = 0x7f800000 };

int quillBlockGemmQuantizeRows(const BlockGemmProblem *p,
                               BlockGemmInt8Rows *q) {
  int64_t blockSize = p->format.blockSize, blocks = p->depth / blockSize;
  size_t codeBytes = (size_t)(p->rows * p->depth + 63) & ~(size_t)63;
  size_t perBlock = (size_t)(p->rows * blocks);
  char *memory = malloc(codeBytes + perBlock * (sizeof(float) + 4));
  if (!memory)
    return 0;
  q->codes = (int8_t *)memory;
  q->scales = (float *)(memory + codeBytes);
  q->sums = (int32_t *)(q->scales + perBlock);
  for (int64_t r = 0; r < p->rows; ++r) {
    for (int64_t b = 0; b < blocks; ++b) {
      const float *x = p->a + r * p->aRowStride + b * blockSize * p->aColStride;
      int8_t *codes = q->codes + r * p->depth + b * blockSize;
      uint32_t maxBits = 0;
      for (int64_t t = 0; t < blockSize; ++t) {
        uint32_t bits;
        memcpy(&bits, &x[t * p->aColStride], sizeof(bits));
        bits &= 0x7fffffffu;
        maxBits = bits > maxBits ? bits : maxBits;
      }
      float largest;
      memcpy(&largest, &maxBits, sizeof(largest));
      int finite = maxBits < InfinityBits;
      float inverse =
          finite && maxBits >= SmallestScaledBits ? 127.0f / largest : 0.0f;
      int32_t sum = 0;
      for (int64_t t = 0; t < blockSize; ++t) {
        /* Round to nearest even: |v| <= 127 is far below 2^22. Separate
         * statements, so that nothing fuses the product into the add. */
        float v = x[t * p->aColStride] * inverse;
        v = v + 12582912.0f;
        v = v - 12582912.0f;
        codes[t] = (int8_t)v;
        sum += codes[t];
      }
      q->scales[r * blocks + b] =
          !finite ? NAN : (inverse == 0.0f ? 0.0f : largest / 127.0f);
      q->sums[r * blocks + b] = sum;
    }
  }
  return 1;
}

void quillBlockGemmFreeRows(BlockGemmInt8Rows *rows) { free(rows->codes); }

void quillBlockGemmInt8Scalar(const BlockGemmProblem *p) {
  const BlockGemmInt8Rows *q = p->int8Rows;
  enum { Columns = QuillBlockPanelColumns };
  const QuillBlockWeights *f = &p->format;
  int64_t blocks = p->depth / f->blockSize;
  int64_t chunkBytes = quillBlockChunkBytes(f);
  for (int64_t col0 = 0; col0 < p->columns; col0 += Columns) {
    const uint8_t *panel = quillBlockPanel(p, col0);
    int width = quillBlockPanelWidth(p, col0);
    for (int64_t r = 0; r < p->rows; ++r) {
      float sum[Columns] = {0};
      for (int64_t b = 0; b < blocks; ++b) {
        const uint8_t *chunk = panel + b * chunkBytes;
        const uint8_t *octet = chunk + quillBlockHeaderBytes(f);
        const int8_t *a = q->codes + r * p->depth + b * f->blockSize;
        int32_t dot[Columns] = {0};
        for (int t = 0; t < f->blockSize; ++t) {
          const uint8_t *bytes = octet + (t / 8) * 64 + t % 4;
          for (int j = 0; j < Columns; ++j) {
            uint32_t code = (bytes[4 * j] >> (t % 8 < 4 ? 0 : 4)) & 15u;
            dot[j] += quillBlockInt8Operand(f, code) * a[t];
          }
        }
        float rowScale = q->scales[r * blocks + b];
        int32_t codeSum = q->sums[r * blocks + b];
        for (int j = 0; j < Columns; ++j) {
          float scale;
          int32_t offset;
          if (f->scaleKind == QuillBlockScaleF32) {
            memcpy(&scale, chunk + 4 * j, sizeof(float));
            offset = chunk[4 * Columns + j];
          } else {
            scale = quillBlockScaleValue(f, chunk[j]) * 0.5f;
            offset = QuillFp4Offset;
          }
          sum[j] = fmaf((float)(dot[j] - offset * codeSum), scale * rowScale,
                        sum[j]);
        }
      }
      for (int j = 0; j < width; ++j)
        p->c[r * p->cRowStride + (col0 + j) * p->cColStride] += sum[j];
    }
  }
}
