/*===- Model.c - quill_model.h over the generated model descriptor -------===*\
|*                                                                            *|
|* Linked into every compiled model: answers the metadata queries from       *|
|* `quill_model_descriptor_v1` and checks every tensor handed to quill_run   *|
|* before the generated code sees a pointer, so a caller's mistake is a      *|
|* status and a message rather than a wild read or write.                    *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "Execute.h"

#include <stdarg.h>
#include <stdio.h>

/* Built with -fvisibility=hidden: only the ABI leaves the model library. */
#define QUILL_EXPORT __attribute__((visibility("default")))

static _Thread_local char lastError[1024];

__attribute__((format(printf, 2, 3))) static quill_status
fail(quill_status status, const char *format, ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(lastError, sizeof(lastError), format, args);
  va_end(args);
  return status;
}

static size_t dtypeBytes(int32_t dtype) {
  switch (dtype) {
  case QUILL_DTYPE_UINT8:
  case QUILL_DTYPE_INT8:
  case QUILL_DTYPE_BOOL:
  case QUILL_DTYPE_FLOAT8E4M3FN:
  case QUILL_DTYPE_FLOAT8E5M2:
  case QUILL_DTYPE_FLOAT4E2M1:
  case QUILL_DTYPE_FLOAT8E8M0:
  case QUILL_DTYPE_FLOAT6E3M2:
  case QUILL_DTYPE_FLOAT6E2M3:
    return 1;
  case QUILL_DTYPE_UINT16:
  case QUILL_DTYPE_INT16:
  case QUILL_DTYPE_FLOAT16:
  case QUILL_DTYPE_BFLOAT16:
    return 2;
  case QUILL_DTYPE_FLOAT32:
  case QUILL_DTYPE_INT32:
  case QUILL_DTYPE_UINT32:
    return 4;
  case QUILL_DTYPE_INT64:
  case QUILL_DTYPE_FLOAT64:
  case QUILL_DTYPE_UINT64:
    return 8;
  default:
    return 0;
  }
}

size_t quill_tensor_bytes(const quill_tensor_descriptor *tensor) {
  size_t bytes = dtypeBytes(tensor->dtype);
  for (int32_t d = 0; d < tensor->rank; ++d)
    bytes *= (size_t)tensor->shape[d];
  return bytes;
}

static const char *dtypeName(int32_t dtype) {
  switch (dtype) {
  case QUILL_DTYPE_FLOAT32:
    return "float32";
  case QUILL_DTYPE_UINT8:
    return "uint8";
  case QUILL_DTYPE_INT8:
    return "int8";
  case QUILL_DTYPE_UINT16:
    return "uint16";
  case QUILL_DTYPE_INT16:
    return "int16";
  case QUILL_DTYPE_INT32:
    return "int32";
  case QUILL_DTYPE_INT64:
    return "int64";
  case QUILL_DTYPE_BOOL:
    return "bool";
  case QUILL_DTYPE_FLOAT16:
    return "float16";
  case QUILL_DTYPE_FLOAT64:
    return "float64";
  case QUILL_DTYPE_UINT32:
    return "uint32";
  case QUILL_DTYPE_UINT64:
    return "uint64";
  case QUILL_DTYPE_BFLOAT16:
    return "bfloat16";
  case QUILL_DTYPE_FLOAT8E4M3FN:
    return "float8e4m3fn";
  case QUILL_DTYPE_FLOAT8E5M2:
    return "float8e5m2";
  case QUILL_DTYPE_FLOAT4E2M1:
    return "float4e2m1";
  case QUILL_DTYPE_FLOAT8E8M0:
    return "float8e8m0";
  case QUILL_DTYPE_FLOAT6E3M2:
    return "float6e3m2";
  case QUILL_DTYPE_FLOAT6E2M3:
    return "float6e2m3";
  default:
    return "undefined";
  }
}

/* The generator may leave an empty name NULL; the ABI promises a string. */
static const char *nameOf(const char *name) { return name ? name : ""; }

static const quill_model_descriptor *model(void) {
  return &quill_model_descriptor_v1;
}

static const quill_tensor_descriptor *inputAt(int32_t index) {
  if (index < 0 || index >= model()->num_inputs)
    return NULL;
  return &model()->inputs[index];
}

static const quill_tensor_descriptor *outputAt(int32_t index) {
  if (index < 0 || index >= model()->num_outputs)
    return NULL;
  return &model()->outputs[index];
}

QUILL_EXPORT int32_t quill_abi_version(void) { return QUILL_ABI_VERSION; }

QUILL_EXPORT const char *quill_model_name(void) {
  return nameOf(model()->name);
}

QUILL_EXPORT int32_t quill_num_inputs(void) { return model()->num_inputs; }

QUILL_EXPORT int32_t quill_num_outputs(void) { return model()->num_outputs; }

QUILL_EXPORT const char *quill_input_name(int32_t index) {
  const quill_tensor_descriptor *t = inputAt(index);
  return t ? nameOf(t->name) : NULL;
}

QUILL_EXPORT quill_dtype quill_input_dtype(int32_t index) {
  const quill_tensor_descriptor *t = inputAt(index);
  return t ? (quill_dtype)t->dtype : QUILL_DTYPE_UNDEFINED;
}

