/*===- fake_cuda_driver.c - A CUDA driver without a GPU, for tests -------===*\
|*                                                                            *|
|* Implements the driver functions Quill's CUDA runtime calls, with "device  *|
|* memory" in host memory, so the host side of a GPU model runs on any       *|
|* machine: staging, constant upload, buffer pooling, module loading and     *|
|* every launch. Kernels do not execute; each launch is checked instead:     *|
|* the kernel exists in the loaded PTX, the block fits, and every pointer    *|
|* parameter (`.param .u64 .ptr`) points into memory from cuMemAlloc. A      *|
|* fatbin's kernels are the functions of its cubin's symbol table (their     *|
|* parameters are not described there, so they are not checked).           *|
|*                                                                            *|
|* Events read a clock that advances 0.25 ms per launch, so the device time *|
|* of a run is a quarter of a millisecond per kernel.                       *|
|*                                                                            *|
|* Environment: FAKE_CUDA_TRACE=1 prints each call that matters to stderr;   *|
|* FAKE_CUDA_DEVICES (default 1) and FAKE_CUDA_SM (default 90) describe the  *|
|* machine, with an H100's 132 SMs at 1.98 GHz; FAKE_CUDA_FAIL=launch|sync   *|
|* makes that call fail. Releasing the context reports the modules and     *|
|* allocations left, which a runtime that cleans up has returned.           *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
  CUDA_SUCCESS = 0,
  CUDA_ERROR_INVALID_VALUE = 1,
  CUDA_ERROR_OUT_OF_MEMORY = 2,
  CUDA_ERROR_INVALID_IMAGE = 200,
  CUDA_ERROR_INVALID_PTX = 218,
  CUDA_ERROR_NOT_FOUND = 500,
  CUDA_ERROR_ILLEGAL_ADDRESS = 700,
  CUDA_ERROR_LAUNCH_FAILED = 719
};

typedef struct Kernel {
  char name[256];
  int paramCount;                   /* -1: unknown */
  unsigned long long pointerParams; /* bit i: parameter i is a pointer */
} Kernel;

typedef struct Module {
  Kernel kernels[1024];
  int count;
} Module;

typedef struct Allocation {
  char *base;
  size_t bytes;
} Allocation;

static Allocation allocations[65536];
static int allocationCount;
static int moduleCount; /* loaded and not unloaded */

static int tracing(void) {
  const char *trace = getenv("FAKE_CUDA_TRACE");
  return trace && *trace == '1';
}

static int failing(const char *call) {
  const char *fail = getenv("FAKE_CUDA_FAIL");
  return fail && strcmp(fail, call) == 0;
}

static int envInt(const char *name, int fallback) {
  const char *value = getenv(name);
  return value && *value ? atoi(value) : fallback;
}

int cuInit(unsigned flags) { return flags == 0 ? 0 : CUDA_ERROR_INVALID_VALUE; }

int cuDeviceGetCount(int *count) {
  *count = envInt("FAKE_CUDA_DEVICES", 1);
  return 0;
}

int cuDeviceGet(int *device, int ordinal) {
  *device = ordinal;
  return 0;
}

int cuDeviceGetAttribute(int *value, int attribute, int device) {
  (void)device;
  int sm = envInt("FAKE_CUDA_SM", 90);
  /* CU_DEVICE_ATTRIBUTE_ COMPUTE_CAPABILITY_MAJOR/MINOR,
   * MULTIPROCESSOR_COUNT, CLOCK_RATE (kHz). */
  if (attribute == 75)
    *value = sm / 10;
  else if (attribute == 76)
    *value = sm % 10;
  else if (attribute == 16)
    *value = 132;
  else if (attribute == 13)
    *value = 1980000;
  else
    return CUDA_ERROR_INVALID_VALUE;
  return 0;
}

int cuDeviceGetName(char *name, int length, int device) {
  snprintf(name, (size_t)length, "Fake GPU %d", device);
  return 0;
}

static int context;
int cuDevicePrimaryCtxRetain(void **ctx, int device) {
  (void)device;
  *ctx = &context;
  return 0;
}

int cuDevicePrimaryCtxRelease_v2(int device) {
  (void)device;
  if (tracing())
    fprintf(stderr,
            "fake-cuda: context released (%d modules, %d allocations "
            "left)\n",
            moduleCount, allocationCount);
  return 0;
}

int cuCtxSetCurrent(void *ctx) {
  return ctx == &context ? 0 : CUDA_ERROR_INVALID_VALUE;
}

static int stream;
static int launches; /* the events' clock */
int cuStreamCreate(void **s, unsigned flags) {
  (void)flags;
  *s = &stream;
  return 0;
}

int cuStreamDestroy_v2(void *s) {
  return s == &stream ? 0 : CUDA_ERROR_INVALID_VALUE;
}

int cuStreamSynchronize(void *s) {
  if (s != &stream)
    return CUDA_ERROR_INVALID_VALUE;
  return failing("sync") ? CUDA_ERROR_LAUNCH_FAILED : 0;
}

