/*===- SgemmKernels.h - The fp32 GEMM's tile kernels, per ISA -----*- C -*-===*\
|*                                                                            *|
|* Internal to the runtime: what Sgemm.c's blocking and each instruction     *|
|* set's tile kernels (SgemmPortable.c, SgemmAvx512.c, SgemmAvx2.c) share:    *|
|* matrix views, the tile task, and each ISA's KernelConfig.                  *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef QUILL_RUNTIME_KERNELS_SGEMMKERNELS_H
#define QUILL_RUNTIME_KERNELS_SGEMMKERNELS_H

#include "KernelSupport.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define QUILL_SGEMM_X86 1
#endif

/* A matrix as the packing routines and kernels see it: element (i, j) is
 * data[i * rowStride + j * colStride]. */
typedef struct {
  float *data;
  int64_t rowStride;
  int64_t colStride;
} MatrixView;

static inline MatrixView transposed(MatrixView view) {
  MatrixView result = {view.data, view.colStride, view.rowStride};
  return result;
}

static inline MatrixView offsetView(MatrixView view, int64_t row, int64_t col) {
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
#endif

/* Each instruction set's kernels; the x86 ones are compiled for their ISA
 * with target attributes and chosen at run time (Sgemm.c, configFor). */
extern const KernelConfig quillSgemmPortableConfig;
#ifdef QUILL_SGEMM_X86
extern const KernelConfig quillSgemmAvx512Config;
extern const KernelConfig quillSgemmAvx2Config;
#endif

#endif /* QUILL_RUNTIME_KERNELS_SGEMMKERNELS_H */
