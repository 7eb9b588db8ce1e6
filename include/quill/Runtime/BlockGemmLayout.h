/*===- BlockGemmLayout.h - Block-scaled weights of quill_block_gemm -*- C
-*-===*\
|*                                                                            *|
|* The layout in which quill_block_gemm reads MX / NVFP4 weights. The        *|
|* compiler packs constant weights into it at compile time from the element  *|
|* codes and scale bytes of quill.block_dequantize; the kernels read it.     *|
|* Both use these definitions. Plain C that also compiles as C++.            *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef QUILL_RUNTIME_BLOCKGEMMLAYOUT_H
#define QUILL_RUNTIME_BLOCKGEMMLAYOUT_H

#include <stdint.h>
#include <string.h>

/* B (depth K x columns N, blocks of `blockSize` along K) is cut into panels
 * of 16 columns, one AVX-512 vector. A panel holds, block after block: the
 * block's header (16 scale bytes, one per column; or, for integer weights
 * with zero points, 16 f32 scales then 16 zero-point bytes), then for each k
 * of the block the 16 columns' element codes, two per byte for 4-bit codes
 * (column 2j in the low nibble, 2j + 1 in the high one), four per three
 * bytes for 6-bit codes (column j at bit 6j of the row, little-endian), one
 * per byte otherwise. Columns past N have code 0 and a zero header.
 *
 * With int8 activations (4-bit codes only, blocks of a multiple of 8) the
 * codes of a block come in octets of 8 k, 64 bytes each, in the order of
 * vpdpbusd's operand: byte p holds the code of column p / 4 at k = p % 4 in
 * its low nibble and at k = 4 + p % 4 in its high one, so one load and two
 * masks give two multiplicands of 16 columns x 4 k. */
enum { QuillBlockPanelColumns = 16 };

/* How the kernel reads codes and scales. */
typedef struct QuillBlockWeights {
  /* 4 (two codes per byte), 6 (four per three bytes) or 8. */
  int32_t codeBits;
  /* Small float elements: sign, exponentBits, mantissaBits, bias as their
   * format says; exponentBits 0 means integers: two's complement int8
   * (MXINT8), or unsigned codes less their zero point (scaleKind 2). */
  int32_t exponentBits, mantissaBits, bias;
  int32_t blockSize;
  /* 0: E8M0 scale bytes (2^(s - 127)); 1: E4M3 (NVFP4); 2: f32 scales and
   * zero-point bytes (int4 / uint4 weights, ONNX Runtime's MatMulNBits). */
  int32_t scaleKind;
  /* Multiplies every scale: 1 / 64 for MXINT8, 1 / tensor_scale for
   * NVFP4, else 1. */
  float scaleFactor;
  /* 1: A is quantized to int8 per block at run time and the codes are
   * stored in octets (above); 0: A stays f32. */
  int32_t int8Activations;
} QuillBlockWeights;

enum {
  QuillBlockScaleBytes = 0,
  QuillBlockScaleE4M3 = 1,
  QuillBlockScaleF32 = 2
};

static inline int64_t quillBlockCodeBytes(const QuillBlockWeights *format) {
  return QuillBlockPanelColumns * format->codeBits / 8;
}

/* Whether a format can take int8 activations: integer codes (4-bit ints,
 * or E2M1 values doubled) in blocks of whole octets. */
static inline int
quillBlockTakesInt8Activations(const QuillBlockWeights *format) {
  return format->codeBits == 4 && format->blockSize % 8 == 0 &&
         (format->scaleKind == 2 ||
          (format->exponentBits == 2 && format->mantissaBits == 1));
}

/* Bytes of a block's header: scales (and zero points). */
static inline int64_t quillBlockHeaderBytes(const QuillBlockWeights *format) {
  return QuillBlockPanelColumns *
         (format->scaleKind == QuillBlockScaleF32 ? 5 : 1);
}

/* Bytes of one block of one panel: its header and its codes. */
static inline int64_t quillBlockChunkBytes(const QuillBlockWeights *format) {
  return quillBlockHeaderBytes(format) +
         format->blockSize * quillBlockCodeBytes(format);
}

