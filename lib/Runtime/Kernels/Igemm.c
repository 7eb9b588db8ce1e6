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
 * corrected by -128 * sum_k b[k][j], computed while B is packed:
 *   sum_k (a + 128) b = sum_k a b + 128 sum_k b.
 * Without VNNI (AVX2), operands are packed as int16 pairs for vpmaddwd,
 * which is exact (vpmaddubsw would saturate).
 *
 * The schedule: for each block of columns (<= 512) and of depth (<= 1024),
 * B is packed into panels of one register tile's width, each group of 4
 * (VNNI) or 2 (AVX2) consecutive k of a column contiguous; then each tile
 * of rows of A is packed the same way and multiplied with every panel. A
 * tile of A (14 rows x 1024 bytes) stays in L1, the block of B in L2.
 *
 * Register tiles: VNNI 14 x 32 (28 zmm accumulators), AVX2 6 x 16, portable
 * C 4 x 16. Every tile height has its own unrolled copy. */

#include "Igemm.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define QUILL_IGEMM_X86 1
#endif

enum { DepthBlock = 1024, ColumnBlock = 512 };

/* Below about this many multiply-adds packing costs more than it saves. */
enum { MinPackedWork = 4096 };

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

static int8_t byteAt(ByteView view, int64_t row, int64_t col) {
  return view.data[row * view.rowStride + col * view.colStride];
}

/* One register tile: C[0:rows, 0:cols] += A B + correction, A packed as
 * `groups` x tileRows words, B as one panel. */
typedef struct {
  int64_t groups;
  const uint32_t *a;
  const void *b;
  const int32_t *correction;
  WordView c;
  int rows;
  int cols;
} TileTask;

typedef void TileKernel(const TileTask *task);

/* Packs depth x width of B (width <= tileCols) as one panel and writes each
 * column's correction (zero-padded to tileCols). */
typedef void PackBPanel(ByteView b, int64_t depth, int width, void *panel,
                        int32_t *correction);

/* Packs rows x depth of A as `groups` x tileRows words. */
typedef void PackATile(ByteView a, int rows, int64_t depth, uint32_t *packed);

typedef struct {
  int tileRows;
  int tileCols;
  /* Consecutive k per packed word: 4 bytes (VNNI) or 2 int16 (AVX2). */
  int depthGroup;
  /* Bytes of one packed B element. */
  int bElementBytes;
  TileKernel *kernel;
  PackBPanel *packBPanel;
  PackATile *packATile;
} KernelConfig;

/* C += tile (row-major, `tileStride` words per row) + correction. */
static inline void accumulateTile(const int32_t *tile, int tileStride,
                                  const int32_t *correction, WordView c,
                                  int rows, int cols) {
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j)
      c.data[i * c.rowStride + j * c.colStride] +=
          tile[i * tileStride + j] + correction[j];
}

/*===----------------------------------------------------------------------===*
 * int16-pair packing (AVX2 and portable C)
 *===----------------------------------------------------------------------===*/

static inline __attribute__((always_inline)) void
packPairsBPanel(ByteView b, int64_t depth, int width, int panelWidth,
                int16_t *panel, int32_t *correction) {
  int64_t groups = ceilDiv(depth, 2);
  for (int64_t g = 0; g < groups; ++g)
    for (int j = 0; j < panelWidth; ++j)
      for (int t = 0; t < 2; ++t) {
        int64_t k = 2 * g + t;
        panel[(g * panelWidth + j) * 2 + t] =
            (j < width && k < depth) ? byteAt(b, k, j) : 0;
      }
  memset(correction, 0, panelWidth * sizeof(int32_t));
}

static inline __attribute__((always_inline)) void
packPairsATile(ByteView a, int rows, int64_t depth, int tileRows,
               uint32_t *packed) {
  int64_t groups = ceilDiv(depth, 2);
  for (int64_t g = 0; g < groups; ++g)
    for (int i = 0; i < rows; ++i) {
      int64_t k = 2 * g;
      uint16_t low = (uint16_t)(int16_t)byteAt(a, i, k);
      uint16_t high =
          k + 1 < depth ? (uint16_t)(int16_t)byteAt(a, i, k + 1) : 0;
      packed[g * tileRows + i] = low | ((uint32_t)high << 16);
    }
}

enum { PortableTileRows = 4, PortableTileCols = 16 };

