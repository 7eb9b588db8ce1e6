/*===- HostExecute.c - Running a CPU model on the caller's buffers -------===*\
|*                                                                            *|
|* The CPU code reads and writes host memory, so the entry point runs on     *|
|* the caller's buffers directly and cannot fail once they are checked.      *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "Execute.h"

/* The host's time is the call's: nothing to report apart. */
double quill_execute_device_ms(void) { return -1.0; }

quill_status quill_execute(const quill_model_descriptor *model, void **buffers,
                           char *message, size_t messageSize) {
  (void)message;
  (void)messageSize;
  model->entry(buffers);
  return QUILL_OK;
}
