/*===- Driver.c - Opening the CUDA driver and the device -----------------===*\
|*                                                                            *|
|* dlopen keeps CUDA out of the build and out of the library's needed list:  *|
|* a GPU model loads, answers its metadata queries and reports a clear       *|
|* error from quill_run on a machine without an NVIDIA driver.               *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#define _GNU_SOURCE
#include "Driver.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static QuillCudaDevice openDevice;
static int opened;
static char openError[512];

const char *quill_cuda_error_name(CUresult result) {
  static _Thread_local char text[96];
  const char *name = NULL;
  if (!openDevice.driver.getErrorName ||
      openDevice.driver.getErrorName(result, &name) != CUDA_SUCCESS || !name)
    name = "CUDA error";
  snprintf(text, sizeof(text), "%s (%d)", name, result);
  return text;
}

/* Resolves `symbol` into `*slot`; false, saying which, when it is missing. */
static int resolve(void *library, const char *path, const char *symbol,
                   void **slot) {
  *slot = dlsym(library, symbol);
  if (*slot)
    return 1;
  snprintf(openError, sizeof(openError),
           "the CUDA driver %s has no %s (driver too old?)", path, symbol);
  return 0;
}

static int loadDriver(QuillCudaDriver *driver) {
  const char *path = getenv("QUILL_CUDA_DRIVER");
  if (!path || !*path)
    path = "libcuda.so.1";
  void *library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    snprintf(openError, sizeof(openError),
             "cannot load the CUDA driver (%s): this GPU model needs an "
             "NVIDIA driver; %s",
             path, dlerror());
    return 0;
  }
  /* The _v2 names are what cuda.h maps the 64-bit API onto. */
  struct {
    const char *symbol;
    void **slot;
  } symbols[] = {
      {"cuInit", (void **)&driver->init},
      {"cuDeviceGetCount", (void **)&driver->deviceGetCount},
      {"cuDeviceGet", (void **)&driver->deviceGet},
      {"cuDeviceGetAttribute", (void **)&driver->deviceGetAttribute},
      {"cuDeviceGetName", (void **)&driver->deviceGetName},
      {"cuDevicePrimaryCtxRetain", (void **)&driver->devicePrimaryCtxRetain},
      {"cuDevicePrimaryCtxRelease_v2",
       (void **)&driver->devicePrimaryCtxRelease},
      {"cuCtxSetCurrent", (void **)&driver->ctxSetCurrent},
      {"cuStreamCreate", (void **)&driver->streamCreate},
      {"cuStreamSynchronize", (void **)&driver->streamSynchronize},
      {"cuStreamDestroy_v2", (void **)&driver->streamDestroy},
      {"cuModuleLoadData", (void **)&driver->moduleLoadData},
      {"cuModuleLoadDataEx", (void **)&driver->moduleLoadDataEx},
      {"cuModuleGetFunction", (void **)&driver->moduleGetFunction},
      {"cuModuleUnload", (void **)&driver->moduleUnload},
      {"cuLaunchKernel", (void **)&driver->launchKernel},
      {"cuMemAlloc_v2", (void **)&driver->memAlloc},
      {"cuMemFree_v2", (void **)&driver->memFree},
      {"cuMemcpyHtoD_v2", (void **)&driver->memcpyHtoD},
      {"cuMemcpyDtoH_v2", (void **)&driver->memcpyDtoH},
      {"cuMemcpyDtoDAsync_v2", (void **)&driver->memcpyDtoDAsync},
      {"cuEventCreate", (void **)&driver->eventCreate},
      {"cuEventRecord", (void **)&driver->eventRecord},
      {"cuEventDestroy_v2", (void **)&driver->eventDestroy},
      {"cuEventElapsedTime", (void **)&driver->eventElapsedTime},
      {"cuGetErrorName", (void **)&driver->getErrorName},
  };
  for (size_t i = 0; i < sizeof(symbols) / sizeof(symbols[0]); ++i)
    if (!resolve(library, path, symbols[i].symbol, symbols[i].slot))
      return 0;
  return 1;
}

