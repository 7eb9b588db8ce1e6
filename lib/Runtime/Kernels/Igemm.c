/*===- Igemm.c - Packed int8 x int8 -> int32 matrix multiply ------*- C -*-===*\
|*                                                                            *|
|* quill_igemm_s8: C += A B for int8 A, B and int32 C, any strides, called    *|
|* from generated code through the MLIR C interface.                          *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

/* Why by hand: the loops LLVM vectorizes from linalg.matmul on i8 widen every
 * operand to i32 and multiply 16 lanes at a time; AVX-512 VNNI's vpdpbusd
 * multiplies 64 byte pairs and sums them into 16 int32 lanes in one
 * instruction, four times the fp32 FMA's multiply-adds.
 *
 * vpdpbusd multiplies unsigned bytes by signed bytes. A is signed, so it is
 * packed as a + 128 (its top bit flipped) and each column of the result is
 * corrected by -128 * sum_k b[k][j], which travels with packed B:
 *   sum_k (a + 128) b = sum_k a b + 128 sum_k b.
 * Every code path reads the same packing (quill/Runtime/IgemmLayout.h): the
 * AVX2 one widens both operands to int16 for vpmaddwd, which is exact
 * (vpmaddubsw would saturate), the portable one multiplies bytes in C.
 *
 * The schedule: for each block of columns (<= 512) and of depth (<= 1024),
 * B is packed into 32-column panels (quill_igemm_s8), or already is
 * (quill_igemm_s8_packed: constant weights the compiler packed); then each
 * tile of rows of A is packed and multiplied with every panel. A tile of A
 * (14 rows x 1024 bytes) stays in L1, the block of B in L2.
 *
 * Register tiles: VNNI 14 x 32 (28 zmm accumulators), AVX2 3 x 32 (two
 * halves of 12 ymm), portable C 4 x 32. Every tile height has its own
 * unrolled copy.
 *
 * quill_igemm_s8_packed_requantize ends each tile with the model's
 * requantization instead of adding into C: A is packed whole first (into
 * the caller's workspace), each tile spans the whole depth so that its
 * sums are final, and the int8 result is all that is stored. */

#include "Igemm.h"
#include "IgemmKernels.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

enum {
  DepthBlock = 1024,
  ColumnBlock = 512,
};

/* Below about this many multiply-adds packing costs more than it saves. */
enum { MinPackedWork = 4096 };

/* Packs rows x depth of A as `groups` x tileRows words of a + 128. */
static void packATile(ByteView a, int rows, int64_t depth, int tileRows,
                      uint32_t *packed) {
  int64_t groups = quillIgemmGroups(depth);
  /* Whole groups of a row-major A: one 4-byte load and xor per word. */
  int64_t wholeGroups = a.colStride == 1 ? depth / GroupDepth : 0;
  for (int i = 0; i < rows; ++i) {
    const int8_t *row = a.data + i * a.rowStride;
    for (int64_t g = 0; g < wholeGroups; ++g) {
      uint32_t word;
      memcpy(&word, row + GroupDepth * g, sizeof(word));
      packed[g * tileRows + i] = word ^ 0x80808080u;
    }
  }
  for (int64_t g = wholeGroups; g < groups; ++g)
    for (int i = 0; i < rows; ++i) {
      uint32_t word = 0;
      for (int t = 0; t < GroupDepth; ++t) {
        int64_t k = GroupDepth * g + t;
        /* Padding past the depth meets zeros of B: any byte will do. */
        uint8_t biased = k < depth ? (uint8_t)(byteAt(a, i, k) ^ 0x80) : 0;
        word |= (uint32_t)biased << (8 * t);
      }
      packed[g * tileRows + i] = word;
    }
}

/*===----------------------------------------------------------------------===*
 * The blocked product
 *===----------------------------------------------------------------------===*/

/* Per thread: one buffer for packed B and its corrections, grown as needed
 * and kept for the next call. */
static _Thread_local void *packBuffer;
static _Thread_local size_t packBufferBytes;

/* A model unloaded in-process (calibration and reports load models into the
 * compiler) frees the unloading thread's buffer. */
__attribute__((destructor)) static void releasePackBuffer(void) {
  free(packBuffer);
  packBuffer = NULL;
  packBufferBytes = 0;
}

