/*===- igemm_test.c - quill_igemm_s8 against an exact reference ---*- C -*-===*\
|*                                                                            *|
|* Every shape in every layout on every instruction set this CPU supports,    *|
|* with random bytes and with the extremes (-128, 127) that break saturating  *|
|* or sign-confused kernels, B as given (quill_igemm_s8) and packed ahead     *|
|* (quill_igemm_s8_packed); prints "N passed, N failed" and exits non-zero    *|
|* on any failure.                                                            *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "Igemm.h"

#include "quill/Runtime/IgemmLayout.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
  int64_t m, k, n;
} Shape;

static const Shape shapes[] = {
    {1, 1, 1},      {3, 5, 7},     {1, 4096, 1},   {14, 64, 32},
    {15, 65, 33},   {29, 127, 47}, {64, 784, 10},  {128, 256, 256},
    {33, 1030, 70}, {7, 2053, 19}, {20, 100, 600}, {100, 3, 100},
};

typedef enum { RowMajor, ColumnMajor, PaddedRows, Layouts } Layout;
static const char *const layoutNames[Layouts] = {"row-major", "col-major",
                                                 "padded"};

/* Elements sit at an offset inside the buffer, between guards. */
enum { Guard = 29 };
static const int32_t guardValue = 0x5A5A5A5A;

typedef enum { RandomBytes, Extremes, Fills } Fill;

static int8_t fillValue(Fill fill) {
  if (fill == Extremes)
    return rand() % 2 ? 127 : -128;
  return (int8_t)(rand() % 256 - 128);
}

static StridedMemRef2DI8 makeBytes(int64_t rows, int64_t cols, Layout layout,
                                   Fill fill) {
  int64_t rowStride = cols, colStride = 1;
  if (layout == ColumnMajor) {
    rowStride = 1;
    colStride = rows;
  } else if (layout == PaddedRows) {
    rowStride = cols + 5;
  }
  int64_t extent = (rows - 1) * rowStride + (cols - 1) * colStride + 1;
  int8_t *buffer = malloc((size_t)(extent + 2 * Guard));
  for (int64_t i = 0; i < extent + 2 * Guard; ++i)
    buffer[i] = 99;
  StridedMemRef2DI8 memref = {
      buffer, buffer, Guard, {rows, cols}, {rowStride, colStride}};
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      buffer[Guard + i * rowStride + j * colStride] = fillValue(fill);
  return memref;
}

static int8_t byteAt(const StridedMemRef2DI8 *m, int64_t i, int64_t j) {
  return m->aligned[m->offset + i * m->strides[0] + j * m->strides[1]];
}

/* C += A B through the packed entry: B packed whole, as the compiler packs
 * constant weights. */
static void multiplyPrepacked(StridedMemRef2DI8 *a, StridedMemRef2DI8 *b,
                              StridedMemRef2DI32 *c) {
  int64_t depth = b->sizes[0], columns = b->sizes[1];
  int64_t bytes = quillIgemmPackedBytes(depth, columns);
  int8_t *packed = malloc((size_t)bytes);
  int32_t *correction = malloc((size_t)columns * sizeof(int32_t));
  quillIgemmPackB(b->aligned + b->offset, b->strides[0], b->strides[1], depth,
                  columns, packed, correction);
  StridedMemRef1DI8 packedB = {packed, packed, 0, {bytes}, {1}};
  StridedMemRef1DI32 corrections = {correction, correction, 0, {columns}, {1}};
  _mlir_ciface_quill_igemm_s8_packed(a, &packedB, &corrections, c);
  free(packed);
  free(correction);
}

static bool runCase(Shape shape, Layout aLayout, Layout bLayout,
                    bool cColumnMajor, Fill fill, bool prepacked) {
  StridedMemRef2DI8 a = makeBytes(shape.m, shape.k, aLayout, fill);
  StridedMemRef2DI8 b = makeBytes(shape.k, shape.n, bLayout, fill);
  int64_t cSize = shape.m * shape.n;
  int32_t *cBuffer = malloc((size_t)(cSize + 2 * Guard) * sizeof(int32_t));
  for (int64_t i = 0; i < cSize + 2 * Guard; ++i)
    cBuffer[i] = guardValue;
  StridedMemRef2DI32 c = {
      cBuffer,
      cBuffer,
      Guard,
      {shape.m, shape.n},
      {cColumnMajor ? 1 : shape.n, cColumnMajor ? shape.m : 1}};
  /* C starts from known values: the kernel accumulates. */
  for (int64_t i = 0; i < shape.m; ++i)
    for (int64_t j = 0; j < shape.n; ++j)
      cBuffer[Guard + i * c.strides[0] + j * c.strides[1]] = (int32_t)(i - j);
  if (prepacked)
    multiplyPrepacked(&a, &b, &c);
  else
    _mlir_ciface_quill_igemm_s8(&a, &b, &c);
  bool ok = true;
  for (int64_t i = 0; i < shape.m && ok; ++i)
    for (int64_t j = 0; j < shape.n && ok; ++j) {
      int64_t expected = i - j;
      for (int64_t p = 0; p < shape.k; ++p)
        expected += (int64_t)byteAt(&a, i, p) * byteAt(&b, p, j);
      int32_t actual = cBuffer[Guard + i * c.strides[0] + j * c.strides[1]];
      if (actual != (int32_t)expected) {
        printf("  C[%lld][%lld] = %d, expected %lld\n", (long long)i,
               (long long)j, actual, (long long)expected);
        ok = false;
      }
    }
  for (int64_t i = 0; i < Guard; ++i)
    if (cBuffer[i] != guardValue || cBuffer[Guard + cSize + i] != guardValue)
      ok = false;
  free(a.allocated);
  free(b.allocated);
  free(cBuffer);
  return ok;
}

int main(void) {
  static const struct {
    QuillIgemmIsa isa;
    const char *name;
  } isas[] = {{QUILL_IGEMM_ISA_SCALAR, "scalar"},
              {QUILL_IGEMM_ISA_AVX2, "avx2"},
              {QUILL_IGEMM_ISA_AVX512_VNNI, "avx512-vnni"}};
  int passed = 0, failed = 0;
  srand(7);
  for (unsigned s = 0; s < sizeof(isas) / sizeof(isas[0]); ++s) {
    if (!quill_igemm_set_isa(isas[s].isa)) {
      printf("%s: not supported here, skipped\n", isas[s].name);
      continue;
    }
    for (unsigned i = 0; i < sizeof(shapes) / sizeof(shapes[0]); ++i)
      for (int al = 0; al < Layouts; ++al)
        for (int bl = 0; bl < Layouts; ++bl)
          for (int cc = 0; cc < 2; ++cc)
            for (int fill = RandomBytes; fill < Fills; ++fill)
              for (int pre = 0; pre < 2; ++pre) {
                if (runCase(shapes[i], al, bl, cc, fill, pre)) {
                  ++passed;
                  continue;
                }
                ++failed;
                printf("FAIL %s %lldx%lldx%lld A %s B %s%s C %s %s\n",
                       isas[s].name, (long long)shapes[i].m,
                       (long long)shapes[i].k, (long long)shapes[i].n,
                       layoutNames[al], layoutNames[bl],
                       pre ? " prepacked" : "", cc ? "col-major" : "row-major",
                       fill == Extremes ? "extremes" : "random");
              }
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed != 0;
}
