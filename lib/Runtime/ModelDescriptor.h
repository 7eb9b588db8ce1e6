/*===- ModelDescriptor.h - What generated code tells the runtime --*- C -*-===*\
|*                                                                            *|
|* The contract between the object quill-compile generates and the runtime   *|
|* library linked beside it: the generated object defines one hidden         *|
|* `quill_model_descriptor`; the runtime implements quill_model.h over it.   *|
|* The CPU code generator (lib/Target/CPU) builds these structs in LLVM IR,  *|
|* so their layout must not change without changing it too.                 *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef QUILL_RUNTIME_MODELDESCRIPTOR_H
#define QUILL_RUNTIME_MODELDESCRIPTOR_H

#include <stdint.h>

/* LLVM type: { ptr, i32, i32, ptr } */
typedef struct quill_tensor_descriptor {
  const char *name;
  int32_t dtype; /* quill_dtype */
  int32_t rank;
  const int64_t *shape;
} quill_tensor_descriptor;

/* LLVM type: { i32, i32, i32, i32, ptr, ptr, ptr, ptr } */
typedef struct quill_model_descriptor {
  int32_t abi_version;
  int32_t num_inputs;
  int32_t num_outputs;
  /* A GPU model's --gpu-arch (80 for sm_80); 0 for a CPU model or a GPU
   * model without kernels. */
  int32_t gpu_arch;
  const char *name;
  const quill_tensor_descriptor *inputs;
  const quill_tensor_descriptor *outputs;
  /* The compiled graph: `buffers` holds the data pointers of the inputs, then
   * of the outputs, all dense row-major with the descriptors' shapes. */
  void (*entry)(void **buffers);
} quill_model_descriptor;

extern const quill_model_descriptor quill_model_descriptor_v1;

#endif /* QUILL_RUNTIME_MODELDESCRIPTOR_H */
