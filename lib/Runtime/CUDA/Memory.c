/*===- Memory.c - GPU memory for a model's tensors and constants ---------===*\
|*                                                                            *|
|* cuMemAlloc is slow and cuMemFree synchronizes the device, while a model   *|
|* allocates the same sizes on every run: every block ever allocated stays   *|
|* in a pool and a freed one is handed out again for the same size (kernels  *|
|* run in order on one stream, so a block reused later in a run is written   *|
|* only after the earlier kernels are done with it). Constants are uploaded  *|
|* on first use and kept while the library is loaded. Both tables are        *|
|* searched from where the last search ended: runs repeat the same order.    *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "CudaRuntime.h"

#include <stdlib.h>

typedef struct Block {
  CUdeviceptr pointer;
  int64_t bytes;
  int inUse;
} Block;

typedef struct Constant {
  const void *host;
  CUdeviceptr device;
} Constant;

/* A growable array of `Element`s with a search hint. */
typedef struct Table {
  void *elements;
  size_t count, capacity, hint;
} Table;

static Table blocks, constants;

static QuillCudaDriver *driver(void) {
  return &quill_cuda_current_device()->driver;
}

/* The index of the first element from the hint on that `matches`, or -1. */
static long find(Table *table, size_t elementSize,
                 int (*matches)(const void *element, const void *key),
                 const void *key) {
  for (size_t i = 0; i < table->count; ++i) {
    size_t index = (table->hint + i) % table->count;
    if (matches((const char *)table->elements + index * elementSize, key)) {
      table->hint = index + 1;
      return (long)index;
    }
  }
  return -1;
}

/* Appends a zeroed element; NULL when out of host memory. */
static void *append(Table *table, size_t elementSize) {
  if (table->count == table->capacity) {
    size_t capacity = table->capacity ? 2 * table->capacity : 64;
    void *grown = realloc(table->elements, capacity * elementSize);
    if (!grown)
      return NULL;
    table->elements = grown;
    table->capacity = capacity;
  }
  char *element = (char *)table->elements + table->count++ * elementSize;
  for (size_t i = 0; i < elementSize; ++i)
    element[i] = 0;
  return element;
}

static int isFreeBlockOfSize(const void *element, const void *key) {
  const Block *block = element;
  return !block->inUse && block->bytes == *(const int64_t *)key;
}

static int isBlockAt(const void *element, const void *key) {
  return ((const Block *)element)->pointer == *(const CUdeviceptr *)key;
}

static int isConstantAt(const void *element, const void *key) {
  return ((const Constant *)element)->host == key;
}

void *quill_cuda_alloc(int64_t bytes) {
  if (quill_cuda_failed())
    return NULL;
  long index = find(&blocks, sizeof(Block), isFreeBlockOfSize, &bytes);
  if (index >= 0) {
    Block *block = (Block *)blocks.elements + index;
    block->inUse = 1;
    return (void *)(uintptr_t)block->pointer;
  }
  CUdeviceptr pointer = 0;
  /* A zero-element tensor still gets a valid address. */
  CUresult result = driver()->memAlloc(&pointer, bytes > 0 ? (size_t)bytes : 1);
  if (result != CUDA_SUCCESS) {
    quill_cuda_fail("allocating %lld bytes of GPU memory failed: %s",
                    (long long)bytes, quill_cuda_error_name(result));
    return NULL;
  }
  Block *block = append(&blocks, sizeof(Block));
  if (!block) {
    driver()->memFree(pointer);
    quill_cuda_fail("out of host memory for the GPU block table");
    return NULL;
  }
  *block = (Block){pointer, bytes, 1};
  return (void *)(uintptr_t)pointer;
}

void quill_cuda_free(void *pointer) {
  if (!pointer)
    return;
  CUdeviceptr key = (CUdeviceptr)(uintptr_t)pointer;
  long index = find(&blocks, sizeof(Block), isBlockAt, &key);
  if (index >= 0)
    ((Block *)blocks.elements)[index].inUse = 0;
}

void *quill_cuda_constant(const void *host, int64_t bytes) {
  if (quill_cuda_failed())
    return NULL;
  long index = find(&constants, sizeof(Constant), isConstantAt, host);
  if (index >= 0)
    return (void *)(uintptr_t)((Constant *)constants.elements)[index].device;
  CUdeviceptr device = 0;
  CUresult result = driver()->memAlloc(&device, bytes > 0 ? (size_t)bytes : 1);
  if (result == CUDA_SUCCESS && bytes > 0)
    result = driver()->memcpyHtoD(device, host, (size_t)bytes);
  if (result != CUDA_SUCCESS) {
    quill_cuda_fail("uploading a %lld-byte constant to the GPU failed: %s",
                    (long long)bytes, quill_cuda_error_name(result));
    return NULL;
  }
  Constant *constant = append(&constants, sizeof(Constant));
  if (!constant) {
    driver()->memFree(device);
    quill_cuda_fail("out of host memory for the GPU constant table");
    return NULL;
  }
  *constant = (Constant){host, device};
  return (void *)(uintptr_t)device;
}

void quill_cuda_copy(void *destination, const void *source, int64_t bytes) {
  if (quill_cuda_failed() || bytes <= 0)
    return;
  QuillCudaDevice *device = quill_cuda_current_device();
  CUresult result = device->driver.memcpyDtoDAsync(
      (CUdeviceptr)(uintptr_t)destination, (CUdeviceptr)(uintptr_t)source,
      (size_t)bytes, device->stream);
  if (result != CUDA_SUCCESS)
    quill_cuda_fail("copying %lld bytes on the GPU failed: %s",
                    (long long)bytes, quill_cuda_error_name(result));
}

void quill_cuda_release_memory(void) {
  for (size_t i = 0; i < blocks.count; ++i)
    driver()->memFree(((Block *)blocks.elements)[i].pointer);
  for (size_t i = 0; i < constants.count; ++i)
    driver()->memFree(((Constant *)constants.elements)[i].device);
  free(blocks.elements);
  free(constants.elements);
  blocks = (Table){0};
  constants = (Table){0};
}