/* Reads the `.entry NAME(...)` declarations of `ptx`. */
static int parseKernels(const char *ptx, Module *module) {
  const char *at = ptx;
  while ((at = strstr(at, ".entry ")) && module->count < 1024) {
    Kernel *kernel = &module->kernels[module->count++];
    memset(kernel, 0, sizeof(*kernel));
    at += strlen(".entry ");
    size_t length = strcspn(at, "( \n");
    if (length >= sizeof(kernel->name))
      return 0;
    memcpy(kernel->name, at, length);
    const char *end = strchr(at, ')');
    if (!end)
      return 0;
    for (const char *p = strstr(at, ".param"); p && p < end;
         p = strstr(p + 1, ".param")) {
      const char *lineEnd = strpbrk(p, ",)");
      const char *pointer = strstr(p, ".ptr");
      if (pointer && pointer < lineEnd && kernel->paramCount < 64)
        kernel->pointerParams |= 1ull << kernel->paramCount;
      ++kernel->paramCount;
    }
    at = end;
  }
  return 1;
}

int cuModuleLoadDataEx(void **module, const void *image, unsigned numOptions,
                       int *options, void **values) {
  (void)numOptions;
  (void)options;
  (void)values;
  const char *ptx = image;
  const char *target = strstr(ptx, ".target sm_");
  Module *loaded = calloc(1, sizeof(Module));
  if (!target || !loaded || !parseKernels(ptx, loaded)) {
    free(loaded);
    return CUDA_ERROR_INVALID_PTX;
  }
  if (tracing())
    fprintf(stderr, "fake-cuda: load module (sm_%d, %d kernels)\n",
            atoi(target + strlen(".target sm_")), loaded->count);
  ++moduleCount;
  *module = loaded;
  return 0;
}

/* Reads the functions of the first cubin (ELF) inside `fatbin`. */
static int parseFatbin(const unsigned char *fatbin, Module *module) {
  uint32_t magic;
  uint64_t fatSize;
  memcpy(&magic, fatbin, sizeof(magic));
  memcpy(&fatSize, fatbin + 8, sizeof(fatSize));
  if (magic != 0xBA55ED50u)
    return 0;
  const unsigned char *elf = NULL;
  for (uint64_t at = 16; at + SELFMAG <= 16 + fatSize && !elf; ++at)
    if (memcmp(fatbin + at, ELFMAG, SELFMAG) == 0)
      elf = fatbin + at;
  if (!elf)
    return 0;
  const Elf64_Ehdr *header = (const Elf64_Ehdr *)elf;
  const Elf64_Shdr *sections = (const Elf64_Shdr *)(elf + header->e_shoff);
  for (int i = 0; i < header->e_shnum; ++i) {
    if (sections[i].sh_type != SHT_SYMTAB)
      continue;
    const Elf64_Sym *symbols = (const Elf64_Sym *)(elf + sections[i].sh_offset);
    const char *names =
        (const char *)(elf + sections[sections[i].sh_link].sh_offset);
    size_t count = sections[i].sh_size / sizeof(Elf64_Sym);
    for (size_t j = 0; j < count && module->count < 1024; ++j) {
      if (ELF64_ST_TYPE(symbols[j].st_info) != STT_FUNC)
        continue;
      Kernel *kernel = &module->kernels[module->count++];
      memset(kernel, 0, sizeof(*kernel));
      snprintf(kernel->name, sizeof(kernel->name), "%s",
               names + symbols[j].st_name);
      kernel->paramCount = -1;
    }
    return 1;
  }
  return 0;
}

int cuModuleLoadData(void **module, const void *image) {
  Module *loaded = calloc(1, sizeof(Module));
  if (!loaded || !parseFatbin(image, loaded)) {
    free(loaded);
    return CUDA_ERROR_INVALID_IMAGE;
  }
  if (tracing())
    fprintf(stderr, "fake-cuda: load module (fatbin, %d functions)\n",
            loaded->count);
  ++moduleCount;
  *module = loaded;
  return 0;
}

int cuModuleGetFunction(void **function, void *module, const char *name) {
  Module *loaded = module;
  for (int i = 0; i < loaded->count; ++i) {
    if (strcmp(loaded->kernels[i].name, name) == 0) {
      *function = &loaded->kernels[i];
      return 0;
    }
  }
  return CUDA_ERROR_NOT_FOUND;
}

int cuModuleUnload(void *module) {
  --moduleCount;
  free(module);
  return 0;
}

static int isDeviceMemory(const char *pointer) {
  for (int i = 0; i < allocationCount; ++i)
    if (pointer >= allocations[i].base &&
        pointer <= allocations[i].base + allocations[i].bytes)
      return 1;
  return 0;
}

