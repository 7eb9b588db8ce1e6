/*===- HostExecute.c - Running a CPU model on the caller's buffers -------===*\
|*                                                                            *|
|* The CPU code reads and writes host memory, so the entry point runs on     *|
|* the caller's buffers directly and cannot fail once they are checked.      *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "Execute.h"

quill_status quill_execute(const quill_model_descriptor *model, void **buffers,
                           char *message, size_t messageSize) {
  (void)message;
  (void)messageSize;
  model->entry(buffers);
  return QUILL_OK;
}
