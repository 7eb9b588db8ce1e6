/*===- IgemmVnni.c - int8 tile kernels for AVX-512 VNNI -----------*- C -*-===*\
\*===----------------------------------------------------------------------===*/

#include "IgemmKernels.h"

#ifdef QUILL_IGEMM_X86

/*===----------------------------------------------------------------------===*
 * AVX-512 VNNI: vpdpbusd on (a + 128) bytes and signed bytes of B
 *===----------------------------------------------------------------------===*/

#define VNNI_TARGET                                                            \
  __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx512vnni")))

enum { VnniTileRows = 14, VnniWidth = 16 };

/* A requantization's vectors for 16 columns of a tile: the offset (with
 * the correction) and, for each half of 8, multiplier, rounding and shift. */
typedef struct {
  __mmask16 mask;
  __m512i offset;
  __m512i multiplier[2];
  __m512i rounding[2];
  __m512i shift[2];
} VnniRequantizeLanes;

static inline __attribute__((always_inline)) VNNI_TARGET VnniRequantizeLanes
vnniRequantizeLanes(const TileTask *task, int v) {
  const Requantization *r = task->requantization;
  int lanes = task->cols - v * VnniWidth;
  VnniRequantizeLanes result;
  result.mask = lanes >= VnniWidth ? 0xFFFF : (__mmask16)((1u << lanes) - 1);
  int64_t column = task->column + v * VnniWidth;
  result.offset = _mm512_add_epi32(
      _mm512_maskz_loadu_epi32(result.mask, task->correction + v * VnniWidth),
      _mm512_maskz_loadu_epi32(result.mask, r->offset + column));
  for (int h = 0; h < 2; ++h) {
    __mmask8 half = (__mmask8)(result.mask >> (8 * h));
    int64_t first = column + 8 * h;
    result.multiplier[h] =
        _mm512_maskz_loadu_epi64(half, r->multiplier + first);
    result.rounding[h] = _mm512_maskz_loadu_epi64(half, r->rounding + first);
    result.shift[h] = _mm512_maskz_loadu_epi64(half, r->shift + first);
  }
  return result;
}

/* Eight sums (sign-extended to 64 bits) requantized to the low 8 bytes;
 * the 64-bit multiply is why this path needs AVX-512 DQ. */
static inline __attribute__((always_inline)) VNNI_TARGET __m128i
vnniRequantize8(__m512i sums, __m512i multiplier, __m512i rounding,
                __m512i shift, const Requantization *r) {
  __m512i scaled =
      _mm512_add_epi64(_mm512_mullo_epi64(sums, multiplier), rounding);
  __m512i value = _mm512_add_epi64(_mm512_srav_epi64(scaled, shift),
                                   _mm512_set1_epi64(r->zeroPoint));
  value = _mm512_max_epi64(value, _mm512_set1_epi64(r->lo));
  value = _mm512_min_epi64(value, _mm512_set1_epi64(r->hi));
  return _mm512_cvtepi64_epi8(value);
}

/* One row's 16 sums requantized and stored (masked) at `out`. */
static inline __attribute__((always_inline)) VNNI_TARGET void
vnniRequantizeRow(__m512i sums, const VnniRequantizeLanes *lanes,
                  const Requantization *r, int8_t *out) {
  sums = _mm512_add_epi32(sums, lanes->offset);
  __m128i low = vnniRequantize8(
      _mm512_cvtepi32_epi64(_mm512_castsi512_si256(sums)), lanes->multiplier[0],
      lanes->rounding[0], lanes->shift[0], r);
  __m128i high = vnniRequantize8(
      _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(sums, 1)),
      lanes->multiplier[1], lanes->rounding[1], lanes->shift[1], r);
  _mm_mask_storeu_epi8(out, lanes->mask,
                       _mm_xor_si128(_mm_unpacklo_epi64(low, high),
                                     _mm_set1_epi8((char)r->flip)));
}

/* acc = the tile's sums, without corrections. */
static inline __attribute__((always_inline)) VNNI_TARGET void
vnniSums(int rows, const TileTask *task, __m512i acc[][2]) {
  for (int i = 0; i < rows; ++i)
    acc[i][0] = acc[i][1] = _mm512_setzero_si512();
  const int8_t *b = task->b;
  const uint32_t *a = task->a;
  for (int64_t g = 0; g < task->groups; ++g) {
    __m512i b0 = _mm512_loadu_si512(b);
    __m512i b1 = _mm512_loadu_si512(b + 64);
    for (int i = 0; i < rows; ++i) {
      __m512i quad = _mm512_set1_epi32((int)a[i]);
      acc[i][0] = _mm512_dpbusd_epi32(acc[i][0], quad, b0);
      acc[i][1] = _mm512_dpbusd_epi32(acc[i][1], quad, b1);
    }
    b += GroupDepth * PanelColumns;
    a += VnniTileRows;
  }
}