static void gemmUnpacked(int64_t m, int64_t n, int64_t k, ByteView a,
                         ByteView b, WordView c) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t p = 0; p < k; ++p) {
      int32_t scale = byteAt(a, i, p);
      for (int64_t j = 0; j < n; ++j)
        c.data[i * c.rowStride + j * c.colStride] += scale * byteAt(b, p, j);
    }
}

/* B's panels for one block of columns and depth: panel p at
 * panels + p * panelStride, its corrections at correction + 32 p, or none. */
typedef struct {
  const int8_t *panels;
  int64_t panelStride;
  const int32_t *correction;
} PanelBlock;

/* C[:, 0:cols] += A[:, 0:depth] B for one block of B's panels. */
static void multiplyBlock(const KernelConfig *config, int64_t m, ByteView a,
                          int64_t depth, PanelBlock b, WordView c, int64_t cols,
                          uint32_t *packedA) {
  int tileRows = config->tileRows;
  int64_t panels = ceilDiv(cols, PanelColumns);
  for (int64_t row0 = 0; row0 < m; row0 += tileRows) {
    int rows = (int)minInt64(tileRows, m - row0);
    ByteView tile = {a.data + row0 * a.rowStride, a.rowStride, a.colStride};
    packATile(tile, rows, depth, tileRows, packedA);
    for (int64_t p = 0; p < panels; ++p) {
      TileTask task = {
          .groups = quillIgemmGroups(depth),
          .a = packedA,
          .b = b.panels + p * b.panelStride,
          .correction = b.correction ? b.correction + p * PanelColumns : NULL,
          .c = {c.data + row0 * c.rowStride + p * PanelColumns * c.colStride,
                c.rowStride, c.colStride},
          .rows = rows,
          .cols = (int)minInt64(PanelColumns, cols - p * PanelColumns),
      };
      config->kernel(&task);
    }
  }
}

static ByteView offsetBytes(ByteView view, int64_t row, int64_t col) {
  view.data += row * view.rowStride + col * view.colStride;
  return view;
}

static WordView offsetWords(WordView view, int64_t row, int64_t col) {
  view.data += row * view.rowStride + col * view.colStride;
  return view;
}

/* Packs each block of B, then multiplies it. */
static void gemmPacked(const KernelConfig *config, int64_t m, int64_t n,
                       int64_t k, ByteView a, ByteView b, WordView c) {
  int64_t panelBytes = quillIgemmPanelBytes(minInt64(k, DepthBlock));
  int64_t maxPanels = ceilDiv(minInt64(n, ColumnBlock), PanelColumns);
  size_t correctionBytes = (size_t)maxPanels * PanelColumns * sizeof(int32_t);
  char *buffer =
      reserveAligned(&packBuffer, &packBufferBytes,
                     (size_t)panelBytes * maxPanels + correctionBytes);
  if (!buffer) {
    gemmUnpacked(m, n, k, a, b, c);
    return;
  }
  int8_t *panels = (int8_t *)buffer;
  int32_t *corrections = (int32_t *)(buffer + panelBytes * maxPanels);
  uint32_t packedA[DepthBlock / GroupDepth * MaxTileRows];

  for (int64_t col0 = 0; col0 < n; col0 += ColumnBlock) {
    int64_t cols = minInt64(ColumnBlock, n - col0);
    for (int64_t depth0 = 0; depth0 < k; depth0 += DepthBlock) {
      int64_t depth = minInt64(DepthBlock, k - depth0);
      int64_t blockPanelBytes = quillIgemmPanelBytes(depth);
      for (int64_t p = 0; p * PanelColumns < cols; ++p) {
        ByteView panel = offsetBytes(b, depth0, col0 + p * PanelColumns);
        quillIgemmPackPanel(
            panel.data, panel.rowStride, panel.colStride, depth,
            (int)minInt64(PanelColumns, cols - p * PanelColumns),
            panels + p * blockPanelBytes, corrections + p * PanelColumns);
      }
      PanelBlock block = {panels, blockPanelBytes, corrections};
      multiplyBlock(config, m, offsetBytes(a, 0, depth0), depth, block,
                    offsetWords(c, 0, col0), cols, packedA);
    }
  }
}

/* Multiplies by a B packed whole (quillIgemmPackB): its panels span the
 * whole depth, and their corrections are added once, with the first block. */
