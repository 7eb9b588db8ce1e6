/*===- KernelSupport.h - What the runtime's GEMM kernels share ----*- C -*-===*\
|*                                                                            *|
|* Internal to the runtime: the MLIR memref descriptor the kernels receive,   *|
|* integer helpers of their blocking arithmetic, their per-thread packing     *|
|* buffers, and reading the code path a test or user pins through the         *|
|* environment.                                                               *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef QUILL_RUNTIME_KERNELS_KERNELSUPPORT_H
#define QUILL_RUNTIME_KERNELS_KERNELSUPPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* MLIR's descriptor of a rank-2 memref of T: element (i, j) is
 * aligned[offset + i * strides[0] + j * strides[1]]. */
#define QUILL_STRIDED_MEMREF_2D(Name, T)                                       \
  typedef struct Name {                                                        \
    T *allocated;                                                              \
    T *aligned;                                                                \
    int64_t offset;                                                            \
    int64_t sizes[2];                                                          \
    int64_t strides[2];                                                        \
  } Name;

/* MLIR's descriptor of a rank-1 memref of T with unit stride. */
#define QUILL_STRIDED_MEMREF_1D(Name, T)                                       \
  typedef struct Name {                                                        \
    T *allocated;                                                              \
    T *aligned;                                                                \
    int64_t offset;                                                            \
    int64_t sizes[1];                                                          \
    int64_t strides[1];                                                        \
  } Name;

static inline int64_t roundUp(int64_t value, int64_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

static inline int64_t ceilDiv(int64_t value, int64_t divisor) {
  return (value + divisor - 1) / divisor;
}

static inline int64_t minInt64(int64_t a, int64_t b) { return a < b ? a : b; }
static inline int64_t maxInt64(int64_t a, int64_t b) { return a > b ? a : b; }

/* Grows *buffer (64-byte aligned, *capacity bytes) to hold `bytes`; the old
 * contents are not kept. Returns NULL, with capacity 0, when out of memory. */
static inline void *reserveAligned(void **buffer, size_t *capacity,
                                   size_t bytes) {
  if (bytes <= *capacity)
    return *buffer;
  free(*buffer);
  *buffer = aligned_alloc(64, (size_t)roundUp((int64_t)bytes, 64));
  *capacity = *buffer ? bytes : 0;
  return *buffer;
}

typedef struct {
  const char *name;
  int isa;
} IsaName;

/* The code path the environment variable `variable` names among `names`;
 * `automatic` when it is unset or names none of them. */
static inline int isaFromEnvironment(const char *variable, const IsaName *names,
                                     int count, int automatic) {
  const char *value = getenv(variable);
  for (int i = 0; value && i < count; ++i)
    if (!strcmp(value, names[i].name))
      return names[i].isa;
  return automatic;
}

#endif /* QUILL_RUNTIME_KERNELS_KERNELSUPPORT_H */
