/*===- Memory.c - GPU memory for a model's tensors and constants ---------===*\
|*                                                                            *|
|* cuMemAlloc is slow and cuMemFree synchronizes the device, while a model    *|
|* allocates the same sizes on every run: every block ever allocated stays    *|
|* in a pool and a freed one is handed out again for the same size (kernels   *|
|* run in order on one stream, so a block reused later in a run is written    *|
|* only after the earlier kernels are done with it). Constants are uploaded   *|
|* on first use and kept while the library is loaded (Table.h).               *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "CudaRuntime.h"
#include "Table.h"

typedef struct Block {
  CUdeviceptr pointer;
  int64_t bytes;
  int inUse;
} Block;

typedef struct Constant {
  const void *host;
  CUdeviceptr device;
} Constant;

static QuillTable blocks = {.elementSize = sizeof(Block)};
static QuillTable constants = {.elementSize = sizeof(Constant)};

static QuillCudaDriver *driver(void) {
  return &quill_cuda_current_device()->driver;
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

/* cuMemAlloc of `bytes`; a zero-element tensor still gets a valid
 * address. */
static CUresult allocate(CUdeviceptr *pointer, int64_t bytes) {
  return driver()->memAlloc(pointer, bytes > 0 ? (size_t)bytes : 1);
}

void *quill_cuda_alloc(int64_t bytes) {
  if (quill_cuda_failed())
    return NULL;
  long index = quill_table_find(&blocks, isFreeBlockOfSize, &bytes);
  if (index >= 0) {
    Block *block = quill_table_at(&blocks, (size_t)index);
    block->inUse = 1;
    return (void *)(uintptr_t)block->pointer;
  }
  CUdeviceptr pointer = 0;
  CUresult result = allocate(&pointer, bytes);
  if (result != CUDA_SUCCESS) {
    quill_cuda_fail("allocating %lld bytes of GPU memory failed: %s",
                    (long long)bytes, quill_cuda_error_name(result));
    return NULL;
  }
  Block *block = quill_table_append(&blocks);
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
  long index = quill_table_find(&blocks, isBlockAt, &key);
  if (index >= 0)
    ((Block *)quill_table_at(&blocks, (size_t)index))->inUse = 0;
}

void *quill_cuda_constant(const void *host, int64_t bytes) {
  if (quill_cuda_failed())
    return NULL;
  long index = quill_table_find(&constants, isConstantAt, host);
  if (index >= 0)
    return (void *)(uintptr_t)((Constant *)quill_table_at(&constants,
                                                          (size_t)index))
        ->device;
  CUdeviceptr device = 0;
  CUresult result = allocate(&device, bytes);
  if (result == CUDA_SUCCESS && bytes > 0)
    result = driver()->memcpyHtoD(device, host, (size_t)bytes);
  if (result != CUDA_SUCCESS) {
    quill_cuda_fail("uploading a %lld-byte constant to the GPU failed: %s",
                    (long long)bytes, quill_cuda_error_name(result));
    return NULL;
  }
  Constant *constant = quill_table_append(&constants);
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
    driver()->memFree(((Block *)quill_table_at(&blocks, i))->pointer);
  for (size_t i = 0; i < constants.count; ++i)
    driver()->memFree(((Constant *)quill_table_at(&constants, i))->device);
  quill_table_clear(&blocks);
  quill_table_clear(&constants);
}
