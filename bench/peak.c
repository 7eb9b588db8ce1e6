/*===- peak.c - One core's multiply-add peak, measured ---------------*- C -*-===*\
|*                                                                            *|
|* The share of peak that bench/run.py prints needs the peak of the CPU it   *|
|* runs on, and machines of this kind come with different ones (two Xeons,   *|
|* two EPYC generations, 512-bit FMAs whole or in halves). This measures it: *|
|* independent register-resident FMA chains (fp32) and vpdpbusd chains       *|
|* (int8 VNNI), enough of them to cover latency, a multiply-add counted as   *|
|* two operations. Prints "fp32_gflops X" and, where AVX-512 VNNI exists,    *|
|* "int8_gops Y".                                                            *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

/* clang -O2 bench/peak.c -o /tmp/peak && taskset -c 0 /tmp/peak */

#define _POSIX_C_SOURCE 199309L

#include <immintrin.h>
#include <stdio.h>
#include <time.h>

enum { CHAINS = 12, ITERATIONS = 100 * 1000 * 1000 };

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The operands come from the caller so that nothing folds; the result is
 * returned so that nothing is dropped. */
__attribute__((target("avx512f"))) static float fmaChains(float x, float y) {
  __m512 a = _mm512_set1_ps(x), b = _mm512_set1_ps(y);
  __m512 acc[CHAINS];
  for (int c = 0; c < CHAINS; ++c)
    acc[c] = _mm512_set1_ps((float)c);
  for (long i = 0; i < ITERATIONS; ++i)
    for (int c = 0; c < CHAINS; ++c)
      acc[c] = _mm512_fmadd_ps(a, b, acc[c]);
  __m512 sum = acc[0];
  for (int c = 1; c < CHAINS; ++c)
    sum = _mm512_add_ps(sum, acc[c]);
  return _mm512_reduce_add_ps(sum);
}

__attribute__((target("avx2,fma"))) static float fmaChains256(float x,
                                                               float y) {
  __m256 a = _mm256_set1_ps(x), b = _mm256_set1_ps(y);
  __m256 acc[CHAINS];
  for (int c = 0; c < CHAINS; ++c)
    acc[c] = _mm256_set1_ps((float)c);
  for (long i = 0; i < ITERATIONS; ++i)
    for (int c = 0; c < CHAINS; ++c)
      acc[c] = _mm256_fmadd_ps(a, b, acc[c]);
  float lanes[8], total = 0;
  __m256 sum = acc[0];
  for (int c = 1; c < CHAINS; ++c)
    sum = _mm256_add_ps(sum, acc[c]);
  _mm256_storeu_ps(lanes, sum);
  for (int l = 0; l < 8; ++l)
    total += lanes[l];
  return total;
}

__attribute__((target("avx512f,avx512vnni"))) static int dotChains(int x,
                                                                    int y) {
  __m512i a = _mm512_set1_epi32(x), b = _mm512_set1_epi32(y);
  __m512i acc[CHAINS];
  for (int c = 0; c < CHAINS; ++c)
    acc[c] = _mm512_set1_epi32(c);
  for (long i = 0; i < ITERATIONS; ++i)
    for (int c = 0; c < CHAINS; ++c)
      acc[c] = _mm512_dpbusd_epi32(acc[c], a, b);
  __m512i sum = acc[0];
  for (int c = 1; c < CHAINS; ++c)
    sum = _mm512_add_epi32(sum, acc[c]);
  return _mm512_reduce_add_epi32(sum);
}

int main(int argc, char **argv) {
  (void)argv;
  /* argc is 1 at run time but unknown to the compiler. */
  float x = 1e-7f * (float)argc, y = 1.0f - x;
  double start = now(), sink;
  double operations = 2.0 * ITERATIONS * CHAINS;
  if (__builtin_cpu_supports("avx512f")) {
    sink = fmaChains(x, y);
    operations *= 16;
  } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    sink = fmaChains256(x, y);
    operations *= 8;
  } else {
    fprintf(stderr, "peak: no AVX2 FMA on this CPU\n");
    return 1;
  }
  printf("fp32_gflops %.1f\n", operations / (now() - start) / 1e9);
  if (__builtin_cpu_supports("avx512vnni")) {
    start = now();
    sink += dotChains(argc, argc + 1);
    /* 64 byte products per vpdpbusd, each a multiply and an add. */
    printf("int8_gops %.1f\n",
           2.0 * 64 * ITERATIONS * CHAINS / (now() - start) / 1e9);
  }
  return sink == 0.123 ? 2 : 0;
}
