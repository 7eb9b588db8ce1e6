/*===- Execute.h - How a checked quill_run reaches the compiled code -*- C
-*-===*\
|*                                                                            *|
|* Model.c checks every tensor of a quill_run call, then hands the buffers   *|
|* to quill_execute. Each target's runtime archive links its own: the CPU    *|
|* one calls the entry point on the caller's buffers, the CUDA one stages    *|
|* them through GPU memory around it.                                        *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef QUILL_RUNTIME_EXECUTE_H
#define QUILL_RUNTIME_EXECUTE_H

#include "ModelDescriptor.h"
#include "quill/Runtime/quill_model.h"

#include <stddef.h>

/* Runs `model` on `buffers` (inputs, then outputs, in host memory, already
 * checked against the descriptor). On failure writes a message to `message`
 * (`messageSize` bytes) and leaves the outputs unwritten. */
quill_status quill_execute(const quill_model_descriptor *model, void **buffers,
                           char *message, size_t messageSize);

/* quill_last_run_device_ms for this target. */
double quill_execute_device_ms(void);

/* The size in bytes of a tensor of `tensor`'s type and shape. */
size_t quill_tensor_bytes(const quill_tensor_descriptor *tensor);

#endif /* QUILL_RUNTIME_EXECUTE_H */
