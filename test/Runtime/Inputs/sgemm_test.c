/*===- sgemm_test.c - quill_sgemm against a double reference ------*- C -*-===*\
|*                                                                            *|
|* Every shape in every layout on every instruction set this CPU supports;    *|
|* prints "N passed, N failed" and exits non-zero on any failure.             *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

/* Build and run from the repository root:
 *   clang-22 -O3 -std=c11 -fPIC lib/Runtime/Kernels/Sgemm.c \
 *       test/Runtime/Inputs/sgemm_test.c -Ilib/Runtime/Kernels \
 *       -o /tmp/sgemm_test -lm && /tmp/sgemm_test
 * Add -g -fsanitize=address,undefined to catch reads and writes out of
 * bounds. */

#include "Sgemm.h"

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  int64_t m, k, n;
} Shape;

static const Shape shapes[] = {
    /* Below the packing threshold. */
    {1, 1, 1},
    {1, 1, 7},
    {7, 13, 5},
    {1, 100, 1},
    {3, 1, 9},
    /* Packed, with edge tiles in every direction. */
    {33, 65, 17},
    {14, 256, 32},
    {15, 257, 33},
    {1, 257, 64},
    {64, 100, 1},
    {200, 300, 1},
    {5, 300, 2},
    {100, 1, 100},
    {40, 50, 18},
    {130, 257, 49},
    {257, 511, 130},
    /* Several depth and column blocks. */
    {20, 600, 1100},
    /* A row stride of 4 KiB: A is copied rather than read in place. */
    {30, 1024, 40},
    /* Tall and skinny. */
    {1000, 40, 3},
    {3, 40, 1000},
    /* A row stride of 4 KiB for B. */
    {20, 300, 1024},
};

/* How an operand is laid out in memory. */
typedef enum {
  RowMajor,
  ColumnMajor,
  PaddedRows,    /* row-major with a row stride wider than the row */
  ReversedRows,  /* row-major, last row first: a negative row stride */
  BroadcastRows, /* one row repeated: a zero row stride; inputs only */
  Layouts,
} Layout;

static const char *const layoutNames[Layouts] = {
    "row-major", "col-major", "padded", "reversed", "broadcast"};

/* An operand with its memref descriptor; the data sits at a non-zero offset
 * inside the allocation, between guard values that must stay untouched. */
typedef struct {
  float *buffer;
  int64_t bufferSize;
  StridedMemRef2D memref;
} Operand;

enum { GuardFloats = 37 };
static const float guardValue = 1234.5f;

static float randomFloat(void) {
  return (float)rand() / (float)RAND_MAX * 2.0f - 1.0f;
}

static Operand makeOperand(int64_t rows, int64_t cols, Layout layout) {
  int64_t rowStride = cols, colStride = 1, extent = rows * cols;
  int64_t offset = GuardFloats;
  if (layout == ColumnMajor) {
    rowStride = 1;
    colStride = rows;
  } else if (layout == PaddedRows) {
    rowStride = cols + 3;
    extent = rows * rowStride;
  } else if (layout == ReversedRows) {
    rowStride = -cols;
    offset += (rows - 1) * cols;
  } else if (layout == BroadcastRows) {
    rowStride = 0;
    extent = cols;
  }
  Operand operand;
  operand.bufferSize = extent + 2 * GuardFloats;
  operand.buffer = malloc((size_t)operand.bufferSize * sizeof(float));
  for (int64_t i = 0; i < operand.bufferSize; ++i)
    operand.buffer[i] = guardValue;
  StridedMemRef2D memref = {operand.buffer,
                            operand.buffer,
                            offset,
                            {rows, cols},
                            {rowStride, colStride}};
  operand.memref = memref;
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      operand.buffer[offset + i * rowStride + j * colStride] = randomFloat();
  return operand;
}

static float element(const Operand *operand, int64_t i, int64_t j) {
  const StridedMemRef2D *memref = &operand->memref;
  return memref->aligned[memref->offset + i * memref->strides[0] +
                         j * memref->strides[1]];
}

/* Whether every float outside the operand's elements still holds the guard
 * value. */
