/*===- Kernels.c - MLIR's GPU launch interface over the CUDA driver ------===*\
|*                                                                            *|
|* LLVM IR translation of gpu.binary and gpu.launch_func emits calls of      *|
|* these functions: a global constructor "loads" the kernels (PTX, or a      *|
|* fatbin) when the library is opened, then each launch looks its kernel     *|
|* up, creates a stream, launches, synchronizes and destroys the stream.     *|
|* Here loading is deferred to the first kernel lookup of a run (opening a   *|
|* library needs no driver, and a missing one is a quill_run error),         *|
|* kernels are looked up once, and every launch goes to the device's one     *|
|* stream without waiting: kernels run in order and quill_execute            *|
|* synchronizes once at the end.                                             *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "CudaRuntime.h"
#include "Table.h"

#include <stdlib.h>

typedef struct Kernel {
  const char *name; /* the generated code's constant: compared by address */
  CUfunction function;
} Kernel;

typedef struct KernelModule {
  const void *image;
  int isPTX;    /* PTX to JIT-compile, else a fatbin */
  int optLevel; /* the JIT's */
  CUmodule module;
  QuillTable kernels; /* of Kernel, in the order runs launch them */
} KernelModule;

static int load(KernelModule *kernels) {
  QuillCudaDevice *device = quill_cuda_current_device();
  char log[4096] = "";
  CUresult result;
  if (kernels->isPTX) {
    int options[] = {CU_JIT_ERROR_LOG_BUFFER,
                     CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
                     CU_JIT_OPTIMIZATION_LEVEL};
    void *values[] = {log, (void *)(uintptr_t)sizeof(log),
                      (void *)(uintptr_t)kernels->optLevel};
    result = device->driver.moduleLoadDataEx(&kernels->module, kernels->image,
                                             3, options, values);
  } else {
    result = device->driver.moduleLoadData(&kernels->module, kernels->image);
  }
  if (result != CUDA_SUCCESS) {
    quill_cuda_fail("the CUDA driver cannot load the model's kernels for "
                    "%s: %s%s%s",
                    device->name, quill_cuda_error_name(result),
                    log[0] ? "\n" : "", log);
    kernels->module = NULL;
    return 0;
  }
  quill_cuda_hold_device();
  return 1;
}

/* Kernel names are the generated code's constants: compared by address. */
static int isKernelNamed(const void *element, const void *name) {
  return ((const Kernel *)element)->name == name;
}

static KernelModule *createModule(const void *image, int isPTX, int optLevel) {
  KernelModule *kernels = calloc(1, sizeof(KernelModule));
  if (kernels) {
    kernels->kernels.elementSize = sizeof(Kernel);
    kernels->image = image;
    kernels->isPTX = isPTX;
    kernels->optLevel = optLevel;
  }
  return kernels;
}

void *mgpuModuleLoadJIT(void *ptx, int optLevel) {
  return createModule(ptx, 1, optLevel);
}

void *mgpuModuleLoad(void *fatbin, size_t bytes) {
  (void)bytes;
  return createModule(fatbin, 0, 0);
}

/* Called by a destructor when the library is unloaded. */
void mgpuModuleUnload(void *module) {
  KernelModule *kernels = module;
  if (!kernels)
    return;
  QuillCudaDevice *device = quill_cuda_current_device();
  if (device && kernels->module) {
    device->driver.ctxSetCurrent(device->context);
    device->driver.moduleUnload(kernels->module);
    quill_cuda_drop_device();
  }
  quill_table_clear(&kernels->kernels);
  free(kernels);
}

void *mgpuModuleGetFunction(void *module, void *name) {
  KernelModule *kernels = module;
  if (quill_cuda_failed())
    return NULL;
  if (!kernels) {
    quill_cuda_fail("out of host memory for the GPU module");
    return NULL;
  }
  long index = quill_table_find(&kernels->kernels, isKernelNamed, name);
  if (index >= 0)
    return quill_table_at(&kernels->kernels, (size_t)index);
  if (!kernels->module && !load(kernels))
    return NULL;
  CUfunction function = NULL;
  CUresult result = quill_cuda_current_device()->driver.moduleGetFunction(
      &function, kernels->module, name);
  if (result != CUDA_SUCCESS) {
    quill_cuda_fail("the model's kernels have no %s: %s", (const char *)name,
                    quill_cuda_error_name(result));
    return NULL;
  }
  /* The entry may move when the table grows, but the launch that uses it
   * comes before the next lookup. */
  Kernel *kernel = quill_table_append(&kernels->kernels);
  if (!kernel) {
    quill_cuda_fail("out of host memory for the GPU kernel table");
    return NULL;
  }
  *kernel = (Kernel){name, function};
  return kernel;
}

void *mgpuStreamCreate(void) {
  QuillCudaDevice *device = quill_cuda_current_device();
  return device ? device->stream : NULL;
}

/* The stream is the device's: quill_execute synchronizes it after the run. */
void mgpuStreamSynchronize(void *stream) { (void)stream; }

void mgpuStreamDestroy(void *stream) { (void)stream; }

void mgpuLaunchKernel(void *function, int64_t gridX, int64_t gridY,
                      int64_t gridZ, int64_t blockX, int64_t blockY,
                      int64_t blockZ, int32_t sharedBytes, void *stream,
                      void **params, void **extra, int64_t paramCount) {
  (void)paramCount;
  const Kernel *kernel = function;
  if (quill_cuda_failed())
    return;
  CUresult result = quill_cuda_current_device()->driver.launchKernel(
      kernel->function, (unsigned)gridX, (unsigned)gridY, (unsigned)gridZ,
      (unsigned)blockX, (unsigned)blockY, (unsigned)blockZ,
      (unsigned)sharedBytes, stream, params, extra);
  if (result != CUDA_SUCCESS)
    quill_cuda_fail("launching kernel %s (grid %lldx%lldx%lld, block "
                    "%lldx%lldx%lld) failed: %s",
                    kernel->name, (long long)gridX, (long long)gridY,
                    (long long)gridZ, (long long)blockX, (long long)blockY,
                    (long long)blockZ, quill_cuda_error_name(result));
}
