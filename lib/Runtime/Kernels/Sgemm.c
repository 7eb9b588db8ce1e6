/*===- Sgemm.c - Packed, register-blocked fp32 matrix multiply ----*- C -*-===*\
|*                                                                            *|
|* quill_sgemm: C += A B in fp32 for any strides, called from generated code  *|
|* through the MLIR C interface.                                              *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

/* Why by hand: upstream MLIR code generation in LLVM 22 tiles and vectorizes
 * linalg.matmul but has no packing and no BLIS-style cache schedule, so it
 * stays far from the FMA peak once the operands outgrow L1.
 *
 * The schedule is GotoBLAS/BLIS's. For each block of columns and of depth, a
 * block of B stays in L2; rows of register tiles sweep it, each keeping its
 * tile of A in L1. Where the strides allow, A and B are read in place rather
 * than copied: copying costs as much as the arithmetic on the skinny shapes
 * of neural networks. The register tile is broadcast-FMA: each step of depth
 * broadcasts one float of A per row and multiplies it into whole vectors of
 * a row of B. Every tile height has its own fully unrolled copy, so edge
 * rows cost nothing extra; edge columns are masked, and a last one or two
 * columns past whole vectors go to a dot-product kernel instead of padding.
 * C^T = B^T A^T is computed instead where that layout is cheaper.
 *
 * Blocking, tuned on an AMD EPYC Zen 4 core (32 KiB L1, 1 MiB L2; fp32 FMA
 * peak measured at 117.5 GFLOP/s for both AVX-512 and AVX2 at 3.7 GHz):
 *   register tile  AVX-512 14 x 32 (28 zmm accumulators), AVX2 6 x 16,
 *                  portable C 4 x 16
 *   depth block    K split evenly into blocks of at most 256
 *   column block   N split evenly into blocks of at most 512 KiB / depth
 *                  floats, i.e. 512 columns at depth 256
 *   row block      one row of tiles: A needs no block of its own
 * Measured there with bench/sgemm_bench.c (one core, GFLOP/s, best of 15;
 * in parentheses the fraction of 117.5):
 *   M x K x N                AVX-512       AVX2         portable C
 *   512 x 512 x 512          113 (96%)     101 (86%)    26
 *   1024 x 1024 x 1024       107 (91%)      94 (80%)    26
 *   64 x 784 x 1024          107 (91%)      90 (77%)    24
 *     same, B transposed     100 (85%)      95 (81%)    25
 *   128 x 256 x 256          112 (95%)      99 (84%)    26
 *   128 x 256 x 1024         106 (90%)      96 (81%)    25
 *   64 x 576 x 3136          113 (96%)      91 (78%)    24
 *   512 x 4608 x 49          108 (92%)      82 (70%)    20
 */

#include "Sgemm.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define QUILL_SGEMM_X86 1
#endif

/* Blocking: a block of B, at most MaxDepthBlock x (PackedBFloats /
 * MaxDepthBlock), stays in half of L2 while rows of tiles sweep it. */
enum { MaxDepthBlock = 256, PackedBFloats = 128 * 1024 };

/* Below about this many multiply-adds (11^3) packing costs more than it
 * saves. */
enum { MinPackedWork = 1024 };

/* A matrix as the packing routines and kernels see it: element (i, j) is
 * data[i * rowStride + j * colStride]. */
typedef struct {
  float *data;
  int64_t rowStride;
  int64_t colStride;
} MatrixView;

static MatrixView transposed(MatrixView view) {
  MatrixView result = {view.data, view.colStride, view.rowStride};
  return result;
}

static MatrixView offsetView(MatrixView view, int64_t row, int64_t col) {
  MatrixView result = view;
  result.data += row * view.rowStride + col * view.colStride;
  return result;
}

/* One register tile: C[0:rows, 0:cols] += A[0:rows, 0:depth] * B, where A is
 * read in place, row-major (A(i, k) = a[i * aRowStride + k]), and B is a
 * packed panel: `depth` rows of `cols` rounded up to whole vectors (for a
 * dot kernel: `cols` columns of `depth` floats). */
typedef struct {
  int64_t depth;
  const float *a;
  int64_t aRowStride;
  const float *b;
  int64_t bRowStride;
  /* A panel the next tile reads, fetched into L2 line by line, so that its
   * misses overlap this tile's arithmetic. */
  const float *prefetch;
  int64_t prefetchStride;
  MatrixView c;
  int rows;
  int cols;
} TileTask;

typedef void TileKernel(const TileTask *task);

/* Packs a depth x width block of B as one panel, row by row, zero-padded to
 * whole vectors. */
typedef void PackBPanel(MatrixView b, int64_t depth, int width, float *panel);