static void portableKernel(const TileTask *task) {
  int32_t acc[PortableTileRows][PortableTileCols] = {{0}};
  const int16_t *b = task->b;
  for (int64_t g = 0; g < task->groups; ++g)
    for (int i = 0; i < task->rows; ++i) {
      uint32_t word = task->a[g * PortableTileRows + i];
      int32_t a0 = (int16_t)(word & 0xFFFF), a1 = (int16_t)(word >> 16);
      for (int j = 0; j < PortableTileCols; ++j)
        acc[i][j] += a0 * b[(g * PortableTileCols + j) * 2] +
                     a1 * b[(g * PortableTileCols + j) * 2 + 1];
    }
  accumulateTile(&acc[0][0], PortableTileCols, task->correction, task->c,
                 task->rows, task->cols);
}

static void portablePackBPanel(ByteView b, int64_t depth, int width,
                               void *panel, int32_t *correction) {
  packPairsBPanel(b, depth, width, PortableTileCols, panel, correction);
}

static void portablePackATile(ByteView a, int rows, int64_t depth,
                              uint32_t *packed) {
  packPairsATile(a, rows, depth, PortableTileRows, packed);
}

static const KernelConfig portableConfig = {
    .tileRows = PortableTileRows,
    .tileCols = PortableTileCols,
    .depthGroup = 2,
    .bElementBytes = 2,
    .kernel = portableKernel,
    .packBPanel = portablePackBPanel,
    .packATile = portablePackATile,
};

#ifdef QUILL_IGEMM_X86

#define IGEMM_ROWS_1_TO_6(X) X(1) X(2) X(3) X(4) X(5) X(6)
#define IGEMM_ROWS_1_TO_14(X)                                                  \
  IGEMM_ROWS_1_TO_6(X) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14)

/*===----------------------------------------------------------------------===*
 * AVX2: vpmaddwd on int16 pairs
 *===----------------------------------------------------------------------===*/

#define AVX2_TARGET __attribute__((target("avx2")))

enum { Avx2TileRows = 6, Avx2TileCols = 16 };

static inline __attribute__((always_inline)) AVX2_TARGET void
avx2Tile(int rows, const TileTask *task) {
  __m256i acc[Avx2TileRows][2];
  for (int i = 0; i < rows; ++i)
    acc[i][0] = acc[i][1] = _mm256_setzero_si256();
  const int16_t *b = task->b;
  const uint32_t *a = task->a;
  for (int64_t g = 0; g < task->groups; ++g) {
    __m256i b0 = _mm256_loadu_si256((const __m256i *)b);
    __m256i b1 = _mm256_loadu_si256((const __m256i *)(b + 16));
    for (int i = 0; i < rows; ++i) {
      __m256i pair = _mm256_set1_epi32((int)a[i]);
      acc[i][0] = _mm256_add_epi32(acc[i][0], _mm256_madd_epi16(pair, b0));
      acc[i][1] = _mm256_add_epi32(acc[i][1], _mm256_madd_epi16(pair, b1));
    }
    b += 2 * Avx2TileCols;
    a += Avx2TileRows;
  }
  int32_t tile[Avx2TileRows][Avx2TileCols];
  for (int i = 0; i < rows; ++i) {
    _mm256_storeu_si256((__m256i *)&tile[i][0], acc[i][0]);
    _mm256_storeu_si256((__m256i *)&tile[i][8], acc[i][1]);
  }
  accumulateTile(&tile[0][0], Avx2TileCols, task->correction, task->c, rows,
                 task->cols);
}

#define AVX2_TILE(rows)                                                        \
  static AVX2_TARGET void avx2Tile##rows(const TileTask *task) {               \
    avx2Tile(rows, task);                                                      \
  }
IGEMM_ROWS_1_TO_6(AVX2_TILE)
#undef AVX2_TILE

#define AVX2_TILE_ENTRY(rows) avx2Tile##rows,
static TileKernel *const avx2Tiles[Avx2TileRows] = {
    IGEMM_ROWS_1_TO_6(AVX2_TILE_ENTRY)};
#undef AVX2_TILE_ENTRY

static void avx2Kernel(const TileTask *task) {
  avx2Tiles[task->rows - 1](task);
}

static void avx2PackBPanel(ByteView b, int64_t depth, int width, void *panel,
                           int32_t *correction) {
  packPairsBPanel(b, depth, width, Avx2TileCols, panel, correction);
}

