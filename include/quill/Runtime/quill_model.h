/*===- quill_model.h - The C ABI of a model compiled by Quill -----*- C -*-===*\
|*                                                                            *|
|* A model compiled by `quill-compile` (a shared library) exports exactly    *|
|* the functions declared here. Loading and running one needs only this      *|
|* header and the C library: no MLIR, no LLVM, no Quill library.             *|
|*                                                                            *|
|* Shapes are static: the compiler binds every dimension. The caller owns    *|
|* every buffer, outputs included; `quill_run` checks the count, element     *|
|* type, rank and shape of every tensor before it touches any data.         *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef QUILL_RUNTIME_QUILL_MODEL_H
#define QUILL_RUNTIME_QUILL_MODEL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever a declaration below changes meaning. */
#define QUILL_ABI_VERSION 1

/* Element types; the values are ONNX's TensorProto.DataType codes. */
typedef enum quill_dtype {
  QUILL_DTYPE_UNDEFINED = 0,
  QUILL_DTYPE_FLOAT32 = 1,
  QUILL_DTYPE_UINT8 = 2,
  QUILL_DTYPE_INT8 = 3,
  QUILL_DTYPE_UINT16 = 4,
  QUILL_DTYPE_INT16 = 5,
  QUILL_DTYPE_INT32 = 6,
  QUILL_DTYPE_INT64 = 7,
  QUILL_DTYPE_BOOL = 9, /* one byte per element, 0 or 1 */
  QUILL_DTYPE_FLOAT16 = 10,
  QUILL_DTYPE_FLOAT64 = 11,
  QUILL_DTYPE_UINT32 = 12,
  QUILL_DTYPE_UINT64 = 13,
  QUILL_DTYPE_BFLOAT16 = 16,
  /* Small floats: one byte per element holding the value's bits (fp4 in
     the low four bits, not packed two per byte as ONNX stores it). */
  QUILL_DTYPE_FLOAT8E4M3FN = 17,
  QUILL_DTYPE_FLOAT8E5M2 = 19,
  QUILL_DTYPE_FLOAT4E2M1 = 23,
  QUILL_DTYPE_FLOAT8E8M0 = 24,
  /* Quill's own codes: ONNX has no fp6. */
  QUILL_DTYPE_FLOAT6E3M2 = 64,
  QUILL_DTYPE_FLOAT6E2M3 = 65
} quill_dtype;

typedef enum quill_status {
  QUILL_OK = 0,
  QUILL_ERROR_INPUT_COUNT = 1,  /* wrong number of inputs */
  QUILL_ERROR_OUTPUT_COUNT = 2, /* wrong number of outputs */
  QUILL_ERROR_DTYPE = 3,        /* a tensor's element type differs */
  QUILL_ERROR_RANK = 4,         /* a tensor's rank differs */
  QUILL_ERROR_SHAPE = 5,        /* a tensor's dimension differs */
  QUILL_ERROR_NULL_POINTER = 6, /* a tensor, its data or its shape is NULL */
  QUILL_ERROR_INDEX = 7,        /* a metadata query's index is out of range */
  QUILL_ERROR_DEVICE = 8 /* a GPU model: no driver or device, or it failed */
} quill_status;

/* A tensor passed to or from a model: dense, row-major, `rank` dims. */
typedef struct quill_tensor {
  void *data;
  quill_dtype dtype;
  int32_t rank;
  const int64_t *shape;
} quill_tensor;

/* The ABI version the library was compiled against (QUILL_ABI_VERSION). */
int32_t quill_abi_version(void);
/* The graph name of the ONNX model. */
const char *quill_model_name(void);

int32_t quill_num_inputs(void);
int32_t quill_num_outputs(void);

/* Metadata of input or output `index`: NULL / QUILL_DTYPE_UNDEFINED / -1
 * when the index is out of range. Names may be empty strings. The returned
 * pointers stay valid while the library is loaded. */
const char *quill_input_name(int32_t index);
quill_dtype quill_input_dtype(int32_t index);
int32_t quill_input_rank(int32_t index);
const int64_t *quill_input_shape(int32_t index);
const char *quill_output_name(int32_t index);
quill_dtype quill_output_dtype(int32_t index);
int32_t quill_output_rank(int32_t index);
const int64_t *quill_output_shape(int32_t index);

/* Runs the model. `inputs` and `outputs` are in the model's order; output
 * buffers are allocated by the caller with the shapes queried above. Inputs
 * are only read. On an error nothing is written and the message of
 * quill_last_error() names the tensor and what was wrong with it. */
quill_status quill_run(const quill_tensor *inputs, int32_t num_inputs,
                       quill_tensor *outputs, int32_t num_outputs);

/* The time the device spent on the calling thread's last successful
 * quill_run, in milliseconds: a GPU model's kernels, without the copies of
 * inputs and outputs. Negative for a model that runs on the host (its run
 * time is the call's). */
double quill_last_run_device_ms(void);

/* The message of the calling thread's last failed quill_run ("" if none). */
const char *quill_last_error(void);
/* A fixed description of a status code. */
const char *quill_status_string(quill_status status);

#ifdef __cplusplus
}
#endif

#endif /* QUILL_RUNTIME_QUILL_MODEL_H */