static void gemmPrepacked(const KernelConfig *config, int64_t m, int64_t n,
                          int64_t k, ByteView a, const int8_t *packedB,
                          const int32_t *correction, WordView c) {
  uint32_t packedA[DepthBlock / GroupDepth * MaxTileRows];
  int64_t panelBytes = quillIgemmPanelBytes(k);
  for (int64_t col0 = 0; col0 < n; col0 += ColumnBlock) {
    int64_t cols = minInt64(ColumnBlock, n - col0);
    for (int64_t depth0 = 0; depth0 < k; depth0 += DepthBlock) {
      PanelBlock block = {packedB + (col0 / PanelColumns) * panelBytes +
                              (depth0 / GroupDepth) * GroupDepth * PanelColumns,
                          panelBytes, depth0 == 0 ? correction + col0 : NULL};
      multiplyBlock(config, m, offsetBytes(a, 0, depth0),
                    minInt64(DepthBlock, k - depth0), block,
                    offsetWords(c, 0, col0), cols, packedA);
    }
  }
}

/* Requantizing products keep the panels of one block of columns, each
 * spanning the whole depth, within about this many bytes (half of L2). */
enum { RequantizeBlockBytes = 512 * 1024 };

/* Out = requantize(A B): all of A is packed first, in tiles spanning the
 * whole depth, so that Out may overlap A and a register tile ends holding
 * finished sums, which it requantizes. */
static void gemmPrepackedRequantized(const KernelConfig *config, int64_t m,
                                     int64_t n, int64_t k, ByteView a,
                                     const int8_t *packedB,
                                     const int32_t *correction,
                                     const Requantization *r, ByteOutput out,
                                     uint32_t *packedA) {
  int tileRows = config->tileRows;
  int64_t groups = quillIgemmGroups(k);
  int64_t tileWords = groups * tileRows;
  for (int64_t row0 = 0; row0 < m; row0 += tileRows)
    packATile(offsetBytes(a, row0, 0), (int)minInt64(tileRows, m - row0), k,
              tileRows, packedA + (row0 / tileRows) * tileWords);
  int64_t panelBytes = quillIgemmPanelBytes(k);
  int64_t blockPanels =
      minInt64(ColumnBlock / PanelColumns,
               RequantizeBlockBytes / maxInt64(panelBytes, 1));
  int64_t blockColumns = maxInt64(blockPanels, 1) * PanelColumns;
  for (int64_t col0 = 0; col0 < n; col0 += blockColumns) {
    int64_t cols = minInt64(blockColumns, n - col0);
    for (int64_t row0 = 0; row0 < m; row0 += tileRows)
      for (int64_t col = col0; col < col0 + cols; col += PanelColumns) {
        TileTask task = {
            .groups = groups,
            .a = packedA + (row0 / tileRows) * tileWords,
            .b = packedB + (col / PanelColumns) * panelBytes,
            .correction = correction + col,
            .rows = (int)minInt64(tileRows, m - row0),
            .cols = (int)minInt64(PanelColumns, col0 + cols - col),
            .requantization = r,
            .column = col,
            .out = {out.data + row0 * out.rowStride + col * out.colStride,
                    out.rowStride, out.colStride},
        };
        config->requantizingKernel(&task);
      }
  }
}

/*===----------------------------------------------------------------------===*
 * Instruction set selection
 *===----------------------------------------------------------------------===*/

static const KernelConfig *configFor(QuillIgemmIsa isa) {
  switch (isa) {
  case QUILL_IGEMM_ISA_SCALAR:
    return &quillIgemmPortableConfig;
#ifdef QUILL_IGEMM_X86
  case QUILL_IGEMM_ISA_AVX2:
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") ? &quillIgemmAvx2Config : NULL;
  case QUILL_IGEMM_ISA_AVX512_VNNI:
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") &&
                   __builtin_cpu_supports("avx512bw") &&
                   __builtin_cpu_supports("avx512dq") &&
                   __builtin_cpu_supports("avx512vl") &&
                   __builtin_cpu_supports("avx512vnni")
               ? &quillIgemmVnniConfig
               : NULL;
#endif
  case QUILL_IGEMM_ISA_AUTO: {
    const KernelConfig *best = configFor(QUILL_IGEMM_ISA_AVX512_VNNI);
    if (!best)
      best = configFor(QUILL_IGEMM_ISA_AVX2);
    return best ? best : &quillIgemmPortableConfig;
  }
  }
  /* A value from the environment that names no path. */
  return NULL;
}