static void avx2PackATile(ByteView a, int rows, int64_t depth,
                          uint32_t *packed) {
  packPairsATile(a, rows, depth, Avx2TileRows, packed);
}

static const KernelConfig avx2Config = {
    .tileRows = Avx2TileRows,
    .tileCols = Avx2TileCols,
    .depthGroup = 2,
    .bElementBytes = 2,
    .kernel = avx2Kernel,
    .packBPanel = avx2PackBPanel,
    .packATile = avx2PackATile,
};

/*===----------------------------------------------------------------------===*
 * AVX-512 VNNI: vpdpbusd on (a + 128) bytes and signed bytes of B
 *===----------------------------------------------------------------------===*/

#define VNNI_TARGET                                                            \
  __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))

enum { VnniTileRows = 14, VnniTileCols = 32, VnniWidth = 16 };

static inline __attribute__((always_inline)) VNNI_TARGET void
vnniTile(int rows, const TileTask *task) {
  __m512i acc[VnniTileRows][2];
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
    b += 4 * VnniTileCols;
    a += VnniTileRows;
  }
  WordView c = task->c;
  if (c.colStride != 1) {
    int32_t tile[VnniTileRows][VnniTileCols];
    for (int i = 0; i < rows; ++i) {
      _mm512_storeu_si512(&tile[i][0], acc[i][0]);
      _mm512_storeu_si512(&tile[i][VnniWidth], acc[i][1]);
    }
    accumulateTile(&tile[0][0], VnniTileCols, task->correction, c, rows,
                   task->cols);
    return;
  }
  for (int v = 0; v < 2; ++v) {
    int lanes = task->cols - v * VnniWidth;
    if (lanes <= 0)
      break;
    __mmask16 mask = lanes >= VnniWidth ? 0xFFFF : (1u << lanes) - 1;
    __m512i correction = _mm512_loadu_si512(task->correction + v * VnniWidth);
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
  }
IGEMM_ROWS_1_TO_14(VNNI_TILE)
#undef VNNI_TILE

#define VNNI_TILE_ENTRY(rows) vnniTile##rows,
static TileKernel *const vnniTiles[VnniTileRows] = {
    IGEMM_ROWS_1_TO_14(VNNI_TILE_ENTRY)};
#undef VNNI_TILE_ENTRY

static void vnniKernel(const TileTask *task) {
  vnniTiles[task->rows - 1](task);
}

static void vnniPackBPanel(ByteView b, int64_t depth, int width, void *panel,
                           int32_t *correction) {
  int8_t *out = panel;
  int64_t groups = ceilDiv(depth, 4);
  int32_t sums[VnniTileCols] = {0};
  if (b.colStride == 1 && width == VnniTileCols) {
    /* Whole rows of B: sequential reads, one byte lane of each word. */
    for (int64_t k = 0; k < groups * 4; ++k) {
      int8_t *lane = out + (k / 4) * 4 * VnniTileCols + k % 4;
      if (k >= depth) {
        for (int j = 0; j < VnniTileCols; ++j)
          lane[4 * j] = 0;
        continue;
      }
      const int8_t *row = b.data + k * b.rowStride;
      for (int j = 0; j < VnniTileCols; ++j) {
        lane[4 * j] = row[j];
        sums[j] += row[j];
      }
    }
  } else {
    for (int64_t g = 0; g < groups; ++g)
      for (int j = 0; j < VnniTileCols; ++j)
        for (int t = 0; t < 4; ++t) {
          int64_t k = 4 * g + t;
          int8_t value = (j < width && k < depth) ? byteAt(b, k, j) : 0;
          out[(g * VnniTileCols + j) * 4 + t] = value;
          sums[j] += value;
        }
  }
  for (int j = 0; j < VnniTileCols; ++j)
    correction[j] = -128 * sums[j];
}

