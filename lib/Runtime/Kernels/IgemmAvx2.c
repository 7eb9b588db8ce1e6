/*===- IgemmAvx2.c - int8 tile kernels for AVX2 -------------------*- C -*-===*\
\*===----------------------------------------------------------------------===*/

#include "IgemmKernels.h"

#ifdef QUILL_IGEMM_X86

/*===----------------------------------------------------------------------===*
 * AVX2: vpmaddwd on int16 widenings of both operands
 *===----------------------------------------------------------------------===*/

#define AVX2_TARGET __attribute__((target("avx2")))

/* Each ymm product holds 4 columns x 2 pairs of k: 4 ymm accumulators cover
 * half a panel (16 columns) for one row; 3 rows, 4 of B and one of A fill
 * the 16 registers. */
enum { Avx2TileRows = 3, Avx2HalfColumns = PanelColumns / 2 };

static inline __attribute__((always_inline)) AVX2_TARGET void
avx2Tile(int rows, const TileTask *task) {
  int32_t tile[Avx2TileRows][PanelColumns];
  for (int half = 0; half < 2; ++half) {
    __m256i acc[Avx2TileRows][4];
    for (int i = 0; i < rows; ++i)
      for (int q = 0; q < 4; ++q)
        acc[i][q] = _mm256_setzero_si256();
    const int8_t *b = task->b + half * Avx2HalfColumns * GroupDepth;
    const uint32_t *a = task->a;
    for (int64_t g = 0; g < task->groups; ++g) {
      __m256i wide[4];
      for (int q = 0; q < 4; ++q)
        wide[q] = _mm256_cvtepi8_epi16(
            _mm_loadu_si128((const __m128i *)(b + 16 * q)));
      for (int i = 0; i < rows; ++i) {
        __m256i quad = _mm256_cvtepu8_epi16(_mm_set1_epi32((int)a[i]));
        for (int q = 0; q < 4; ++q)
          acc[i][q] =
              _mm256_add_epi32(acc[i][q], _mm256_madd_epi16(quad, wide[q]));
      }
      b += GroupDepth * PanelColumns;
      a += Avx2TileRows;
    }
    /* Lanes 2c and 2c + 1 of acc[i][q] are column 4q + c's two halves. */
    for (int i = 0; i < rows; ++i)
      for (int q = 0; q < 4; ++q) {
        int32_t lanes[8];
        _mm256_storeu_si256((__m256i *)lanes, acc[i][q]);
        for (int c = 0; c < 4; ++c)
          tile[i][half * Avx2HalfColumns + 4 * q + c] =
              lanes[2 * c] + lanes[2 * c + 1];
      }
  }
  finishTile(&tile[0][0], PanelColumns, task, rows);
}

#define AVX2_TILE(rows)                                                        \
  static AVX2_TARGET void avx2Tile##rows(const TileTask *task) {               \
    avx2Tile(rows, task);                                                      \
  }
IGEMM_ROWS_1_TO_3(AVX2_TILE)
#undef AVX2_TILE

#define AVX2_TILE_ENTRY(rows) avx2Tile##rows,
static TileKernel *const avx2Tiles[Avx2TileRows] = {
    IGEMM_ROWS_1_TO_3(AVX2_TILE_ENTRY)};
#undef AVX2_TILE_ENTRY

static void avx2Kernel(const TileTask *task) {
  avx2Tiles[task->rows - 1](task);
}

const KernelConfig quillIgemmAvx2Config = {Avx2TileRows, avx2Kernel, avx2Kernel};

#endif /* QUILL_IGEMM_X86 */
