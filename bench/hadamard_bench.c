/*===- hadamard_bench.c - quill_hadamard against a memory copy ----*- C -*-===*\
|*                                                                            *|
|* Times the online rotation of a 64 MiB f32 tensor (rows of n, whole-row     *|
|* blocks) and a memcpy of the same tensor on one core, and prints the        *|
|* rotation's speed as a fraction of the copy's (issue 26 asks >= 0.5 for n = |*
|* 256..8192).                                                                *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

/* Build and run from the repository root, pinned to one core:
 *   clang-22 -O3 -std=c11 -fPIC lib/Runtime/Kernels/Hadamard.c \
 *       bench/hadamard_bench.c -Ilib/Runtime/Kernels -o /tmp/hadamard_bench -lm
 *   taskset -c 1 /tmp/hadamard_bench [scalar|avx2|avx512]
 * Best of 9 runs each; both read and write 64 MiB (far beyond the caches). */

#define _POSIX_C_SOURCE 199309L

#include "Hadamard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { TotalFloats = 16 * 1024 * 1024, Repeats = 9 };

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv) {
  QuillHadamardIsa isa = QUILL_HADAMARD_ISA_AUTO;
  if (argc > 1)
    isa = !strcmp(argv[1], "scalar") ? QUILL_HADAMARD_ISA_SCALAR
          : !strcmp(argv[1], "avx2") ? QUILL_HADAMARD_ISA_AVX2
                                     : QUILL_HADAMARD_ISA_AVX512;
  if (!quill_hadamard_set_isa(isa)) {
    printf("this CPU cannot run %s\n", argv[1]);
    return 1;
  }
  float *in = aligned_alloc(64, TotalFloats * sizeof(float));
  float *out = aligned_alloc(64, TotalFloats * sizeof(float));
  for (int64_t i = 0; i < TotalFloats; ++i)
    in[i] = (float)(i % 97) - 48.0f;
  memset(out, 0, TotalFloats * sizeof(float));
  static const int64_t sizes[][2] = {{256, 1},  {512, 1},   {1024, 1},
                                     {2048, 1}, {4096, 1},  {8192, 1},
                                     {768, 12}, {3072, 12}, {14336, 28}};
  printf("%8s %4s %12s %12s %8s\n", "n", "K", "copy GB/s", "rotate GB/s",
         "ratio");
  for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); ++s) {
    int64_t n = sizes[s][0], k = sizes[s][1], rows = TotalFloats / n;
    float *signs = malloc(n * sizeof(float));
    float *table = calloc(k * k, sizeof(float));
    for (int64_t i = 0; i < n; ++i)
      signs[i] = (i * 7919) % 3 ? 1.0f : -1.0f;
    for (int64_t i = 0; i < k * k; ++i)
      table[i] = (i * 31) % 5 < 3 ? 1.0f : -1.0f; /* timing only */
    HadamardMatrix a = {in, in, 0, {rows, n}, {n, 1}};
    HadamardMatrix b = {out, out, 0, {rows, n}, {n, 1}};
    HadamardVector sv = {signs, signs, 0, {n}, {1}};
    HadamardVector tv = {table, table, 0, {k * k}, {1}};
    double bestCopy = 1e30, bestRotate = 1e30;
    for (int r = 0; r < Repeats; ++r) {
      double t0 = now();
      memcpy(out, in, TotalFloats * sizeof(float));
      double t1 = now();
      _mlir_ciface_quill_hadamard(&a, &b, &sv, &tv, k, n);
      double t2 = now();
      bestCopy = t1 - t0 < bestCopy ? t1 - t0 : bestCopy;
      bestRotate = t2 - t1 < bestRotate ? t2 - t1 : bestRotate;
    }
    double bytes = 2.0 * (double)rows * (double)n * sizeof(float);
    printf("%8lld %4lld %12.1f %12.1f %8.2f\n", (long long)n, (long long)k,
           bytes / bestCopy * 1e-9, bytes / bestRotate * 1e-9,
           bestCopy / bestRotate);
    free(signs);
    free(table);
  }
  free(in);
  free(out);
  return 0;
}
