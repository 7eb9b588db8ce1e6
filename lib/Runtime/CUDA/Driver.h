/*===- Driver.h - The CUDA driver, loaded at run time --------------*- C
-*-===*\
|*                                                                            *|
|* A GPU model needs no CUDA to build or link: the runtime opens the         *|
|* driver library (libcuda.so.1, or $QUILL_CUDA_DRIVER) on the first run     *|
|* and calls it through this table. The types and constants are the         *|
|* driver API's own (cuda.h), spelled out because no CUDA header is needed.  *|
|*                                                                            *|
|* Every function here is called with the runtime's lock held.               *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef QUILL_RUNTIME_CUDA_DRIVER_H
#define QUILL_RUNTIME_CUDA_DRIVER_H

#include <stddef.h>

typedef int CUresult;
typedef int CUdevice;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;
typedef struct CUevent_st *CUevent;
typedef unsigned long long CUdeviceptr;

enum {
  CUDA_SUCCESS = 0,
  CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75,
  CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76,
  CU_JIT_ERROR_LOG_BUFFER = 5,
  CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6,
  CU_JIT_OPTIMIZATION_LEVEL = 7
};

typedef struct QuillCudaDriver {
  CUresult (*init)(unsigned flags);
  CUresult (*deviceGetCount)(int *count);
  CUresult (*deviceGet)(CUdevice *device, int ordinal);
  CUresult (*deviceGetAttribute)(int *value, int attribute, CUdevice device);
  CUresult (*deviceGetName)(char *name, int length, CUdevice device);
  CUresult (*devicePrimaryCtxRetain)(CUcontext *context, CUdevice device);
  CUresult (*devicePrimaryCtxRelease)(CUdevice device);
  CUresult (*ctxSetCurrent)(CUcontext context);
  CUresult (*streamCreate)(CUstream *stream, unsigned flags);
  CUresult (*streamSynchronize)(CUstream stream);
  CUresult (*streamDestroy)(CUstream stream);
  CUresult (*moduleLoadData)(CUmodule *module, const void *image);
  CUresult (*moduleLoadDataEx)(CUmodule *module, const void *image,
                               unsigned numOptions, int *options,
                               void **values);
  CUresult (*moduleGetFunction)(CUfunction *function, CUmodule module,
                                const char *name);
  CUresult (*moduleUnload)(CUmodule module);
  CUresult (*launchKernel)(CUfunction function, unsigned gridX, unsigned gridY,
                           unsigned gridZ, unsigned blockX, unsigned blockY,
                           unsigned blockZ, unsigned sharedBytes,
                           CUstream stream, void **params, void **extra);
  CUresult (*memAlloc)(CUdeviceptr *pointer, size_t bytes);
  CUresult (*memFree)(CUdeviceptr pointer);
  CUresult (*memcpyHtoD)(CUdeviceptr destination, const void *source,
                         size_t bytes);
  CUresult (*memcpyDtoH)(void *destination, CUdeviceptr source, size_t bytes);
  CUresult (*memcpyDtoDAsync)(CUdeviceptr destination, CUdeviceptr source,
                              size_t bytes, CUstream stream);
  CUresult (*eventCreate)(CUevent *event, unsigned flags);
  CUresult (*eventRecord)(CUevent event, CUstream stream);
  CUresult (*eventDestroy)(CUevent event);
  CUresult (*eventElapsedTime)(float *milliseconds, CUevent start, CUevent end);
  CUresult (*getErrorName)(CUresult result, const char **name);
} QuillCudaDriver;

/* The device every GPU model of this process runs on. */
typedef struct QuillCudaDevice {
  QuillCudaDriver driver;
  CUdevice device;
  CUcontext context;
  CUstream stream;
  CUevent runStart, runEnd; /* around each run's kernels */
  int computeCapability;    /* 80 for sm_80 */
  char name[128];
} QuillCudaDevice;

/* Opens the driver and the device on the first call; NULL, with the reason
 * in `message`, when there is no driver or no usable device (the reason is
 * kept: later calls fail the same way). */
QuillCudaDevice *quill_cuda_open_device(char *message, size_t messageSize);

/* The open device, or NULL before quill_cuda_open_device succeeded. */
QuillCudaDevice *quill_cuda_current_device(void);

/* Loaded kernel modules hold the device open: the runtime's destructor and
 * the model's (which unloads its kernels) run in either order, and the
 * device closes after both. */
void quill_cuda_hold_device(void);
void quill_cuda_drop_device(void);

/* Called when the runtime is unloaded: destroys the stream and events and
 * releases the context once no kernel module holds the device. */
void quill_cuda_close_device(void);

/* "CUDA_ERROR_NAME (code)" for messages. */
const char *quill_cuda_error_name(CUresult result);

#endif /* QUILL_RUNTIME_CUDA_DRIVER_H */
