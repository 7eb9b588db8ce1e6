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

#include "quill/Runtime/IgemmLayout.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define QUILL_IGEMM_X86 1
#endif

enum {
  DepthBlock = 1024,
  ColumnBlock = 512,
  PanelColumns = QuillIgemmPanelColumns,
  GroupDepth = QuillIgemmGroupDepth,
};

/* Below about this many multiply-adds packing costs more than it saves. */
enum { MinPackedWork = 4096 };

/* The tallest register tile (VNNI's): a packed tile of A, at most
 * DepthBlock / GroupDepth x MaxTileRows words, lives on the stack. */
enum { MaxTileRows = QuillIgemmMaxTileRows };

typedef struct {
  const int8_t *data;
  int64_t rowStride;
  int64_t colStride;
} ByteView;

typedef struct {
  int32_t *data;
  int64_t rowStride;
  int64_t colStride;
} WordView;

typedef struct {
  int8_t *data;
  int64_t rowStride;
  int64_t colStride;
} ByteOutput;

/* quill_igemm_s8_packed_requantize's epilogue (Igemm.h); the vectors are
 * indexed by column of the whole product. */
typedef struct {
  const int32_t *offset;
  const int64_t *multiplier;
  const int64_t *rounding;
  const int64_t *shift;
  int64_t zeroPoint;
  int64_t lo;
  int64_t hi;
  uint8_t flip;
} Requantization;

static int8_t byteAt(ByteView view, int64_t row, int64_t col) {
  return view.data[row * view.rowStride + col * view.colStride];
}

/* One register tile: C[0:rows, 0:cols] += A B + correction, A packed as
 * `groups` x tileRows words of 4 bytes a + 128, B as one panel of `groups`
 * groups. No correction (NULL) for all but the first block of depth.
 * With a requantization the tile spans the whole depth, and its sums plus
 * the correction are requantized into `out` instead (`c` is unused);
 * `column` is the tile's first column in the whole product. */
typedef struct {
  int64_t groups;
  const uint32_t *a;
  const int8_t *b;
  const int32_t *correction;
  WordView c;
  int rows;
  int cols;
  const Requantization *requantization;
  int64_t column;
  ByteOutput out;
} TileTask;

typedef void TileKernel(const TileTask *task);

/* A code path: its tile height and kernels, one for tasks with a
 * requantization (a separate copy where sharing one would cost registers
 * in the inner loop). */
typedef struct {
  int tileRows;
  TileKernel *kernel;
  TileKernel *requantizingKernel;
} KernelConfig;

/* C += tile (row-major, `tileStride` words per row) + correction. */
static inline void accumulateTile(const int32_t *tile, int tileStride,
                                  const int32_t *correction, WordView c,
                                  int rows, int cols) {
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j)
      c.data[i * c.rowStride + j * c.colStride] +=
          tile[i * tileStride + j] + (correction ? correction[j] : 0);
}

static int64_t shiftRightArithmetic(int64_t value, int64_t shift) {
  /* vpsravq's rule for every count: past 63 only the sign remains. */
  if ((uint64_t)shift > 63)
    return value < 0 ? -1 : 0;
  return value >> shift;
}

/* One sum of column `column` requantized (Igemm.h), wrapping as the
 * compiler's integer arithmetic does. */
static int8_t requantizeSum(const Requantization *r, int64_t column,
                            int32_t sum) {
  int32_t shifted = (int32_t)((uint32_t)sum + (uint32_t)r->offset[column]);
  int64_t scaled =
      (int64_t)((uint64_t)(int64_t)shifted * (uint64_t)r->multiplier[column] +
                (uint64_t)r->rounding[column]);
  int64_t value =
      (int64_t)((uint64_t)shiftRightArithmetic(scaled, r->shift[column]) +
                (uint64_t)r->zeroPoint);
  value = value < r->lo ? r->lo : value;
  value = value > r->hi ? r->hi : value;
  return (int8_t)((uint8_t)value ^ r->flip);
}

/* The end of a tile whose sums are in memory (row-major, `tileStride`
 * words per row): into C, or requantized into Out. */
static inline void finishTile(const int32_t *tile, int tileStride,
                              const TileTask *task, int rows) {
  const Requantization *r = task->requantization;
  if (!r) {
    accumulateTile(tile, tileStride, task->correction, task->c, rows,
                   task->cols);
    return;
  }
  ByteOutput out = task->out;
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < task->cols; ++j)
      out.data[i * out.rowStride + j * out.colStride] =
          requantizeSum(r, task->column + j,
                        (int32_t)((uint32_t)tile[i * tileStride + j] +
                                  (uint32_t)task->correction[j]));
}

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
 * Portable C
 *===----------------------------------------------------------------------===*/

enum { PortableTileRows = 4 };

static void portableKernel(const TileTask *task) {
  int32_t acc[PortableTileRows][PanelColumns] = {{0}};
  const int8_t *b = task->b;
  for (int64_t g = 0; g < task->groups; ++g) {
    for (int i = 0; i < task->rows; ++i) {
      uint32_t word = task->a[g * PortableTileRows + i];
      for (int j = 0; j < PanelColumns; ++j)
        for (int t = 0; t < GroupDepth; ++t)
          acc[i][j] +=
              (int32_t)((word >> (8 * t)) & 0xFF) * b[j * GroupDepth + t];
    }
    b += GroupDepth * PanelColumns;
  }
  finishTile(&acc[0][0], PanelColumns, task, task->rows);
}

static const KernelConfig portableConfig = {PortableTileRows, portableKernel,
                                            portableKernel};

#ifdef QUILL_IGEMM_X86

#define IGEMM_ROWS_1_TO_3(X) X(1) X(2) X(3)
#define IGEMM_ROWS_1_TO_14(X)                                                  \
  IGEMM_ROWS_1_TO_3(X)                                                         \
  X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14)

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

static const KernelConfig avx2Config = {Avx2TileRows, avx2Kernel, avx2Kernel};

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

static const KernelConfig vnniConfig = {VnniTileRows, vnniKernel,
                                        vnniRequantizingKernel};

#endif /* QUILL_IGEMM_X86 */

/*===----------------------------------------------------------------------===*
 * The blocked product
 *===----------------------------------------------------------------------===*/

/* Per thread: one buffer for packed B and its corrections, grown as needed
 * and kept for the next call. */
static _Thread_local void *packBuffer;
static _Thread_local size_t packBufferBytes;

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
    return &portableConfig;
#ifdef QUILL_IGEMM_X86
  case QUILL_IGEMM_ISA_AVX2:
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") ? &avx2Config : NULL;
  case QUILL_IGEMM_ISA_AVX512_VNNI:
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") &&
                   __builtin_cpu_supports("avx512bw") &&
                   __builtin_cpu_supports("avx512dq") &&
                   __builtin_cpu_supports("avx512vl") &&
                   __builtin_cpu_supports("avx512vnni")
               ? &vnniConfig
               : NULL;
#endif
  case QUILL_IGEMM_ISA_AUTO: {
    const KernelConfig *best = configFor(QUILL_IGEMM_ISA_AVX512_VNNI);
    if (!best)
      best = configFor(QUILL_IGEMM_ISA_AVX2);
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
