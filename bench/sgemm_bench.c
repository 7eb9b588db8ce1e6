/*===- sgemm_bench.c - Throughput of quill_sgemm on NN shapes -----*- C -*-===*\
|*                                                                            *|
|* Times C += A B on the shapes of sgemm's neural-network callers, once per   *|
|* instruction set, and prints GFLOP/s and the fraction of the FMA peak.      *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

/* Build and run from the repository root, pinned to one core:
 *   clang-22 -O3 -std=c11 -fPIC lib/Runtime/Kernels/Sgemm*.c \
 *       bench/sgemm_bench.c -Ilib/Runtime/Kernels -o /tmp/sgemm_bench -lm
 *   taskset -c 1 /tmp/sgemm_bench [all|scalar|avx2|avx512] [peak GFLOP/s]
 * "all", the default, times every instruction set this CPU runs. The peak,
 * 151 unless given, is one core's fp32 FMA rate: bench/peak.c measures it
 * (117.5 on an AMD EPYC Zen 4, 274 on a Zen 5). "best" is the figure to
 * compare; the median shows how noisy the machine was. */

#define _POSIX_C_SOURCE 199309L

#include "Sgemm.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
  const char *label;
  int64_t m, k, n;
  /* B stored as its transpose, N x K row-major, as ONNX Gemm with transB=1
   * (a PyTorch Linear layer) hands it over. */
  bool transposedB;
} Shape;

static const Shape shapes[] = {
    {"square 512", 512, 512, 512, false},
    {"square 1024", 1024, 1024, 1024, false},
    {"MLP 784->1024, batch 64", 64, 784, 1024, false},
    {"  same, B transposed", 64, 784, 1024, true},
    {"MLP 256->256, batch 128", 128, 256, 256, false},
    {"MLP 256->1024, batch 128", 128, 256, 1024, false},
    {"conv 3x3 64ch 56x56", 64, 576, 3136, false},
    {"conv 3x3 512ch 7x7", 512, 4608, 49, false},
};

static double seconds(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)now.tv_sec + 1e-9 * (double)now.tv_nsec;
}

static int compareDoubles(const void *lhs, const void *rhs) {
  double a = *(const double *)lhs, b = *(const double *)rhs;
  return (a > b) - (a < b);
}

static float *randomMatrix(int64_t rows, int64_t cols) {
  float *data = aligned_alloc(64, (size_t)(rows * cols) * sizeof(float) + 64);
  for (int64_t i = 0; i < rows * cols; ++i)
    data[i] = (float)rand() / (float)RAND_MAX - 0.5f;
  return data;
}

static StridedMemRef2D rowMajor(float *data, int64_t rows, int64_t cols) {
  StridedMemRef2D memref = {data, data, 0, {rows, cols}, {cols, 1}};
  return memref;
}

enum { Repetitions = 15 };

static void benchmark(const char *isaName, const Shape *shape, double peak) {
  float *a = randomMatrix(shape->m, shape->k);
  float *b = randomMatrix(shape->k, shape->n);
  float *c = randomMatrix(shape->m, shape->n);
  StridedMemRef2D memA = rowMajor(a, shape->m, shape->k);
  StridedMemRef2D memB = rowMajor(b, shape->k, shape->n);
  if (shape->transposedB) {
    memB.strides[0] = 1;
    memB.strides[1] = shape->k;
  }
  StridedMemRef2D memC = rowMajor(c, shape->m, shape->n);
  double flops = 2.0 * (double)shape->m * (double)shape->n * (double)shape->k;
  /* Each sample repeats the call for at least 20 ms so short shapes are not
   * dominated by timer resolution; the first sample warms caches and pages. */
  int callsPerSample = 1 + (int)(20e-3 * peak * 1e9 / flops);
  double samples[Repetitions + 1];
  for (int r = 0; r <= Repetitions; ++r) {
    double start = seconds();
    for (int call = 0; call < callsPerSample; ++call)
      _mlir_ciface_quill_sgemm(&memA, &memB, &memC);
    samples[r] = (seconds() - start) / callsPerSample;
  }
  qsort(samples + 1, Repetitions, sizeof(double), compareDoubles);
  double best = flops / samples[1] * 1e-9;
  double median = flops / samples[1 + Repetitions / 2] * 1e-9;
  printf("%-7s %-26s %5lld %5lld %5lld  %6.1f  %6.1f   %5.1f%%\n", isaName,
         shape->label, (long long)shape->m, (long long)shape->k,
         (long long)shape->n, best, median, 100.0 * best / peak);
  free(a);
  free(b);
  free(c);
}

int main(int argc, char **argv) {
  static const struct {
    const char *name;
    QuillSgemmIsa isa;
  } isas[] = {{"avx512", QUILL_SGEMM_ISA_AVX512},
              {"avx2", QUILL_SGEMM_ISA_AVX2},
              {"scalar", QUILL_SGEMM_ISA_SCALAR}};
  const char *only = argc > 1 && strcmp(argv[1], "all") ? argv[1] : NULL;
  double peak = argc > 2 ? atof(argv[2]) : 151.0;
  printf("%-7s %-26s %5s %5s %5s  %6s  %6s   %s\n", "isa", "shape", "M", "K",
         "N", "best", "median", "of peak");
  printf("%-7s %-26s %5s %5s %5s  %6s  %6s   (%.0f GFLOP/s)\n", "", "", "", "",
         "", "GFLOP/s", "GFLOP/s", peak);
  for (size_t i = 0; i < sizeof(isas) / sizeof(isas[0]); ++i) {
    if (only && strcmp(only, isas[i].name))
      continue;
    if (!quill_sgemm_set_isa(isas[i].isa)) {
      printf("%-7s not supported by this CPU\n", isas[i].name);
      continue;
    }
    for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); ++s)
      benchmark(isas[i].name, &shapes[s], peak);
  }
  return 0;
}