typedef struct {
  int tileRows;
  int tileCols;
  /* Lanes per vector: packed panels are padded to a multiple of this. */
  int vectorWidth;
  TileKernel *kernel;
  PackBPanel *packBPanel;
  /* The cost of packing a float of transposed B, as in estimatedCost. */
  double transposedBCost;
  /* Whether the kernel may read full panels of B in place, strided by rows of
   * B: it needs enough arithmetic per row to hide an L2 access. */
  bool readsBInPlace;
  /* Optional: a kernel for the last few columns of C, up to maxDotCols, that
   * computes dot products along depth. Its B holds those columns, each
   * contiguous, so no lanes go to padding. */
  TileKernel *dotKernel;
  int maxDotCols;
} KernelConfig;

/* C += tile for a tile kept in memory, row-major with `tileStride`. */
static inline void accumulateTile(const float *tile, int tileStride,
                                  MatrixView c, int rows, int cols) {
  if (c.rowStride == 1) {
    for (int j = 0; j < cols; ++j)
      for (int i = 0; i < rows; ++i)
        c.data[i + j * c.colStride] += tile[i * tileStride + j];
    return;
  }
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j)
      c.data[i * c.rowStride + j * c.colStride] += tile[i * tileStride + j];
}

/*===----------------------------------------------------------------------===*
 * Packing
 *===----------------------------------------------------------------------===*/

/* Copies a rows x depth block of A row-major with row stride `stride`. */
static void packA(MatrixView a, int rows, int64_t depth, int64_t stride,
                  float *packed) {
  if (a.colStride == 1) {
    for (int i = 0; i < rows; ++i)
      memcpy(packed + i * stride, a.data + i * a.rowStride,
             depth * sizeof(float));
    return;
  }
  for (int64_t k = 0; k < depth; ++k)
    for (int i = 0; i < rows; ++i)
      packed[i * stride + k] = a.data[i * a.rowStride + k * a.colStride];
}

/* Inlined into each instruction set's PackBPanel with constant widths, so
 * that a row of a full panel is copied with a few whole-vector moves. */
static inline __attribute__((always_inline)) void
packBPanelWith(MatrixView b, int64_t depth, int width, int panelWidth,
               int vectorWidth, float *panel) {
  if (b.colStride == 1 && width == panelWidth) {
    for (int64_t k = 0; k < depth; ++k)
      memcpy(panel + k * panelWidth, b.data + k * b.rowStride,
             panelWidth * sizeof(float));
    return;
  }
  int paddedWidth = (int)roundUp(width, vectorWidth);
  if (b.colStride == 1) {
    for (int64_t k = 0; k < depth; ++k) {
      float *row = panel + k * paddedWidth;
      for (int j = 0; j < width; ++j)
        row[j] = b.data[k * b.rowStride + j];
      for (int j = width; j < paddedWidth; ++j)
        row[j] = 0.0f;
    }
    return;
  }
  /* Column by column: reads are contiguous when B is transposed. */
  for (int j = 0; j < paddedWidth; ++j)
    for (int64_t k = 0; k < depth; ++k)
      panel[k * paddedWidth + j] =
          j < width ? b.data[k * b.rowStride + j * b.colStride] : 0.0f;
}

/* Packs a depth x cols block of B column by column, for a dot kernel. */
static void packDotColumns(MatrixView b, int64_t depth, int cols,
                           float *packed) {
  for (int j = 0; j < cols; ++j)
    for (int64_t k = 0; k < depth; ++k)
      packed[j * depth + k] = b.data[k * b.rowStride + j * b.colStride];
}

/*===----------------------------------------------------------------------===*
 * Tile kernels
 *===----------------------------------------------------------------------===*/

enum { PortableTileRows = 4, PortableTileCols = 16 };

static void portableKernel(const TileTask *task) {
  float acc[PortableTileRows][PortableTileCols] = {{0}};
  for (int64_t k = 0; k < task->depth; ++k) {
    const float *b = task->b + k * task->bRowStride;
    for (int i = 0; i < task->rows; ++i)
      for (int j = 0; j < PortableTileCols; ++j)
        acc[i][j] += task->a[i * task->aRowStride + k] * b[j];
  }
  accumulateTile(&acc[0][0], PortableTileCols, task->c, task->rows, task->cols);
}

static void portablePackBPanel(MatrixView b, int64_t depth, int width,
                               float *panel) {
  packBPanelWith(b, depth, width, PortableTileCols, PortableTileCols, panel);
}

static const KernelConfig portableConfig = {
    .tileRows = PortableTileRows,
    .tileCols = PortableTileCols,
    .vectorWidth = PortableTileCols,
    .kernel = portableKernel,
    .packBPanel = portablePackBPanel,
    .transposedBCost = 40.0,
};

