/*===- fake_model.c - A hand-written stand-in for a compiled model -------===*\
|*                                                                            *|
|* Defines what quill-compile's object file defines, so the runtime, the     *|
|* tools and the Python bindings are tested without the compiler:            *|
|*   y        = x * 2 + k           float32 [2, 3]                           *|
|*   k_out:0  = k (by memrefCopy)   int64 [1]                                *|
|*   positive = x > 0               bool [2, 3]                              *|
|* with inputs x: float32 [2, 3] and k: int64 [1].                           *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "ModelDescriptor.h"
#include "quill/Runtime/quill_model.h"

typedef struct UnrankedMemRef {
  int64_t rank;
  void *descriptor;
} UnrankedMemRef;

typedef struct MemRef1D {
  void *allocated;
  void *aligned;
  int64_t offset;
  int64_t sizes[1];
  int64_t strides[1];
} MemRef1D;

/* Generated code reaches the runtime's memrefCopy the same way. */
void memrefCopy(int64_t elemSize, UnrankedMemRef *src, UnrankedMemRef *dst);

static void entry(void **buffers) {
  const float *x = buffers[0];
  int64_t *k = buffers[1];
  float *y = buffers[2];
  int64_t *kOut = buffers[3];
  _Bool *positive = buffers[4];
  for (int i = 0; i < 6; ++i) {
    y[i] = x[i] * 2 + (float)k[0];
    positive[i] = x[i] > 0;
  }
  MemRef1D src = {k, k, 0, {1}, {1}}, dst = {kOut, kOut, 0, {1}, {1}};
  UnrankedMemRef srcArg = {1, &src}, dstArg = {1, &dst};
  memrefCopy(sizeof(int64_t), &srcArg, &dstArg);
}

static const int64_t shape23[] = {2, 3};
static const int64_t shape1[] = {1};

static const quill_tensor_descriptor inputs[] = {
    {"x", QUILL_DTYPE_FLOAT32, 2, shape23},
    {"k", QUILL_DTYPE_INT64, 1, shape1},
};

static const quill_tensor_descriptor outputs[] = {
    {"y", QUILL_DTYPE_FLOAT32, 2, shape23},
    {"k_out:0", QUILL_DTYPE_INT64, 1, shape1},
    {"positive", QUILL_DTYPE_BOOL, 2, shape23},
};

__attribute__((visibility("hidden")))
const quill_model_descriptor quill_model_descriptor_v1 = {
    QUILL_ABI_VERSION, 2, 3, 0, "fake", inputs, outputs, entry};
