/*===- abi_check.c - Calls quill_model.h of fake_model.c's model ---------===*\
|*                                                                            *|
|* Prints what the metadata queries answer and the status and message of     *|
|* quill_run for good and malformed arguments; abi.test checks the lines.    *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "quill/Runtime/quill_model.h"

#include <pthread.h>
#include <stdio.h>

static float x[6] = {-1.5f, 0, 0.25f, 1, 2, 3.5f};
static int64_t k[1] = {3};
static float y[6];
static int64_t kOut[1];
static _Bool positive[6];
static const int64_t shape23[] = {2, 3}, shape1[] = {1}, shape32[] = {3, 2};

static quill_tensor inputs[2], outputs[3];

static void reset(void) {
  quill_tensor in[] = {{x, QUILL_DTYPE_FLOAT32, 2, shape23},
                       {k, QUILL_DTYPE_INT64, 1, shape1}};
  quill_tensor out[] = {{y, QUILL_DTYPE_FLOAT32, 2, shape23},
                        {kOut, QUILL_DTYPE_INT64, 1, shape1},
                        {positive, QUILL_DTYPE_BOOL, 2, shape23}};
  for (int i = 0; i < 2; ++i)
    inputs[i] = in[i];
  for (int i = 0; i < 3; ++i)
    outputs[i] = out[i];
  for (int i = 0; i < 6; ++i)
    y[i] = -99;
}

static void report(const char *what, quill_status status) {
  printf("%s: %d %s: %s\n", what, status, quill_status_string(status),
         quill_last_error());
}

static void printTensor(const char *kind, int32_t i, const char *name,
                        quill_dtype dtype, int32_t rank, const int64_t *shape) {
  printf("%s %d: %s dtype=%d rank=%d shape=", kind, i, name ? name : "(null)",
         dtype, rank);
  for (int32_t d = 0; d < rank; ++d)
    printf("%lld ", (long long)shape[d]);
  printf("%s\n", shape ? "" : "(null)");
}

static void *failInThread(void *unused) {
  quill_run(inputs, 1, outputs, 3);
  printf("thread: %s\n", quill_last_error());
  return NULL;
}

int main(void) {
  printf("abi=%d name=%s inputs=%d outputs=%d\n", quill_abi_version(),
         quill_model_name(), quill_num_inputs(), quill_num_outputs());
  for (int32_t i = -1; i <= quill_num_inputs(); ++i)
    printTensor("input", i, quill_input_name(i), quill_input_dtype(i),
                quill_input_rank(i), quill_input_shape(i));
  for (int32_t i = -1; i <= quill_num_outputs(); ++i)
    printTensor("output", i, quill_output_name(i), quill_output_dtype(i),
                quill_output_rank(i), quill_output_shape(i));
  printf("last error before any run: '%s'\n", quill_last_error());

  reset();
  report("ok", quill_run(inputs, 2, outputs, 3));
  printf("y=%g %g %g %g %g %g k_out=%lld positive=%d%d%d%d%d%d\n", y[0], y[1],
         y[2], y[3], y[4], y[5], (long long)kOut[0], positive[0], positive[1],
         positive[2], positive[3], positive[4], positive[5]);

  reset();
  report("too few inputs", quill_run(inputs, 1, outputs, 3));
  report("too many outputs", quill_run(inputs, 2, outputs, 4));
  report("null inputs", quill_run(NULL, 2, outputs, 3));
  report("null outputs", quill_run(inputs, 2, NULL, 3));
  inputs[1].dtype = QUILL_DTYPE_FLOAT32;
  report("dtype", quill_run(inputs, 2, outputs, 3));
  reset();
  inputs[0].rank = 1;
  report("rank", quill_run(inputs, 2, outputs, 3));
  reset();
  inputs[0].shape = shape32;
  report("shape", quill_run(inputs, 2, outputs, 3));
  reset();
  inputs[0].shape = NULL;
  report("null shape", quill_run(inputs, 2, outputs, 3));
  reset();
  inputs[1].data = NULL;
  report("null data", quill_run(inputs, 2, outputs, 3));
  /* A bad output is found before the model writes any output. */
  reset();
  outputs[2].dtype = QUILL_DTYPE_UINT8;
  report("output dtype", quill_run(inputs, 2, outputs, 3));
  printf("y after a failed run: %g\n", y[0]);
  reset();
  outputs[1].shape = shape23;
  outputs[1].rank = 2;
  report("output rank", quill_run(inputs, 2, outputs, 3));

  /* The message is the thread's: another thread's failure leaves it. */
  pthread_t thread;
  pthread_create(&thread, NULL, failInThread, NULL);
  pthread_join(thread, NULL);
  printf("main: %s\n", quill_last_error());
  /* It is the last failure's: a successful run keeps it. */
  reset();
  report("ok again", quill_run(inputs, 2, outputs, 3));

  for (int status = 0; status <= 9; ++status)
    printf("status %d: %s\n", status, quill_status_string(status));
  /* A CPU model has no device time apart from the call's. */
  printf("device time: %s\n",
         quill_last_run_device_ms() < 0 ? "none (host)" : "reported");
  return 0;
}