#ifdef QUILL_SGEMM_X86

/* Expands X(rows, vectors) for rows = 1..count: the register tile is fully
 * unrolled, so each edge shape gets its own copy. */
#define SGEMM_ROWS_1_TO_6(X, vectors)                                          \
  X(1, vectors)                                                                \
  X(2, vectors) X(3, vectors) X(4, vectors) X(5, vectors) X(6, vectors)
#define SGEMM_ROWS_1_TO_14(X, vectors)                                         \
  SGEMM_ROWS_1_TO_6(X, vectors)                                                \
  X(7, vectors)                                                                \
  X(8, vectors)                                                                \
  X(9, vectors)                                                                \
  X(10, vectors) X(11, vectors) X(12, vectors) X(13, vectors) X(14, vectors)

#define AVX512_TARGET                                                          \
  __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,fma")))

enum { Avx512TileRows = 14, Avx512TileVectors = 2, Avx512Width = 16 };

static inline __attribute__((always_inline)) AVX512_TARGET void
avx512Tile(int rows, int vectors, const TileTask *task) {
  const float *a = task->a, *b = task->b, *prefetch = task->prefetch;
  int64_t aRowStride = task->aRowStride;
  __m512 acc[Avx512TileRows][Avx512TileVectors];
  for (int i = 0; i < rows; ++i)
    for (int v = 0; v < vectors; ++v)
      acc[i][v] = _mm512_setzero_ps();
  for (int64_t k = 0; k < task->depth; ++k) {
    _mm_prefetch((const char *)prefetch, _MM_HINT_T1);
    _mm_prefetch((const char *)(prefetch + Avx512Width), _MM_HINT_T1);
    prefetch += task->prefetchStride;
    __m512 bRow[Avx512TileVectors];
    for (int v = 0; v < vectors; ++v)
      bRow[v] = _mm512_loadu_ps(b + v * Avx512Width);
    for (int i = 0; i < rows; ++i) {
      __m512 broadcast = _mm512_set1_ps(a[i * aRowStride + k]);
      for (int v = 0; v < vectors; ++v)
        acc[i][v] = _mm512_fmadd_ps(broadcast, bRow[v], acc[i][v]);
    }
    b += task->bRowStride;
  }
  MatrixView c = task->c;
  if (c.colStride != 1) {
    float tile[Avx512TileRows][Avx512TileVectors * Avx512Width];
    for (int i = 0; i < rows; ++i)
      for (int v = 0; v < vectors; ++v)
        _mm512_storeu_ps(&tile[i][v * Avx512Width], acc[i][v]);
    accumulateTile(&tile[0][0], Avx512TileVectors * Avx512Width, c, rows,
                   task->cols);
    return;
  }
  for (int v = 0; v < vectors; ++v) {
    int lanes = task->cols - v * Avx512Width;
    __mmask16 mask = lanes >= Avx512Width ? 0xFFFF : (1u << lanes) - 1;
    for (int i = 0; i < rows; ++i) {
      float *out = c.data + i * c.rowStride + v * Avx512Width;
      _mm512_mask_storeu_ps(
          out, mask,
          _mm512_add_ps(_mm512_maskz_loadu_ps(mask, out), acc[i][v]));
    }
  }
}

#define AVX512_TILE(rows, vectors)                                             \
  static AVX512_TARGET void avx512Tile##rows##x##vectors(                      \
      const TileTask *task) {                                                  \
    avx512Tile(rows, vectors, task);                                           \
  }
SGEMM_ROWS_1_TO_14(AVX512_TILE, 1)
SGEMM_ROWS_1_TO_14(AVX512_TILE, 2)
#undef AVX512_TILE

#define AVX512_TILE_ENTRY(rows, vectors) avx512Tile##rows##x##vectors,
static TileKernel *const avx512Tiles[Avx512TileVectors][Avx512TileRows] = {
    {SGEMM_ROWS_1_TO_14(AVX512_TILE_ENTRY, 1)},
    {SGEMM_ROWS_1_TO_14(AVX512_TILE_ENTRY, 2)}};
#undef AVX512_TILE_ENTRY

static void avx512Kernel(const TileTask *task) {
  int vectors = (int)ceilDiv(task->cols, Avx512Width);
  avx512Tiles[vectors - 1][task->rows - 1](task);
}