QUILL_EXPORT int32_t quill_input_rank(int32_t index) {
  const quill_tensor_descriptor *t = inputAt(index);
  return t ? t->rank : -1;
}

QUILL_EXPORT const int64_t *quill_input_shape(int32_t index) {
  const quill_tensor_descriptor *t = inputAt(index);
  return t ? t->shape : NULL;
}

QUILL_EXPORT const char *quill_output_name(int32_t index) {
  const quill_tensor_descriptor *t = outputAt(index);
  return t ? nameOf(t->name) : NULL;
}

QUILL_EXPORT quill_dtype quill_output_dtype(int32_t index) {
  const quill_tensor_descriptor *t = outputAt(index);
  return t ? (quill_dtype)t->dtype : QUILL_DTYPE_UNDEFINED;
}

QUILL_EXPORT int32_t quill_output_rank(int32_t index) {
  const quill_tensor_descriptor *t = outputAt(index);
  return t ? t->rank : -1;
}

QUILL_EXPORT const int64_t *quill_output_shape(int32_t index) {
  const quill_tensor_descriptor *t = outputAt(index);
  return t ? t->shape : NULL;
}

/* Checks `actual` against `expected`; `kind` and `index` name it. */
static quill_status checkTensor(const char *kind, int32_t index,
                                const quill_tensor *actual,
                                const quill_tensor_descriptor *expected) {
  const char *name = nameOf(expected->name);
  if ((int32_t)actual->dtype != expected->dtype)
    return fail(QUILL_ERROR_DTYPE,
                "%s %d ('%s'): expected element type %s, got %s", kind, index,
                name, dtypeName(expected->dtype), dtypeName(actual->dtype));
  if (actual->rank != expected->rank)
    return fail(QUILL_ERROR_RANK, "%s %d ('%s'): expected rank %d, got %d",
                kind, index, name, expected->rank, actual->rank);
  if (actual->rank > 0 && !actual->shape)
    return fail(QUILL_ERROR_NULL_POINTER, "%s %d ('%s'): shape is NULL", kind,
                index, name);
  for (int32_t d = 0; d < actual->rank; ++d)
    if (actual->shape[d] != expected->shape[d])
      return fail(QUILL_ERROR_SHAPE,
                  "%s %d ('%s'): dimension %d is %lld, expected %lld", kind,
                  index, name, d, (long long)actual->shape[d],
                  (long long)expected->shape[d]);
  if (!actual->data)
    return fail(QUILL_ERROR_NULL_POINTER, "%s %d ('%s'): data is NULL", kind,
                index, name);
  return QUILL_OK;
}

QUILL_EXPORT quill_status quill_run(const quill_tensor *inputs,
                                    int32_t num_inputs, quill_tensor *outputs,
                                    int32_t num_outputs) {
  const quill_model_descriptor *m = model();
  if (num_inputs != m->num_inputs)
    return fail(QUILL_ERROR_INPUT_COUNT, "expected %d input%s, got %d",
                m->num_inputs, m->num_inputs == 1 ? "" : "s", num_inputs);
  if (num_outputs != m->num_outputs)
    return fail(QUILL_ERROR_OUTPUT_COUNT, "expected %d output%s, got %d",
                m->num_outputs, m->num_outputs == 1 ? "" : "s", num_outputs);
  if (num_inputs > 0 && !inputs)
    return fail(QUILL_ERROR_NULL_POINTER, "inputs is NULL");
  if (num_outputs > 0 && !outputs)
    return fail(QUILL_ERROR_NULL_POINTER, "outputs is NULL");

  for (int32_t i = 0; i < num_inputs; ++i) {
    quill_status status = checkTensor("input", i, &inputs[i], &m->inputs[i]);
    if (status != QUILL_OK)
      return status;
  }
  for (int32_t i = 0; i < num_outputs; ++i) {
    quill_status status = checkTensor("output", i, &outputs[i], &m->outputs[i]);
    if (status != QUILL_OK)
      return status;
  }

  /* One spare slot: a model without tensors still gets a valid array. */
  void *buffers[num_inputs + num_outputs + 1];
  for (int32_t i = 0; i < num_inputs; ++i)
    buffers[i] = inputs[i].data;
  for (int32_t i = 0; i < num_outputs; ++i)
    buffers[num_inputs + i] = outputs[i].data;
  return quill_execute(m, buffers, lastError, sizeof(lastError));
}

QUILL_EXPORT double quill_last_run_device_ms(void) {
  return quill_execute_device_ms();
}

QUILL_EXPORT const char *quill_last_error(void) { return lastError; }

QUILL_EXPORT const char *quill_status_string(quill_status status) {
  switch (status) {
  case QUILL_OK:
    return "success";
  case QUILL_ERROR_INPUT_COUNT:
    return "wrong number of inputs";
  case QUILL_ERROR_OUTPUT_COUNT:
    return "wrong number of outputs";
  case QUILL_ERROR_DTYPE:
    return "wrong element type";
  case QUILL_ERROR_RANK:
    return "wrong rank";
  case QUILL_ERROR_SHAPE:
    return "wrong shape";
  case QUILL_ERROR_NULL_POINTER:
    return "null pointer";
  case QUILL_ERROR_INDEX:
    return "index out of range";
  case QUILL_ERROR_DEVICE:
    return "device error";
  }
  return "unknown status";
}
