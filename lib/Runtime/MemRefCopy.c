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

static int isContiguous(int64_t rank, const int64_t *sizes,
                        const int64_t *strides) {
  int64_t expected = 1;
  for (int64_t d = rank - 1; d >= 0; --d) {
    /* A unit dimension's stride is never used to address an element. */
    if (sizes[d] != 1 && strides[d] != expected)
      return 0;
    expected *= sizes[d];
  }
  return 1;
}

static void copyStrided(int64_t elemSize, int64_t rank, const int64_t *sizes,
                        const int64_t *srcStrides, const int64_t *dstStrides,
                        const char *src, char *dst) {
  if (rank == 1) {
    for (int64_t i = 0; i < sizes[0]; ++i)
      memcpy(dst + i * dstStrides[0] * elemSize,
             src + i * srcStrides[0] * elemSize, elemSize);
    return;
  }
  for (int64_t i = 0; i < sizes[0]; ++i)
    copyStrided(elemSize, rank - 1, sizes + 1, srcStrides + 1, dstStrides + 1,
                src + i * srcStrides[0] * elemSize,
                dst + i * dstStrides[0] * elemSize);
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
  if (isContiguous(rank, sizes, srcStrides) &&
      isContiguous(rank, sizes, dstStrides)) {
    memcpy(dstData, srcData, numElements * elemSize);
    return;
  }
  copyStrided(elemSize, rank, sizes, srcStrides, dstStrides, srcData, dstData);
}