/* Transposes the 16x16 matrix held in rows[0..15]. */
static inline __attribute__((always_inline)) AVX512_TARGET void
avx512Transpose16x16(__m512 rows[16]) {
  __m512 t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(rows[i], rows[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(rows[i], rows[i + 1]);
  }
  /* Now each 128-bit lane of rows[4g + q] holds 4x4 block (g, lane). */
  for (int i = 0; i < 16; i += 4) {
    rows[i] = _mm512_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
    rows[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
    rows[i + 2] =
        _mm512_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
    rows[i + 3] =
        _mm512_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int q = 0; q < 4; ++q) {
    t[q] = _mm512_shuffle_f32x4(rows[q], rows[q + 4], 0x88);
    t[q + 4] = _mm512_shuffle_f32x4(rows[q], rows[q + 4], 0xDD);
    t[q + 8] = _mm512_shuffle_f32x4(rows[q + 8], rows[q + 12], 0x88);
    t[q + 12] = _mm512_shuffle_f32x4(rows[q + 8], rows[q + 12], 0xDD);
  }
  for (int q = 0; q < 4; ++q) {
    rows[q] = _mm512_shuffle_f32x4(t[q], t[q + 8], 0x88);
    rows[q + 4] = _mm512_shuffle_f32x4(t[q + 4], t[q + 12], 0x88);
    rows[q + 8] = _mm512_shuffle_f32x4(t[q], t[q + 8], 0xDD);
    rows[q + 12] = _mm512_shuffle_f32x4(t[q + 4], t[q + 12], 0xDD);
  }
}

static AVX512_TARGET void avx512PackBPanel(MatrixView b, int64_t depth,
                                           int width, float *panel) {
  if (b.rowStride != 1 || b.colStride == 1) {
    packBPanelWith(b, depth, width, Avx512TileVectors * Avx512Width,
                   Avx512Width, panel);
    return;
  }
  /* B is transposed, its columns contiguous: transpose 16x16 blocks. */
  int vectors = (int)ceilDiv(width, Avx512Width);
  int paddedWidth = vectors * Avx512Width;
  for (int64_t k0 = 0; k0 < depth; k0 += Avx512Width) {
    int steps = (int)minInt64(Avx512Width, depth - k0);
    __mmask16 stepMask = steps == Avx512Width ? 0xFFFF : (1u << steps) - 1;
    for (int v = 0; v < vectors; ++v) {
      __m512 rows[Avx512Width];
      for (int j = 0; j < Avx512Width; ++j) {
        int col = v * Avx512Width + j;
        rows[j] = col < width ? _mm512_maskz_loadu_ps(
                                    stepMask, b.data + col * b.colStride + k0)
                              : _mm512_setzero_ps();
      }
      avx512Transpose16x16(rows);
      for (int step = 0; step < steps; ++step)
        _mm512_store_ps(panel + (k0 + step) * paddedWidth + v * Avx512Width,
                        rows[step]);
    }
  }
}

enum { Avx512DotCols = 2 };

static inline __attribute__((always_inline)) AVX512_TARGET void
avx512DotStep(int rows, int cols, const TileTask *task, int64_t k,
              __mmask16 mask, __m512 acc[Avx512TileRows][Avx512DotCols]) {
  __m512 bColumn[Avx512DotCols];
  for (int j = 0; j < cols; ++j)
    bColumn[j] = _mm512_maskz_loadu_ps(mask, task->b + j * task->depth + k);
  for (int i = 0; i < rows; ++i) {
    __m512 aRow =
        _mm512_maskz_loadu_ps(mask, task->a + i * task->aRowStride + k);
    for (int j = 0; j < cols; ++j)
      acc[i][j] = _mm512_fmadd_ps(aRow, bColumn[j], acc[i][j]);
  }
}

static inline __attribute__((always_inline)) AVX512_TARGET void
avx512DotTile(int rows, int cols, const TileTask *task) {
  __m512 acc[Avx512TileRows][Avx512DotCols];
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j)
      acc[i][j] = _mm512_setzero_ps();
  int64_t k = 0;
  for (; k + Avx512Width <= task->depth; k += Avx512Width)
    avx512DotStep(rows, cols, task, k, 0xFFFF, acc);
  if (k < task->depth)
    avx512DotStep(rows, cols, task, k, (1u << (task->depth - k)) - 1, acc);
  MatrixView c = task->c;
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j)
      c.data[i * c.rowStride + j * c.colStride] +=
          _mm512_reduce_add_ps(acc[i][j]);
}

#define AVX512_DOT_TILE(rows, cols)                                            \
  static AVX512_TARGET void avx512DotTile##rows##x##cols(                      \
      const TileTask *task) {                                                  \
    avx512DotTile(rows, cols, task);                                           \
  }
SGEMM_ROWS_1_TO_14(AVX512_DOT_TILE, 1)
SGEMM_ROWS_1_TO_14(AVX512_DOT_TILE, 2)
#undef AVX512_DOT_TILE

