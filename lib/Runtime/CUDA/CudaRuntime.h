/*===- CudaRuntime.h - The CUDA runtime's parts, to each other ----*- C -*-===*\
|*                                                                            *|
|* The host code of a GPU model calls two sets of functions, all with the    *|
|* runtime's lock held (quill_execute takes it around the entry point):      *|
|*  - MLIR's GPU launch interface (mgpuModuleLoadJIT, mgpuLaunchKernel ...), *|
|*    which LLVM IR translation of gpu.launch_func emits (Kernels.c);        *|
|*  - quill_cuda_alloc/free/constant/copy, which quill-gpu-device-memory and *|
|*    the entry point emit for buffers (Memory.c).                           *|
|* Neither can return an error to the generated code: the first failure of   *|
|* a run is recorded, later GPU work of that run is skipped, and             *|
|* quill_execute reports it.                                                 *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef QUILL_RUNTIME_CUDA_CUDARUNTIME_H
#define QUILL_RUNTIME_CUDA_CUDARUNTIME_H

#include "Driver.h"

#include <stddef.h>
#include <stdint.h>

/* Records the first failure of the current run. */
__attribute__((format(printf, 1, 2))) void quill_cuda_fail(const char *format,
                                                           ...);
/* Whether the current run has failed: its device work is skipped. */
int quill_cuda_failed(void);

void *quill_cuda_alloc(int64_t bytes);
void quill_cuda_free(void *pointer);
/* The device copy of the constant at `host` (uploaded on first use). */
void *quill_cuda_constant(const void *host, int64_t bytes);
void quill_cuda_copy(void *destination, const void *source, int64_t bytes);

/* Returns every cached buffer and constant to the driver. */
void quill_cuda_release_memory(void);

#endif /* QUILL_RUNTIME_CUDA_CUDARUNTIME_H */