/* Stores `acc` as int32 sums through a tile in memory. */
static inline __attribute__((always_inline)) VNNI_TARGET void
vnniFinishThroughMemory(__m512i acc[][2], int rows, const TileTask *task) {
  int32_t tile[VnniTileRows][PanelColumns];
  for (int i = 0; i < rows; ++i) {
    _mm512_storeu_si512(&tile[i][0], acc[i][0]);
    _mm512_storeu_si512(&tile[i][VnniWidth], acc[i][1]);
  }
  finishTile(&tile[0][0], PanelColumns, task, rows);
}

/* The sums plus corrections requantized into Out. They pass through a
 * tile in L1 first: a requantizing loop over rows indexing `acc` directly
 * is too big to unroll, and would keep the accumulators in memory during
 * the whole product. Rows of a row-major Out are stored directly; any
 * other layout (a convolution's channels-first output: rows contiguous)
 * gets the bytes through a second tile. */
static inline __attribute__((always_inline)) VNNI_TARGET void
vnniRequantizingTile(int rows, const TileTask *task) {
  __m512i acc[VnniTileRows][2];
  vnniSums(rows, task, acc);
  int32_t sums[VnniTileRows][PanelColumns];
  for (int i = 0; i < rows; ++i) {
    _mm512_storeu_si512(&sums[i][0], acc[i][0]);
    _mm512_storeu_si512(&sums[i][VnniWidth], acc[i][1]);
  }
  const Requantization *r = task->requantization;
  ByteOutput out = task->out;
  bool rowMajor = out.colStride == 1;
  int8_t bytes[VnniTileRows][PanelColumns];
  for (int v = 0; v * VnniWidth < task->cols; ++v) {
    VnniRequantizeLanes lanes = vnniRequantizeLanes(task, v);
    for (int i = 0; i < rows; ++i)
      vnniRequantizeRow(_mm512_loadu_si512(&sums[i][v * VnniWidth]), &lanes, r,
                        rowMajor ? out.data + i * out.rowStride + v * VnniWidth
                                 : &bytes[i][v * VnniWidth]);
  }
  if (rowMajor)
    return;
  for (int j = 0; j < task->cols; ++j)
    for (int i = 0; i < rows; ++i)
      out.data[i * out.rowStride + j * out.colStride] = bytes[i][j];
}

static inline __attribute__((always_inline)) VNNI_TARGET void
vnniTile(int rows, const TileTask *task) {
  __m512i acc[VnniTileRows][2];
  vnniSums(rows, task, acc);
  WordView c = task->c;
  if (c.colStride != 1) {
    vnniFinishThroughMemory(acc, rows, task);
    return;
  }
  for (int v = 0; v < 2; ++v) {
    int lanes = task->cols - v * VnniWidth;
    if (lanes <= 0)
      break;
    __mmask16 mask = lanes >= VnniWidth ? 0xFFFF : (1u << lanes) - 1;
    /* Masked: a prepacked B's correction ends with its last column. */
    __m512i correction =
        task->correction
            ? _mm512_maskz_loadu_epi32(mask, task->correction + v * VnniWidth)
            : _mm512_setzero_si512();
    for (int i = 0; i < rows; ++i) {
      int32_t *out = c.data + i * c.rowStride + v * VnniWidth;
      __m512i sum = _mm512_add_epi32(acc[i][v], correction);
      _mm512_mask_storeu_epi32(
          out, mask,
          _mm512_add_epi32(_mm512_maskz_loadu_epi32(mask, out), sum));
    }
  }
}

#define VNNI_TILE(rows)                                                        \
  static VNNI_TARGET void vnniTile##rows(const TileTask *task) {               \
    vnniTile(rows, task);                                                      \
  }                                                                            \
  static VNNI_TARGET void vnniRequantizingTile##rows(const TileTask *task) {   \
    vnniRequantizingTile(rows, task);                                          \
  }
IGEMM_ROWS_1_TO_14(VNNI_TILE)
#undef VNNI_TILE

#define VNNI_TILE_ENTRY(rows) vnniTile##rows,
static TileKernel *const vnniTiles[VnniTileRows] = {
    IGEMM_ROWS_1_TO_14(VNNI_TILE_ENTRY)};
#undef VNNI_TILE_ENTRY

#define VNNI_REQUANTIZING_TILE_ENTRY(rows) vnniRequantizingTile##rows,
static TileKernel *const vnniRequantizingTiles[VnniTileRows] = {
    IGEMM_ROWS_1_TO_14(VNNI_REQUANTIZING_TILE_ENTRY)};
#undef VNNI_REQUANTIZING_TILE_ENTRY

static void vnniKernel(const TileTask *task) {
  vnniTiles[task->rows - 1](task);
}

static void vnniRequantizingKernel(const TileTask *task) {
  vnniRequantizingTiles[task->rows - 1](task);
}

const KernelConfig quillIgemmVnniConfig = {VnniTileRows, vnniKernel,
                                        vnniRequantizingKernel};

#endif /* QUILL_IGEMM_X86 */
