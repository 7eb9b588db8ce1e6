/*===- MemRefCopy.c - The memref.copy helper of MLIR's lowering ----------===*\
|*                                                                            *|
|* MLIR lowers memref.copy between non-identity layouts to a call of          *|
|* `memrefCopy`, which upstream lives in libmlir_c_runner_utils. Compiled     *|
|* models must not depend on that library, so the runtime provides the       *|
|* function with the same signature and descriptor layout.                   *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include <stdint.h>
#include <string.h>

typedef struct UnrankedMemRef {
  int64_t rank;
  void *descriptor;
} UnrankedMemRef;

/* The head of a ranked descriptor; `sizes[rank]` and `strides[rank]` follow
 * in `rest`. Offsets and strides count elements. */
typedef struct RankedMemRef {
  void *allocated;
  char *aligned;
  int64_t offset;
  int64_t rest[];
} RankedMemRef;

/* The number of leading dimensions left once the innermost ones that are
 * contiguous in both layouts are merged into blocks of `*blockElements`:
 * the rows of a padded buffer's interior are one memcpy each. */
static int64_t mergeContiguousSuffix(int64_t rank, const int64_t *sizes,
                                     const int64_t *srcStrides,
                                     const int64_t *dstStrides,
                                     int64_t *blockElements) {
  int64_t expected = 1, d = rank - 1;
  /* A unit dimension's stride is never used to address an element. */
  for (; d >= 0; --d) {
    if (sizes[d] != 1 &&
        (srcStrides[d] != expected || dstStrides[d] != expected))
      break;
    expected *= sizes[d];
  }
  *blockElements = expected;
  return d + 1;
}

/* One element, moved with its own width (a memcpy call per element costs
 * more than the copy). */
static void copyElement(int64_t elemSize, const char *src, char *dst) {
  switch (elemSize) {
  case 1:
    *dst = *src;
    return;
  case 2:
    memcpy(dst, src, 2);
    return;
  case 4:
    memcpy(dst, src, 4);
    return;
  case 8:
    memcpy(dst, src, 8);
    return;
  default:
    memcpy(dst, src, (size_t)elemSize);
  }
}

/* Copies the `rank` outer dimensions, each position a block of
 * `blockBytes` contiguous in both layouts. */
static void copyStrided(int64_t elemSize, int64_t rank, const int64_t *sizes,
                        const int64_t *srcStrides, const int64_t *dstStrides,
                        const char *src, char *dst, int64_t blockBytes) {
  if (rank == 0) {
    if (blockBytes == elemSize)
      copyElement(elemSize, src, dst);
    else
      memcpy(dst, src, (size_t)blockBytes);
    return;
  }
  for (int64_t i = 0; i < sizes[0]; ++i)
    copyStrided(elemSize, rank - 1, sizes + 1, srcStrides + 1, dstStrides + 1,
                src + i * srcStrides[0] * elemSize,
                dst + i * dstStrides[0] * elemSize, blockBytes);
}

__attribute__((visibility("hidden"))) void
memrefCopy(int64_t elemSize, UnrankedMemRef *srcArg, UnrankedMemRef *dstArg) {
  const RankedMemRef *src = srcArg->descriptor;
  const RankedMemRef *dst = dstArg->descriptor;
  int64_t rank = srcArg->rank;
  const int64_t *sizes = src->rest;
  const int64_t *srcStrides = src->rest + rank;
  const int64_t *dstStrides = dst->rest + rank;
  const char *srcData = src->aligned + src->offset * elemSize;
  char *dstData = dst->aligned + dst->offset * elemSize;

  int64_t numElements = 1;
  for (int64_t d = 0; d < rank; ++d)
    numElements *= sizes[d];
  if (numElements == 0)
    return;
  int64_t blockElements;
  int64_t outerRank = mergeContiguousSuffix(rank, sizes, srcStrides, dstStrides,
                                            &blockElements);
  copyStrided(elemSize, outerRank, sizes, srcStrides, dstStrides, srcData,
              dstData, blockElements * elemSize);
}