#define AVX512_DOT_TILE_ENTRY(rows, cols) avx512DotTile##rows##x##cols,
static TileKernel *const avx512DotTiles[Avx512DotCols][Avx512TileRows] = {
    {SGEMM_ROWS_1_TO_14(AVX512_DOT_TILE_ENTRY, 1)},
    {SGEMM_ROWS_1_TO_14(AVX512_DOT_TILE_ENTRY, 2)}};
#undef AVX512_DOT_TILE_ENTRY

static void avx512DotKernel(const TileTask *task) {
  avx512DotTiles[task->cols - 1][task->rows - 1](task);
}

static const KernelConfig avx512Config = {
    .tileRows = Avx512TileRows,
    .tileCols = Avx512TileVectors * Avx512Width,
    .vectorWidth = Avx512Width,
    .kernel = avx512Kernel,
    .packBPanel = avx512PackBPanel,
    .transposedBCost = 20.0,
    /* A step of depth takes 28 cycles of FMAs, enough to hide reading a row
     * of B from L2. */
    .readsBInPlace = true,
    .dotKernel = avx512DotKernel,
    .maxDotCols = Avx512DotCols,
};

#define AVX2_TARGET __attribute__((target("avx2,fma")))

enum { Avx2TileRows = 6, Avx2TileVectors = 2, Avx2Width = 8 };

static inline __attribute__((always_inline)) AVX2_TARGET void
avx2Tile(int rows, int vectors, const TileTask *task) {
  const float *a = task->a, *b = task->b, *prefetch = task->prefetch;
  int64_t aRowStride = task->aRowStride;
  __m256 acc[Avx2TileRows][Avx2TileVectors];
  for (int i = 0; i < rows; ++i)
    for (int v = 0; v < vectors; ++v)
      acc[i][v] = _mm256_setzero_ps();
  for (int64_t k = 0; k < task->depth; ++k) {
    _mm_prefetch((const char *)prefetch, _MM_HINT_T1);
    prefetch += task->prefetchStride;
    __m256 bRow[Avx2TileVectors];
    for (int v = 0; v < vectors; ++v)
      bRow[v] = _mm256_loadu_ps(b + v * Avx2Width);
    for (int i = 0; i < rows; ++i) {
      __m256 broadcast = _mm256_broadcast_ss(a + i * aRowStride + k);
      for (int v = 0; v < vectors; ++v)
        acc[i][v] = _mm256_fmadd_ps(broadcast, bRow[v], acc[i][v]);
    }
    b += task->bRowStride;
  }
  MatrixView c = task->c;
  if (c.colStride != 1) {
    float tile[Avx2TileRows][Avx2TileVectors * Avx2Width];
    for (int i = 0; i < rows; ++i)
      for (int v = 0; v < vectors; ++v)
        _mm256_storeu_ps(&tile[i][v * Avx2Width], acc[i][v]);
    accumulateTile(&tile[0][0], Avx2TileVectors * Avx2Width, c, rows,
                   task->cols);
    return;
  }
  const __m256i laneIndex = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  for (int v = 0; v < vectors; ++v) {
    __m256i mask = _mm256_cmpgt_epi32(
        _mm256_set1_epi32(task->cols - v * Avx2Width), laneIndex);
    for (int i = 0; i < rows; ++i) {
      float *out = c.data + i * c.rowStride + v * Avx2Width;
      _mm256_maskstore_ps(
          out, mask, _mm256_add_ps(_mm256_maskload_ps(out, mask), acc[i][v]));
    }
  }
}

#define AVX2_TILE(rows, vectors)                                               \
  static AVX2_TARGET void avx2Tile##rows##x##vectors(const TileTask *task) {   \
    avx2Tile(rows, vectors, task);                                             \
  }
SGEMM_ROWS_1_TO_6(AVX2_TILE, 1)
SGEMM_ROWS_1_TO_6(AVX2_TILE, 2)
#undef AVX2_TILE

#define AVX2_TILE_ENTRY(rows, vectors) avx2Tile##rows##x##vectors,
static TileKernel *const avx2Tiles[Avx2TileVectors][Avx2TileRows] = {
    {SGEMM_ROWS_1_TO_6(AVX2_TILE_ENTRY, 1)},
    {SGEMM_ROWS_1_TO_6(AVX2_TILE_ENTRY, 2)}};
#undef AVX2_TILE_ENTRY

static void avx2Kernel(const TileTask *task) {
  int vectors = (int)ceilDiv(task->cols, Avx2Width);
  avx2Tiles[vectors - 1][task->rows - 1](task);
}

static AVX2_TARGET void avx2PackBPanel(MatrixView b, int64_t depth, int width,
                                       float *panel) {
  packBPanelWith(b, depth, width, Avx2TileVectors * Avx2Width, Avx2Width,
                 panel);
}

