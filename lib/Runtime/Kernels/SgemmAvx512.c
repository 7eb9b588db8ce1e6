/*===- SgemmAvx512.c - fp32 tile kernels for AVX-512 --------------*- C -*-===*\
\*===----------------------------------------------------------------------===*/

#include "SgemmKernels.h"

#ifdef QUILL_SGEMM_X86

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

const KernelConfig quillSgemmAvx512Config = {
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

#endif /* QUILL_SGEMM_X86 */