static bool guardsIntact(const Operand *operand) {
  const StridedMemRef2D *memref = &operand->memref;
  bool *inside = calloc((size_t)operand->bufferSize, sizeof(bool));
  for (int64_t i = 0; i < memref->sizes[0]; ++i)
    for (int64_t j = 0; j < memref->sizes[1]; ++j)
      inside[memref->offset + i * memref->strides[0] + j * memref->strides[1]] =
          true;
  bool intact = true;
  for (int64_t i = 0; i < operand->bufferSize; ++i)
    if (!inside[i] && operand->buffer[i] != guardValue)
      intact = false;
  free(inside);
  return intact;
}

/* Runs C += A B once and compares with a double-precision reference. The
 * error allowed for each element is the standard bound for a K-term sum,
 * (K + 2) * epsilon * (|C0| + sum |a| |b|), times a safety factor of 2. */
static bool runCase(const Shape *shape, Layout layoutA, Layout layoutB,
                    Layout layoutC) {
  Operand a = makeOperand(shape->m, shape->k, layoutA);
  Operand b = makeOperand(shape->k, shape->n, layoutB);
  Operand c = makeOperand(shape->m, shape->n, layoutC);
  int64_t cells = shape->m * shape->n;
  double *expected = malloc((size_t)cells * sizeof(double));
  double *bound = malloc((size_t)cells * sizeof(double));
  for (int64_t i = 0; i < shape->m; ++i)
    for (int64_t j = 0; j < shape->n; ++j) {
      double sum = element(&c, i, j), magnitude = fabs(sum);
      for (int64_t p = 0; p < shape->k; ++p) {
        double product = (double)element(&a, i, p) * element(&b, p, j);
        sum += product;
        magnitude += fabs(product);
      }
      expected[i * shape->n + j] = sum;
      bound[i * shape->n + j] =
          2.0 * (double)(shape->k + 2) * FLT_EPSILON * magnitude;
    }

  _mlir_ciface_quill_sgemm(&a.memref, &b.memref, &c.memref);

  bool passed = guardsIntact(&c);
  double worst = 0.0;
  for (int64_t i = 0; i < shape->m; ++i)
    for (int64_t j = 0; j < shape->n; ++j) {
      double error = fabs(element(&c, i, j) - expected[i * shape->n + j]);
      if (!(error <= bound[i * shape->n + j])) {
        passed = false;
        if (error > worst || error != error)
          worst = error;
      }
    }
  if (!passed)
    printf("FAIL %lldx%lldx%lld A %s, B %s, C %s: worst error %g%s\n",
           (long long)shape->m, (long long)shape->k, (long long)shape->n,
           layoutNames[layoutA], layoutNames[layoutB], layoutNames[layoutC],
           worst, guardsIntact(&c) ? "" : ", wrote outside C");
  free(expected);
  free(bound);
  free(a.buffer);
  free(b.buffer);
  free(c.buffer);
  return passed;
}

int main(void) {
  static const struct {
    const char *name;
    QuillSgemmIsa isa;
  } isas[] = {{"scalar", QUILL_SGEMM_ISA_SCALAR},
              {"avx2", QUILL_SGEMM_ISA_AVX2},
              {"avx512", QUILL_SGEMM_ISA_AVX512}};
  int passed = 0, failed = 0;
  srand(1);
  for (size_t i = 0; i < sizeof(isas) / sizeof(isas[0]); ++i) {
    if (!quill_sgemm_set_isa(isas[i].isa)) {
      printf("skipping %s: not supported by this CPU\n", isas[i].name);
      continue;
    }
    int failedBefore = failed;
    for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); ++s)
      for (int layoutA = 0; layoutA < Layouts; ++layoutA)
        for (int layoutB = 0; layoutB < Layouts; ++layoutB)
          for (int layoutC = 0; layoutC < BroadcastRows; ++layoutC) {
            if (runCase(&shapes[s], layoutA, layoutB, layoutC))
              ++passed;
            else
              ++failed;
          }
    printf("%s: %s\n", isas[i].name, failed == failedBefore ? "ok" : "FAILED");
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