/* Fails the open with "what: error". */
static int failCall(const char *what, CUresult result) {
  snprintf(openError, sizeof(openError), "%s failed: %s", what,
           quill_cuda_error_name(result));
  return 0;
}

static int openFirstTime(QuillCudaDevice *d) {
  if (!loadDriver(&d->driver))
    return 0;
  QuillCudaDriver *cu = &d->driver;
  CUresult result = cu->init(0);
  if (result != CUDA_SUCCESS)
    return failCall("initializing the CUDA driver (cuInit)", result);
  int count = 0;
  if ((result = cu->deviceGetCount(&count)) != CUDA_SUCCESS)
    return failCall("counting CUDA devices", result);
  const char *chosen = getenv("QUILL_CUDA_DEVICE");
  int ordinal = chosen && *chosen ? atoi(chosen) : 0;
  if (count == 0) {
    snprintf(openError, sizeof(openError),
             "the CUDA driver found no GPU on this machine");
    return 0;
  }
  if (ordinal < 0 || ordinal >= count) {
    snprintf(openError, sizeof(openError),
             "QUILL_CUDA_DEVICE=%s: this machine has %d CUDA device%s", chosen,
             count, count == 1 ? "" : "s");
    return 0;
  }
  if ((result = cu->deviceGet(&d->device, ordinal)) != CUDA_SUCCESS)
    return failCall("opening CUDA device", result);
  int major = 0, minor = 0;
  if ((result = cu->deviceGetAttribute(
           &major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, d->device)) !=
          CUDA_SUCCESS ||
      (result = cu->deviceGetAttribute(
           &minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, d->device)) !=
          CUDA_SUCCESS)
    return failCall("querying the compute capability", result);
  d->computeCapability = 10 * major + minor;
  if (cu->deviceGetName(d->name, (int)sizeof(d->name), d->device) !=
      CUDA_SUCCESS)
    snprintf(d->name, sizeof(d->name), "device %d", ordinal);
  if ((result = cu->devicePrimaryCtxRetain(&d->context, d->device)) !=
      CUDA_SUCCESS)
    return failCall("creating a CUDA context", result);
  if ((result = cu->ctxSetCurrent(d->context)) != CUDA_SUCCESS)
    return failCall("making the CUDA context current", result);
  if ((result = cu->streamCreate(&d->stream, 0)) != CUDA_SUCCESS)
    return failCall("creating a CUDA stream", result);
  if ((result = cu->eventCreate(&d->runStart, 0)) != CUDA_SUCCESS ||
      (result = cu->eventCreate(&d->runEnd, 0)) != CUDA_SUCCESS)
    return failCall("creating CUDA events", result);
  return 1;
}

QuillCudaDevice *quill_cuda_open_device(char *message, size_t messageSize) {
  if (!opened)
    opened = openFirstTime(&openDevice) ? 1 : -1;
  if (opened < 0) {
    snprintf(message, messageSize, "%s", openError);
    return NULL;
  }
  return &openDevice;
}

QuillCudaDevice *quill_cuda_current_device(void) {
  return opened > 0 ? &openDevice : NULL;
}

static int holds;        /* loaded kernel modules */
static int closeWanted;  /* the runtime is being unloaded */

static void closeDevice(void) {
  QuillCudaDevice *d = &openDevice;
  QuillCudaDriver *cu = &d->driver;
  cu->ctxSetCurrent(d->context);
  if (d->runStart)
    cu->eventDestroy(d->runStart);
  if (d->runEnd)
    cu->eventDestroy(d->runEnd);
  if (d->stream)
    cu->streamDestroy(d->stream);
  if (d->context)
    cu->devicePrimaryCtxRelease(d->device);
  d->runStart = d->runEnd = NULL;
  d->stream = NULL;
  d->context = NULL;
  opened = 0;
}

void quill_cuda_hold_device(void) { ++holds; }

void quill_cuda_drop_device(void) {
  if (--holds == 0 && closeWanted && opened > 0)
    closeDevice();
}

void quill_cuda_close_device(void) {
  closeWanted = 1;
  if (holds == 0 && opened > 0)
    closeDevice();
}