static inline int64_t quillBlockPackedBytes(const QuillBlockWeights *format,
                                            int64_t depth, int64_t columns) {
  int64_t panels =
      (columns + QuillBlockPanelColumns - 1) / QuillBlockPanelColumns;
  /* 6-bit rows are 12 bytes, which kernels read 16 at a time: the padding
   * keeps the last read inside (masked loads are slow where they cross a
   * page). */
  int64_t padding = format->codeBits == 6 ? 4 : 0;
  return panels * (depth / format->blockSize) * quillBlockChunkBytes(format) +
         padding;
}

/* Where the packer reads B: the code of element (k, n) is
 * codes[k * codeRowStride + n * codeColStride] (its low codeBits bits); the
 * scale of block (b, n) is at b * scaleRowStride + n * scaleColStride of
 * scaleBytes (scaleKind 0, 1) or of scales and zeroPoints (scaleKind 2). */
typedef struct QuillBlockSource {
  const uint8_t *codes;
  int64_t codeRowStride, codeColStride;
  const uint8_t *scaleBytes;
  const float *scales;
  const uint8_t *zeroPoints;
  int64_t scaleRowStride, scaleColStride;
} QuillBlockSource;

/* Code j of a row of `bits`-bit codes, which start at bit j * bits. */
static inline uint32_t quillBlockGetCode(const uint8_t *row, int32_t bits,
                                         int j) {
  int bit = j * bits;
  uint32_t window = row[bit / 8];
  if (bit % 8 + bits > 8)
    window |= (uint32_t)row[bit / 8 + 1] << 8;
  return (window >> (bit % 8)) & ((1u << bits) - 1);
}

static inline void quillBlockPutCode(uint8_t *row, int32_t bits, int j,
                                     uint8_t code) {
  int bit = j * bits;
  row[bit / 8] |= (uint8_t)(code << (bit % 8));
  if (bit % 8 + bits > 8)
    row[bit / 8 + 1] |= (uint8_t)(code >> (8 - bit % 8));
}

/* Packs B (depth x columns) into `packed` (quillBlockPackedBytes bytes). */
static inline void quillBlockPack(const QuillBlockWeights *format,
                                  const QuillBlockSource *source, int64_t depth,
                                  int64_t columns, uint8_t *packed) {
  enum { Columns = QuillBlockPanelColumns };
  int64_t blocks = depth / format->blockSize;
  int64_t codeBytes = quillBlockCodeBytes(format);
  uint8_t mask = (uint8_t)((1u << format->codeBits) - 1);
  memset(packed, 0, (size_t)quillBlockPackedBytes(format, depth, columns));
  uint8_t *chunk = packed;
  for (int64_t col0 = 0; col0 < columns; col0 += Columns) {
    int width = (int)(columns - col0 < Columns ? columns - col0 : Columns);
    for (int64_t b = 0; b < blocks; ++b) {
      for (int j = 0; j < width; ++j) {
        int64_t at =
            b * source->scaleRowStride + (col0 + j) * source->scaleColStride;
        if (format->scaleKind == QuillBlockScaleF32) {
          memcpy(chunk + 4 * j, &source->scales[at], sizeof(float));
          chunk[4 * Columns + j] = source->zeroPoints[at];
        } else {
          chunk[j] = source->scaleBytes[at];
        }
      }
      uint8_t *row = chunk + quillBlockHeaderBytes(format);
      for (int64_t t = 0; t < format->blockSize; ++t) {
        int64_t k = b * format->blockSize + t;
        for (int j = 0; j < width; ++j) {
          uint8_t code = source->codes[k * source->codeRowStride +
                                       (col0 + j) * source->codeColStride] &
                         mask;
          if (format->int8Activations)
            row[(t / 8) * 64 + 4 * j + t % 4] |=
                (uint8_t)(code << (t % 8 < 4 ? 0 : 4));
          else
            quillBlockPutCode(row + t * codeBytes, format->codeBits, j, code);
        }
      }
      chunk += quillBlockChunkBytes(format);
    }
  }
}

#endif /* QUILL_RUNTIME_BLOCKGEMMLAYOUT_H */
