/*===- Execute.c - Running a GPU model: staging and synchronization ------===*\
|*                                                                            *|
|* quill_run hands over host buffers; the generated code works on device     *|
|* memory. Inputs are copied to pooled device buffers, the entry point       *|
|* queues the model's kernels on the device's stream, and after one          *|
|* synchronization the outputs are copied back, so a run whose kernels fail *|
|* writes no output. One lock serializes runs: the device state is shared.  *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "../Execute.h"
#include "CudaRuntime.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

static pthread_mutex_t runLock = PTHREAD_MUTEX_INITIALIZER;
static int runFailed;
static char runError[1024];
static _Thread_local double lastRunDeviceMs = -1.0;

double quill_execute_device_ms(void) { return lastRunDeviceMs; }

void quill_cuda_fail(const char *format, ...) {
  if (runFailed)
    return;
  runFailed = 1;
  va_list args;
  va_start(args, format);
  vsnprintf(runError, sizeof(runError), format, args);
  va_end(args);
}

int quill_cuda_failed(void) { return runFailed; }

/* Copies inputs in, runs, synchronizes and copies outputs out. */
static void runOnDevice(const quill_model_descriptor *model, void **buffers,
                        QuillCudaDevice *device) {
  QuillCudaDriver *cu = &device->driver;
  if (model->gpu_arch > device->computeCapability) {
    quill_cuda_fail("the kernels are compiled for sm_%d (--gpu-arch), but %s "
                    "is sm_%d",
                    model->gpu_arch, device->name, device->computeCapability);
    return;
  }
  CUresult result = cu->ctxSetCurrent(device->context);
  if (result != CUDA_SUCCESS) {
    quill_cuda_fail("making the CUDA context current failed: %s",
                    quill_cuda_error_name(result));
    return;
  }
  int32_t count = model->num_inputs + model->num_outputs;
  void *deviceBuffers[count + 1];
  for (int32_t i = 0; i < count; ++i) {
    const quill_tensor_descriptor *tensor =
        i < model->num_inputs ? &model->inputs[i]
                              : &model->outputs[i - model->num_inputs];
    deviceBuffers[i] = quill_cuda_alloc((int64_t)quill_tensor_bytes(tensor));
  }
  for (int32_t i = 0; i < model->num_inputs && !runFailed; ++i) {
    size_t bytes = quill_tensor_bytes(&model->inputs[i]);
    if (bytes &&
        (result = cu->memcpyHtoD((CUdeviceptr)(uintptr_t)deviceBuffers[i],
                                 buffers[i], bytes)) != CUDA_SUCCESS)
      quill_cuda_fail("copying input %d to the GPU failed: %s", i,
                      quill_cuda_error_name(result));
  }
  if (!runFailed) {
    cu->eventRecord(device->runStart, device->stream);
    model->entry(deviceBuffers);
    cu->eventRecord(device->runEnd, device->stream);
  }
  if (!runFailed &&
      (result = cu->streamSynchronize(device->stream)) != CUDA_SUCCESS)
    quill_cuda_fail("the model's kernels failed on %s: %s", device->name,
                    quill_cuda_error_name(result));
  float milliseconds = 0;
  if (!runFailed && cu->eventElapsedTime(&milliseconds, device->runStart,
                                         device->runEnd) == CUDA_SUCCESS)
    lastRunDeviceMs = milliseconds;
  for (int32_t i = 0; i < model->num_outputs && !runFailed; ++i) {
    int32_t slot = model->num_inputs + i;
    size_t bytes = quill_tensor_bytes(&model->outputs[i]);
    if (bytes &&
        (result = cu->memcpyDtoH(buffers[slot],
                                 (CUdeviceptr)(uintptr_t)deviceBuffers[slot],
                                 bytes)) != CUDA_SUCCESS)
      quill_cuda_fail("copying output %d from the GPU failed: %s", i,
                      quill_cuda_error_name(result));
  }
  for (int32_t i = 0; i < count; ++i)
    quill_cuda_free(deviceBuffers[i]);
}

quill_status quill_execute(const quill_model_descriptor *model, void **buffers,
                           char *message, size_t messageSize) {
  pthread_mutex_lock(&runLock);
  quill_status status = QUILL_OK;
  QuillCudaDevice *device = quill_cuda_open_device(message, messageSize);
  if (!device) {
    status = QUILL_ERROR_DEVICE;
  } else {
    runFailed = 0;
    runOnDevice(model, buffers, device);
    if (runFailed) {
      snprintf(message, messageSize, "%s", runError);
      status = QUILL_ERROR_DEVICE;
    }
  }
  pthread_mutex_unlock(&runLock);
  return status;
}

/* When the library is unloaded: its GPU memory goes back to the driver (the
 * exiting thread may not have run the model, so the context is made current
 * here too), then the device is closed. */
__attribute__((destructor)) static void releaseDevice(void) {
  QuillCudaDevice *device = quill_cuda_current_device();
  if (!device)
    return;
  device->driver.ctxSetCurrent(device->context);
  quill_cuda_release_memory();
  quill_cuda_close_device();
}