int cuLaunchKernel(void *function, unsigned gridX, unsigned gridY,
                   unsigned gridZ, unsigned blockX, unsigned blockY,
                   unsigned blockZ, unsigned sharedBytes, void *s,
                   void **params, void **extra) {
  (void)sharedBytes;
  (void)extra;
  const Kernel *kernel = function;
  if (s != &stream || !gridX || !gridY || !gridZ ||
      (unsigned long long)blockX * blockY * blockZ > 1024)
    return CUDA_ERROR_INVALID_VALUE;
  for (int i = 0; i < kernel->paramCount && i < 64; ++i) {
    if (!(kernel->pointerParams >> i & 1))
      continue;
    const char *pointer = *(char *const *)params[i];
    /* MLIR's placeholder for the allocated pointer of a global's memref,
     * never dereferenced. */
    if ((uintptr_t)pointer == 0xdeadbeef || isDeviceMemory(pointer))
      continue;
    fprintf(stderr,
            "fake-cuda: kernel %s parameter %d is not device memory: %p\n",
            kernel->name, i, (const void *)pointer);
    return CUDA_ERROR_ILLEGAL_ADDRESS;
  }
  ++launches;
  if (tracing())
    fprintf(stderr, "fake-cuda: launch %s grid %ux%ux%u block %ux%ux%u\n",
            kernel->name, gridX, gridY, gridZ, blockX, blockY, blockZ);
  return failing("launch") ? CUDA_ERROR_LAUNCH_FAILED : 0;
}

int cuEventCreate(void **event, unsigned flags) {
  (void)flags;
  *event = calloc(1, sizeof(int));
  return *event ? 0 : CUDA_ERROR_OUT_OF_MEMORY;
}

int cuEventRecord(void *event, void *s) {
  if (s != &stream)
    return CUDA_ERROR_INVALID_VALUE;
  *(int *)event = launches;
  return 0;
}

int cuEventDestroy_v2(void *event) {
  free(event);
  return 0;
}

int cuEventElapsedTime(float *milliseconds, void *start, void *end) {
  *milliseconds = 0.25f * (float)(*(int *)end - *(int *)start);
  return 0;
}

int cuMemAlloc_v2(unsigned long long *pointer, size_t bytes) {
  if (allocationCount == (int)(sizeof(allocations) / sizeof(allocations[0])))
    return CUDA_ERROR_OUT_OF_MEMORY;
  char *base = calloc(1, bytes);
  if (!base)
    return CUDA_ERROR_OUT_OF_MEMORY;
  allocations[allocationCount++] = (Allocation){base, bytes};
  *pointer = (uintptr_t)base;
  if (tracing())
    fprintf(stderr, "fake-cuda: alloc %zu bytes\n", bytes);
  return 0;
}

int cuMemFree_v2(unsigned long long pointer) {
  for (int i = 0; i < allocationCount; ++i) {
    if ((uintptr_t)allocations[i].base == pointer) {
      free(allocations[i].base);
      allocations[i] = allocations[--allocationCount];
      return 0;
    }
  }
  return CUDA_ERROR_INVALID_VALUE;
}

/* Copies between "device" and host memory, checking the device side. */
static int copy(void *destination, const void *source, size_t bytes,
                const char *deviceSide, const char *what) {
  if (!isDeviceMemory(deviceSide) || !isDeviceMemory(deviceSide + bytes - 1))
    return CUDA_ERROR_INVALID_VALUE;
  memcpy(destination, source, bytes);
  if (tracing())
    fprintf(stderr, "fake-cuda: copy %s %zu bytes\n", what, bytes);
  return 0;
}

int cuMemcpyHtoD_v2(unsigned long long destination, const void *source,
                    size_t bytes) {
  return copy((void *)(uintptr_t)destination, source, bytes,
              (const char *)(uintptr_t)destination, "to device");
}

int cuMemcpyDtoH_v2(void *destination, unsigned long long source,
                    size_t bytes) {
  return copy(destination, (const void *)(uintptr_t)source, bytes,
              (const char *)(uintptr_t)source, "to host");
}

int cuMemcpyDtoDAsync_v2(unsigned long long destination,
                         unsigned long long source, size_t bytes, void *s) {
  if (s != &stream || !isDeviceMemory((const char *)(uintptr_t)source))
    return CUDA_ERROR_INVALID_VALUE;
  return copy((void *)(uintptr_t)destination, (const void *)(uintptr_t)source,
              bytes, (const char *)(uintptr_t)destination, "on device");
}

int cuGetErrorName(int result, const char **name) {
  switch (result) {
  case CUDA_ERROR_INVALID_VALUE:
    *name = "CUDA_ERROR_INVALID_VALUE";
    return 0;
  case CUDA_ERROR_ILLEGAL_ADDRESS:
    *name = "CUDA_ERROR_ILLEGAL_ADDRESS";
    return 0;
  case CUDA_ERROR_LAUNCH_FAILED:
    *name = "CUDA_ERROR_LAUNCH_FAILED";
    return 0;
  default:
    return CUDA_ERROR_INVALID_VALUE;
  }
}