static _Atomic(const KernelConfig *) selectedConfig;

static const KernelConfig *currentConfig(void) {
  const KernelConfig *config = atomic_load(&selectedConfig);
  if (config)
    return config;
  static const IsaName names[] = {{"scalar", QUILL_IGEMM_ISA_SCALAR},
                                  {"avx2", QUILL_IGEMM_ISA_AVX2},
                                  {"vnni", QUILL_IGEMM_ISA_AVX512_VNNI}};
  config = configFor((QuillIgemmIsa)isaFromEnvironment(
      "QUILL_IGEMM_ISA", names, 3, QUILL_IGEMM_ISA_AUTO));
  if (!config)
    config = configFor(QUILL_IGEMM_ISA_AUTO);
  atomic_store(&selectedConfig, config);
  return config;
}

int quill_igemm_set_isa(QuillIgemmIsa isa) {
  const KernelConfig *config = configFor(isa);
  if (!config)
    return 0;
  atomic_store(&selectedConfig, config);
  return 1;
}

void _mlir_ciface_quill_igemm_s8(StridedMemRef2DI8 *A, StridedMemRef2DI8 *B,
                                 StridedMemRef2DI32 *C) {
  int64_t m = C->sizes[0], n = C->sizes[1], k = A->sizes[1];
  if (m == 0 || n == 0 || k == 0)
    return;
  ByteView a = {A->aligned + A->offset, A->strides[0], A->strides[1]};
  ByteView b = {B->aligned + B->offset, B->strides[0], B->strides[1]};
  WordView c = {C->aligned + C->offset, C->strides[0], C->strides[1]};
  if (m * n * k < MinPackedWork) {
    gemmUnpacked(m, n, k, a, b, c);
    return;
  }
  gemmPacked(currentConfig(), m, n, k, a, b, c);
}

void _mlir_ciface_quill_igemm_s8_packed(StridedMemRef2DI8 *A,
                                        StridedMemRef1DI8 *packedB,
                                        StridedMemRef1DI32 *correction,
                                        StridedMemRef2DI32 *C) {
  int64_t m = C->sizes[0], n = C->sizes[1], k = A->sizes[1];
  if (m == 0 || n == 0 || k == 0)
    return;
  ByteView a = {A->aligned + A->offset, A->strides[0], A->strides[1]};
  WordView c = {C->aligned + C->offset, C->strides[0], C->strides[1]};
  gemmPrepacked(currentConfig(), m, n, k, a, packedB->aligned + packedB->offset,
                correction->aligned + correction->offset, c);
}

void _mlir_ciface_quill_igemm_s8_packed_requantize(
    StridedMemRef2DI8 *A, StridedMemRef1DI8 *packedB,
    StridedMemRef1DI32 *correction, StridedMemRef1DI32 *offset,
    StridedMemRef1DI64 *multiplier, StridedMemRef1DI64 *rounding,
    StridedMemRef1DI64 *shift, int64_t zeroPoint, int64_t lo, int64_t hi,
    int64_t flip, StridedMemRef1DI8 *workspace, StridedMemRef2DI8 *Out) {
  int64_t m = Out->sizes[0], n = Out->sizes[1], k = A->sizes[1];
  if (m == 0 || n == 0)
    return;
  Requantization r = {offset->aligned + offset->offset,
                      multiplier->aligned + multiplier->offset,
                      rounding->aligned + rounding->offset,
                      shift->aligned + shift->offset,
                      zeroPoint,
                      lo,
                      hi,
                      (uint8_t)flip};
  ByteView a = {A->aligned + A->offset, A->strides[0], A->strides[1]};
  ByteOutput out = {Out->aligned + Out->offset, Out->strides[0],
                    Out->strides[1]};
  gemmPrepackedRequantized(
      currentConfig(), m, n, k, a, packedB->aligned + packedB->offset,
      correction->aligned + correction->offset, &r, out,
      (uint32_t *)(void *)(workspace->aligned + workspace->offset));
}
