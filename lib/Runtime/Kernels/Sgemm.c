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
#include "SgemmKernels.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>

/* Blocking: a block of B, at most MaxDepthBlock x (PackedBFloats /
 * MaxDepthBlock), stays in half of L2 while rows of tiles sweep it. */
enum { MaxDepthBlock = 256, PackedBFloats = 128 * 1024 };

/* Below about this many multiply-adds (11^3) packing costs more than it
 * saves. */
enum { MinPackedWork = 1024 };

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

/* Packs a depth x cols block of B column by column, for a dot kernel. */
static void packDotColumns(MatrixView b, int64_t depth, int cols,
                           float *packed) {
  for (int j = 0; j < cols; ++j)
    for (int64_t k = 0; k < depth; ++k)
      packed[j * depth + k] = b.data[k * b.rowStride + j * b.colStride];
}

/*===----------------------------------------------------------------------===*
 * Driver
 *===----------------------------------------------------------------------===*/

/* Reused across calls: allocating per call costs page faults on every call
 * once the buffer is big enough for malloc to map it afresh. */
static _Thread_local void *packBuffer;
static _Thread_local size_t packBufferBytes;

/* A model unloaded in-process (calibration and reports load models into the
 * compiler) frees the unloading thread's buffer. */
__attribute__((destructor)) static void releasePackBuffer(void) {
  free(packBuffer);
  packBuffer = NULL;
  packBufferBytes = 0;
}

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
    return &quillSgemmPortableConfig;
#ifdef QUILL_SGEMM_X86
  case QUILL_SGEMM_ISA_AVX2:
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")
               ? &quillSgemmAvx2Config
               : NULL;
  case QUILL_SGEMM_ISA_AVX512:
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") &&
                   __builtin_cpu_supports("avx512vl") &&
                   __builtin_cpu_supports("avx512bw") &&
                   __builtin_cpu_supports("avx512dq") &&
                   __builtin_cpu_supports("fma")
               ? &quillSgemmAvx512Config
               : NULL;
#endif
  case QUILL_SGEMM_ISA_AUTO: {
    const KernelConfig *best = configFor(QUILL_SGEMM_ISA_AVX512);
    if (!best)
      best = configFor(QUILL_SGEMM_ISA_AVX2);
    return best ? best : &quillSgemmPortableConfig;
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