static const KernelConfig avx2Config = {
    .tileRows = Avx2TileRows,
    .tileCols = Avx2TileVectors * Avx2Width,
    .vectorWidth = Avx2Width,
    .kernel = avx2Kernel,
    .packBPanel = avx2PackBPanel,
    .transposedBCost = 40.0,
    /* A step of depth takes 6 cycles, too few to hide reading a row of B
     * from L2. */
    .readsBInPlace = false,
};

#endif /* QUILL_SGEMM_X86 */

/*===----------------------------------------------------------------------===*
 * Driver
 *===----------------------------------------------------------------------===*/

/* Reused across calls: allocating per call costs page faults on every call
 * once the buffer is big enough for malloc to map it afresh. */
static _Thread_local void *packBuffer;
static _Thread_local size_t packBufferBytes;

static float *reservePackBuffer(size_t floats) {
  return reserveAligned(&packBuffer, &packBufferBytes, floats * sizeof(float));
}

static void gemmUnpacked(int64_t m, int64_t n, int64_t k, MatrixView a,
                         MatrixView b, MatrixView c) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t p = 0; p < k; ++p) {
      float scale = a.data[i * a.rowStride + p * a.colStride];
      for (int64_t j = 0; j < n; ++j)
        c.data[i * c.rowStride + j * c.colStride] +=
            scale * b.data[p * b.rowStride + j * b.colStride];
    }
}

/* Whether `rows` rows of `rowLength` floats, `rowStride` floats apart, pile up
 * in a cache with `sets` sets of 64-byte lines, more than `maxLinesPerSet` to
 * a set, so that they evict each other before they are reused. Row strides
 * near a multiple of 4 KiB do this, and so does a zero row stride. */
static bool rowsCrowdCache(int64_t rowStride, int64_t rows, int64_t rowLength,
                           int sets, int maxLinesPerSet) {
  enum { LineBytes = 64, MaxSets = 2048 };
  int linesInSet[MaxSets];
  memset(linesInSet, 0, (size_t)sets * sizeof(int));
  int64_t span =
      minInt64(rowLength * (int64_t)sizeof(float) / LineBytes + 1, sets);
  int64_t strideLines = rowStride * (int64_t)sizeof(float) / LineBytes;
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t line = 0; line < span; ++line)
      if (++linesInSet[((i * strideLines + line) % sets + sets) % sets] >
          maxLinesPerSet)
        return true;
  return false;
}

/* Starts fetching a row of A, `depth` contiguous floats, into L2. */
static void prefetchRowOfA(const float *row, int64_t depth) {
  enum { FloatsPerLine = 16 };
  for (int64_t k = 0; k < depth; k += FloatsPerLine)
    __builtin_prefetch(row + k, 0, 2);
}

/* How gemmPacked splits one product into blocks. */
typedef struct {
  const KernelConfig *config;
  int64_t depthBlock;
  int64_t colBlock;
} Blocking;

static Blocking chooseBlocking(const KernelConfig *config, int64_t n,
                               int64_t k) {
  Blocking blocking;
  blocking.config = config;
  /* Equal blocks, so that none is a short and inefficient remainder. */
  blocking.depthBlock = roundUp(ceilDiv(k, ceilDiv(k, MaxDepthBlock)), 8);
  int64_t maxColBlock =
      roundUp(PackedBFloats / blocking.depthBlock, config->tileCols);
  blocking.colBlock =
      roundUp(ceilDiv(n, ceilDiv(n, maxColBlock)), config->tileCols);
  return blocking;
}

/* How gemmPacked reads A and B. */
typedef struct {
  Blocking blocking;
  /* Whether A tiles are copied (A transposed, or rows crowding L1) rather
   * than read in place. */
  bool copyA;
  int64_t copiedAStride;
  /* Whether full panels of B are read in place rather than packed. */
  bool readBInPlace;
} Plan;

static Plan makePlan(Blocking blocking, int64_t m, MatrixView a, MatrixView b) {
  const KernelConfig *config = blocking.config;
  Plan plan;
  plan.blocking = blocking;
  /* Caches assumed: L1 32 KiB, 8 ways, in 64 sets; L2 1 MiB, 8 ways, in
   * 2048 sets. An A tile must leave L1 ways to the stream of B. */
  plan.copyA = a.colStride != 1 || rowsCrowdCache(a.rowStride, config->tileRows,
                                                  blocking.depthBlock, 64, 7);
  plan.copiedAStride = roundUp(blocking.depthBlock, 16) + 16;
  /* Packing B pays for itself only when many rows of tiles reuse it. */
  plan.readBInPlace = config->readsBInPlace && b.colStride == 1 &&
                      ceilDiv(m, config->tileRows) <= 16 &&
                      !rowsCrowdCache(b.rowStride, blocking.depthBlock,
                                      blocking.colBlock, 2048, 8);
  return plan;
}

