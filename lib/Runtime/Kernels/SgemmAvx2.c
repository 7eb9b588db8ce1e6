/*===- SgemmAvx2.c - fp32 tile kernels for AVX2 and FMA -----------*- C -*-===*\
\*===----------------------------------------------------------------------===*/

#include "SgemmKernels.h"

#ifdef QUILL_SGEMM_X86

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

const KernelConfig quillSgemmAvx2Config = {
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