static void vnniPackATile(ByteView a, int rows, int64_t depth,
                          uint32_t *packed) {
  int64_t groups = ceilDiv(depth, 4);
  /* Whole groups of a row-major A: one 4-byte load and xor per word. */
  int64_t wholeGroups = a.colStride == 1 ? depth / 4 : 0;
  for (int i = 0; i < rows; ++i) {
    const int8_t *row = a.data + i * a.rowStride;
    for (int64_t g = 0; g < wholeGroups; ++g) {
      uint32_t word;
      memcpy(&word, row + 4 * g, sizeof(word));
      packed[g * VnniTileRows + i] = word ^ 0x80808080u;
    }
  }
  for (int64_t g = wholeGroups; g < groups; ++g)
    for (int i = 0; i < rows; ++i) {
      uint32_t word = 0;
      for (int t = 0; t < 4; ++t) {
        int64_t k = 4 * g + t;
        /* Padding past the depth meets zeros of B: any byte will do. */
        uint8_t biased = k < depth ? (uint8_t)(byteAt(a, i, k) ^ 0x80) : 0;
        word |= (uint32_t)biased << (8 * t);
      }
      packed[g * VnniTileRows + i] = word;
    }
}

static const KernelConfig vnniConfig = {
    .tileRows = VnniTileRows,
    .tileCols = VnniTileCols,
    .depthGroup = 4,
    .bElementBytes = 1,
    .kernel = vnniKernel,
    .packBPanel = vnniPackBPanel,
    .packATile = vnniPackATile,
};

#endif /* QUILL_IGEMM_X86 */

/*===----------------------------------------------------------------------===*
 * The blocked product
 *===----------------------------------------------------------------------===*/

/* Per thread: one buffer for packed B, its corrections and a tile of A,
 * grown as needed and kept for the next call. */
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

static void gemmPacked(const KernelConfig *config, int64_t m, int64_t n,
                       int64_t k, ByteView a, ByteView b, WordView c) {
  int tileRows = config->tileRows, tileCols = config->tileCols;
  int64_t maxGroups = ceilDiv(minInt64(k, DepthBlock), config->depthGroup);
  int64_t maxPanels = ceilDiv(minInt64(n, ColumnBlock), tileCols);
  size_t panelBytes =
      (size_t)maxGroups * tileCols * config->depthGroup * config->bElementBytes;
  size_t correctionBytes = (size_t)maxPanels * tileCols * sizeof(int32_t);
  size_t aBytes = (size_t)maxGroups * tileRows * sizeof(uint32_t);
  char *buffer =
      reserveAligned(&packBuffer, &packBufferBytes,
                     panelBytes * maxPanels + correctionBytes + aBytes);
  if (!buffer) {
    gemmUnpacked(m, n, k, a, b, c);
    return;
  }
  int32_t *corrections = (int32_t *)(buffer + panelBytes * maxPanels);
  uint32_t *packedA = (uint32_t *)((char *)corrections + correctionBytes);

  for (int64_t col0 = 0; col0 < n; col0 += ColumnBlock) {
    int64_t cols = minInt64(ColumnBlock, n - col0);
    int64_t panels = ceilDiv(cols, tileCols);
    for (int64_t depth0 = 0; depth0 < k; depth0 += DepthBlock) {
      int64_t depth = minInt64(DepthBlock, k - depth0);
      int64_t groups = ceilDiv(depth, config->depthGroup);
      size_t blockPanelBytes = (size_t)groups * tileCols * config->depthGroup *
                               config->bElementBytes;
      for (int64_t p = 0; p < panels; ++p) {
        ByteView panel = {b.data + depth0 * b.rowStride +
                              (col0 + p * tileCols) * b.colStride,
                          b.rowStride, b.colStride};
        config->packBPanel(
            panel, depth, (int)minInt64(tileCols, cols - p * tileCols),
            buffer + p * blockPanelBytes, corrections + p * tileCols);
      }
      for (int64_t row0 = 0; row0 < m; row0 += tileRows) {
        int rows = (int)minInt64(tileRows, m - row0);
        ByteView tile = {a.data + row0 * a.rowStride + depth0 * a.colStride,
                         a.rowStride, a.colStride};
        config->packATile(tile, rows, depth, packedA);
        for (int64_t p = 0; p < panels; ++p) {
          TileTask task = {
              .groups = groups,
              .a = packedA,
              .b = buffer + p * blockPanelBytes,
              .correction = corrections + p * tileCols,
              .c = {c.data + row0 * c.rowStride +
                        (col0 + p * tileCols) * c.colStride,
                    c.rowStride, c.colStride},
              .rows = rows,
              .cols = (int)minInt64(tileCols, cols - p * tileCols),
          };
          config->kernel(&task);
        }
      }
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
