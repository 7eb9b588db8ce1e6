/*===- Allocator.c - Buffers for the intermediate tensors of a model ------===*\
|*                                                                            *|
|* Generated code allocates its intermediate buffers with these functions    *|
|* (finalize-memref-to-llvm{use-generic-functions}). A model allocates the   *|
|* same sizes on every run, and the large ones would come from mmap and      *|
|* fault in fresh zeroed pages each time (a quarter of a ResNet-18 run went  *|
|* to page faults with malloc): freed blocks are kept in a small per-thread  *|
|* cache and handed out again for the same size.                             *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { kCacheSlots = 256, kHeaderBytes = 64 };

typedef struct CachedBlock {
  void *base;
  size_t size;
} CachedBlock;

static _Thread_local CachedBlock cache[kCacheSlots];

/* Every block starts with a header holding its base and requested size, so
 * that free can cache it; the header keeps the payload 64-byte aligned. */
typedef struct BlockHeader {
  void *base;
  size_t size;
} BlockHeader;

static void *allocate(size_t size) {
  for (int slot = 0; slot < kCacheSlots; ++slot) {
    if (cache[slot].base && cache[slot].size == size) {
      void *base = cache[slot].base;
      cache[slot].base = NULL;
      return (char *)base + kHeaderBytes;
    }
  }
  void *base = aligned_alloc(kHeaderBytes, (size + 2 * kHeaderBytes - 1) /
                                               kHeaderBytes * kHeaderBytes);
  if (!base)
    return NULL;
  BlockHeader header = {base, size};
  memcpy(base, &header, sizeof(header));
  return (char *)base + kHeaderBytes;
}

void *_mlir_memref_to_llvm_alloc(size_t size) { return allocate(size); }

void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t size) {
  /* Payloads are 64-byte aligned, which covers every alignment MLIR asks
   * for on x86; a larger one falls back to a plain aligned block. */
  if (alignment <= kHeaderBytes)
    return allocate(size);
  return aligned_alloc(alignment,
                       (size + alignment - 1) / alignment * alignment);
}

void _mlir_memref_to_llvm_free(void *pointer) {
  if (!pointer)
    return;
  BlockHeader header;
  memcpy(&header, (char *)pointer - kHeaderBytes, sizeof(header));
  for (int slot = 0; slot < kCacheSlots; ++slot) {
    if (!cache[slot].base) {
      cache[slot].base = header.base;
      cache[slot].size = header.size;
      return;
    }
  }
  free(header.base);
}