/* Multiplies one row of tiles, rows [i0, i0 + task->rows) of C, by the
 * depth x cols block of B at (p0, j0). The first row of tiles packs each
 * panel of the block just before it uses it, and prefetches the next
 * panel's source meanwhile. */
static void multiplyRowOfTiles(const Plan *plan, TileTask *task, int64_t m,
                               int64_t i0, int64_t p0, int64_t j0, int64_t cols,
                               MatrixView a, MatrixView b, MatrixView c,
                               float *packedB) {
  const KernelConfig *config = plan->blocking.config;
  /* One row of the next tile per panel: spread out, the fetches overlap
   * arithmetic instead of stalling on a full miss queue. */
  int64_t nextTileRows =
      a.colStride == 1 ? minInt64(config->tileRows, m - i0 - config->tileRows)
                       : 0;
  for (int64_t jt = 0; jt < cols; jt += config->tileCols) {
    int64_t panelIndex = jt / config->tileCols;
    if (panelIndex < nextTileRows)
      prefetchRowOfA(offsetView(a, i0 + config->tileRows + panelIndex, p0).data,
                     task->depth);
    int width = (int)minInt64(config->tileCols, cols - jt);
    int dotCols = width % config->vectorWidth;
    if (dotCols > config->maxDotCols)
      dotCols = 0;
    int vectorCols = width - dotCols;
    float *panel = packedB + jt * task->depth;
    float *dotPanel = panel + task->depth * vectorCols;
    bool inPlace = plan->readBInPlace && width == config->tileCols;
    if (i0 == 0 && !inPlace) {
      if (vectorCols)
        config->packBPanel(offsetView(b, p0, j0 + jt), task->depth, vectorCols,
                           panel);
      packDotColumns(offsetView(b, p0, j0 + jt + vectorCols), task->depth,
                     dotCols, dotPanel);
    }
    if (vectorCols) {
      task->b = panel;
      task->bRowStride = roundUp(vectorCols, config->vectorWidth);
      if (inPlace) {
        task->b = offsetView(b, p0, j0 + jt).data;
        task->bRowStride = b.rowStride;
      }
      task->prefetch = task->b;
      task->prefetchStride = task->bRowStride;
      if (i0 == 0 && jt + config->tileCols < cols && b.colStride == 1) {
        task->prefetch = offsetView(b, p0, j0 + jt + config->tileCols).data;
        task->prefetchStride = b.rowStride;
      }
      task->cols = vectorCols;
      task->c = offsetView(c, i0, j0 + jt);
      config->kernel(task);
    }
    if (dotCols) {
      task->b = dotPanel;
      task->cols = dotCols;
      task->c = offsetView(c, i0, j0 + jt + vectorCols);
      config->dotKernel(task);
    }
  }
}

/* C += A B, blocked for the caches: for each block of columns and of depth,
 * rows of tiles sweep the block of B, which stays in L2, while the tile of
 * A they share stays in L1. */
static void gemmPacked(Blocking blocking, int64_t m, int64_t n, int64_t k,
                       MatrixView a, MatrixView b, MatrixView c) {
  const KernelConfig *config = blocking.config;
  Plan plan = makePlan(blocking, m, a, b);
  size_t packedBFloats = (size_t)(blocking.depthBlock * blocking.colBlock);
  float *packedB = reservePackBuffer(
      packedBFloats + (size_t)(plan.copiedAStride * config->tileRows));
  if (!packedB) {
    gemmUnpacked(m, n, k, a, b, c);
    return;
  }
  float *copiedA = packedB + packedBFloats;
  for (int64_t j0 = 0; j0 < n; j0 += blocking.colBlock) {
    int64_t cols = minInt64(blocking.colBlock, n - j0);
    for (int64_t p0 = 0; p0 < k; p0 += blocking.depthBlock) {
      TileTask task;
      task.depth = minInt64(blocking.depthBlock, k - p0);
      for (int64_t i0 = 0; i0 < m; i0 += config->tileRows) {
        task.rows = (int)minInt64(config->tileRows, m - i0);
        task.a = offsetView(a, i0, p0).data;
        task.aRowStride = a.rowStride;
        if (plan.copyA) {
          packA(offsetView(a, i0, p0), task.rows, task.depth,
                plan.copiedAStride, copiedA);
          task.a = copiedA;
          task.aRowStride = plan.copiedAStride;
        }
        multiplyRowOfTiles(&plan, &task, m, i0, p0, j0, cols, a, b, c, packedB);
      }
    }
  }
}

