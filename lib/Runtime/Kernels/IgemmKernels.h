/*===- IgemmKernels.h - The int8 GEMM's tile kernels, per ISA ----*- C -*-===*\
|*                                                                            *|
|* Internal to the runtime: what Igemm.c's blocking and each instruction     *|
|* set's tile kernels (IgemmPortable.c, IgemmAvx2.c, IgemmVnni.c) share:      *|
|* matrix views, the requantization, the tile task, finishing a tile, and     *|
|* each ISA's KernelConfig.                                                   *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef QUILL_RUNTIME_KERNELS_IGEMMKERNELS_H
#define QUILL_RUNTIME_KERNELS_IGEMMKERNELS_H

#include "Igemm.h"

#include "quill/Runtime/IgemmLayout.h"

#include <stdbool.h>
#include <stdint.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define QUILL_IGEMM_X86 1
#endif

enum {
  PanelColumns = QuillIgemmPanelColumns,
  GroupDepth = QuillIgemmGroupDepth,
};

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

static inline int8_t byteAt(ByteView view, int64_t row, int64_t col) {
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

static inline int64_t shiftRightArithmetic(int64_t value, int64_t shift) {
  /* vpsravq's rule for every count: past 63 only the sign remains. */
  if ((uint64_t)shift > 63)
    return value < 0 ? -1 : 0;
  return value >> shift;
}

/* One sum of column `column` requantized (Igemm.h), wrapping as the
 * compiler's integer arithmetic does. */
static inline int8_t requantizeSum(const Requantization *r, int64_t column,
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

#ifdef QUILL_IGEMM_X86
#define IGEMM_ROWS_1_TO_3(X) X(1) X(2) X(3)
#define IGEMM_ROWS_1_TO_14(X)                                                  \
  IGEMM_ROWS_1_TO_3(X)                                                         \
  X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14)
#endif

/* Each instruction set's kernels; the x86 ones are compiled for their ISA
 * with target attributes and chosen at run time (Igemm.c, configFor). */
extern const KernelConfig quillIgemmPortableConfig;
#ifdef QUILL_IGEMM_X86
extern const KernelConfig quillIgemmAvx2Config;
extern const KernelConfig quillIgemmVnniConfig;
#endif

#endif /* QUILL_RUNTIME_KERNELS_IGEMMKERNELS_H */