/* Roughly how long gemmPacked takes over a product laid out so, counted in
 * the flops the kernel could do meanwhile: lanes spent on padding, plus the
 * data movement that the strides force. A strided copy of A or of B, or a
 * scattered update of C, costs about 40 flops a float on Zen 4. */
static double estimatedCost(Blocking blocking, int64_t m, int64_t n, int64_t k,
                            MatrixView a, MatrixView b, MatrixView c) {
  const double stridedCopyCost = 40.0;
  const KernelConfig *config = blocking.config;
  double cost = 2.0 * (double)m * (double)n * (double)k;
  if (n % config->vectorWidth > config->maxDotCols)
    cost *= (double)roundUp(n, config->vectorWidth) / (double)n;
  if (a.colStride != 1)
    cost += stridedCopyCost * (double)(m * k * ceilDiv(n, blocking.colBlock));
  if (b.colStride != 1)
    cost += (b.rowStride == 1 ? config->transposedBCost : stridedCopyCost) *
            (double)(k * n);
  if (c.colStride != 1)
    cost += stridedCopyCost * (double)(m * n * ceilDiv(k, blocking.depthBlock));
  return cost;
}

/*===----------------------------------------------------------------------===*
 * Instruction set selection
 *===----------------------------------------------------------------------===*/

static const KernelConfig *configFor(QuillSgemmIsa isa) {
  switch (isa) {
  case QUILL_SGEMM_ISA_SCALAR:
    return &portableConfig;
#ifdef QUILL_SGEMM_X86
  case QUILL_SGEMM_ISA_AVX2:
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")
               ? &avx2Config
               : NULL;
  case QUILL_SGEMM_ISA_AVX512:
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") &&
                   __builtin_cpu_supports("avx512vl") &&
                   __builtin_cpu_supports("avx512bw") &&
                   __builtin_cpu_supports("avx512dq") &&
                   __builtin_cpu_supports("fma")
               ? &avx512Config
               : NULL;
#endif
  case QUILL_SGEMM_ISA_AUTO: {
    const KernelConfig *best = configFor(QUILL_SGEMM_ISA_AVX512);
    if (!best)
      best = configFor(QUILL_SGEMM_ISA_AVX2);
    return best ? best : &portableConfig;
  }
  default:
    return NULL;
  }
}

static _Atomic(const KernelConfig *) selectedConfig;

static const KernelConfig *currentConfig(void) {
  const KernelConfig *config = atomic_load(&selectedConfig);
  if (config)
    return config;
  static const IsaName names[] = {{"scalar", QUILL_SGEMM_ISA_SCALAR},
                                  {"avx2", QUILL_SGEMM_ISA_AVX2},
                                  {"avx512", QUILL_SGEMM_ISA_AVX512}};
  config = configFor((QuillSgemmIsa)isaFromEnvironment(
      "QUILL_SGEMM_ISA", names, 3, QUILL_SGEMM_ISA_AUTO));
  if (!config)
    config = configFor(QUILL_SGEMM_ISA_AUTO);
  atomic_store(&selectedConfig, config);
  return config;
}

int quill_sgemm_set_isa(QuillSgemmIsa isa) {
  const KernelConfig *config = configFor(isa);
  if (!config)
    return 0;
  atomic_store(&selectedConfig, config);
  return 1;
}

void _mlir_ciface_quill_sgemm(StridedMemRef2D *A, StridedMemRef2D *B,
                              StridedMemRef2D *C) {
  int64_t m = C->sizes[0], n = C->sizes[1], k = A->sizes[1];
  if (m == 0 || n == 0 || k == 0)
    return;
  MatrixView a = {A->aligned + A->offset, A->strides[0], A->strides[1]};
  MatrixView b = {B->aligned + B->offset, B->strides[0], B->strides[1]};
  MatrixView c = {C->aligned + C->offset, C->strides[0], C->strides[1]};
  if (m * n * k < MinPackedWork) {
    gemmUnpacked(m, n, k, a, b, c);
    return;
  }
  const KernelConfig *config = currentConfig();
  /* C^T = B^T A^T is the same product; take the orientation that suits. */
  Blocking blocking = chooseBlocking(config, n, k);
  Blocking swappedBlocking = chooseBlocking(config, m, k);
  MatrixView aSwapped = transposed(b), bSwapped = transposed(a),
             cSwapped = transposed(c);
  if (estimatedCost(swappedBlocking, n, m, k, aSwapped, bSwapped, cSwapped) <
      estimatedCost(blocking, m, n, k, a, b, c))
    gemmPacked(swappedBlocking, n, m, k, aSwapped, bSwapped, cSwapped);
  else
    gemmPacked(blocking, m, n, k, a, b, c);
}
