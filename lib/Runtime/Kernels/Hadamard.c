/*===- Hadamard.c - Fast Walsh-Hadamard rotation of rows ----------*- C -*-===*\
|*                                                                            *|
|* quill_hadamard: the online rotation of quill.hadamard, O(n log b) per row  *|
|* instead of the O(n b) product the generic lowering computes.               *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

/* A row is processed block by block in a buffer that stays in L1/L2: signs
 * applied while loading, log2(2^p) butterfly stages (a + b, a - b) on each
 * of the k rows of the block's (k, 2^p) view, then H_k across those rows
 * (k multiply-adds per element, vectorized along 2^p) with the 1/sqrt(b)
 * scale, written to the output. The transform is memory-bound for k = 1:
 * each element is loaded and stored once from memory, and the stages run on
 * the cached block. On AVX-512 the load also runs the four stages within
 * each 16-float vector (one in-lane shuffle and one FMA each) and the three
 * largest distances across eight vectors in registers (the stages commute);
 * the middle stages go three at a time (radix 8), the last pass writing the
 * scaled output, so a block of 2^p takes 1 + ceil((p - 7) / 3) passes. */

#include "Hadamard.h"

#include <math.h>
#include <stdatomic.h>
#include <stdbool.h>

/* Outputs above this size are written with non-temporal stores. */
#define StreamingBytes (8.0 * 1024 * 1024)

#if defined(__x86_64__)
#include <immintrin.h>
#define QUILL_HADAMARD_X86 1
#endif

/* The portable stages: every distance up to m on x[0:m], two per pass. */
static inline __attribute__((always_inline)) void portableStages(float *x,
                                                                 int64_t m) {
  int64_t h = 1;
  for (; 4 * h <= m; h *= 4)
    for (int64_t i = 0; i < m; i += 4 * h)
      for (int64_t j = i; j < i + h; ++j) {
        float a = x[j], b = x[j + h], c = x[j + 2 * h], d = x[j + 3 * h];
        float ab = a + b, amb = a - b, cd = c + d, cmd = c - d;
        x[j] = ab + cd;
        x[j + h] = amb + cmd;
        x[j + 2 * h] = ab - cd;
        x[j + 3 * h] = amb - cmd;
      }
  if (2 * h <= m)
    for (int64_t j = 0; j < h; ++j) {
      float a = x[j], b = x[j + h];
      x[j] = a + b;
      x[j + h] = a - b;
    }
}

/* One row: out[0:size] = rotation of in[0:size] (strided), using `work`
 * (one block, two for k > 1) as the cached buffer. Inlined into each
 * instruction set's copy below, which the compiler vectorizes for it. */
static inline __attribute__((always_inline)) void
rotateRowPortable(const float *in, int64_t inStride, float *out,
                  int64_t outStride, const float *signs, const float *table,
                  int64_t tableStride, int64_t k, int64_t blockSize,
                  int64_t size, float *work, bool streaming) {
  (void)streaming;
  int64_t m = blockSize / k;
  float scale = 1.0f / sqrtf((float)blockSize);
  for (int64_t start = 0; start < size; start += blockSize) {
    const float *source = in + start * inStride;
    const float *sign = signs + start;
    if (inStride == 1)
      for (int64_t i = 0; i < blockSize; ++i)
        work[i] = source[i] * sign[i];
    else
      for (int64_t i = 0; i < blockSize; ++i)
        work[i] = source[i * inStride] * sign[i];
    for (int64_t r = 0; r < k; ++r)
      portableStages(work + r * m, m);
    float *result = work;
    if (k > 1) {
      result = work + blockSize;
      for (int64_t j = 0; j < k; ++j) {
        float *column = result + j * m;
        for (int64_t c = 0; c < m; ++c)
          column[c] = 0.0f;
        for (int64_t i = 0; i < k; ++i) {
          float entry = table[i * tableStride + j];
          const float *row = work + i * m;
          for (int64_t c = 0; c < m; ++c)
            column[c] += row[c] * entry;
        }
      }
    }
    float *target = out + start * outStride;
    if (outStride == 1)
      for (int64_t i = 0; i < blockSize; ++i)
        target[i] = result[i] * scale;
    else
      for (int64_t i = 0; i < blockSize; ++i)
        target[i * outStride] = result[i] * scale;
  }
}

#define QUILL_ROW_ARGUMENTS                                                    \
  const float *in, int64_t inStride, float *out, int64_t outStride,            \
      const float *signs, const float *table, int64_t tableStride, int64_t k,  \
      int64_t blockSize, int64_t size, float *work, bool streaming
#define QUILL_ROW_FORWARD                                                      \
  rotateRowPortable(in, inStride, out, outStride, signs, table, tableStride,   \
                    k, blockSize, size, work, streaming)

static void rotateRowScalar(QUILL_ROW_ARGUMENTS) { QUILL_ROW_FORWARD; }

#ifdef __x86_64__
static __attribute__((target("avx2,fma"))) void
rotateRowAvx2(QUILL_ROW_ARGUMENTS) {
  QUILL_ROW_FORWARD;
}
#endif

#ifdef QUILL_HADAMARD_X86
#define AVX512_TARGET __attribute__((target("avx512f,fma")))

/* Where a pass writes: back into the block, or to the output times the
 * scale, through the caches or around them (a tensor too large to stay
 * cached: no read for ownership, as memcpy does for large copies). */
enum PassTarget { InPlace, Store, Stream };

/* The butterflies of `count` stages (1 to 3) across v[0 : 2^count]. */
static inline __attribute__((always_inline)) AVX512_TARGET void
avx512Butterflies(__m512 *v, int count) {
  int span = 1 << count;
  for (int s = 1; s < span; s *= 2)
    for (int t = 0; t < span; ++t)
      if (!(t & s)) {
        __m512 a = v[t], b = v[t + s];
        v[t] = _mm512_add_ps(a, b);
        v[t + s] = _mm512_sub_ps(a, b);
      }
}

/* Loads a row of m (times its signs) and runs on it the stages the load can
 * do in registers: 1, 2, 4, 8 inside each vector (lane i takes
 * v[i] + v[i ^ h] below the pair's middle and v[i ^ h] - v[i] above it: one
 * shuffle and one FMA each), and the `groupStages` largest distances across
 * 2^groupStages vectors m / 2^groupStages apart. The stages commute, so the
 * passes after it only have the middle distances left, whose strides are
 * short (no 4 KiB aliasing between the vectors of a step). */
static inline __attribute__((always_inline)) AVX512_TARGET void
avx512LoadFirstStages(const float *source, const float *sign, float *x,
                      int64_t m, int groupStages) {
  static const float directions[4][16] = {
      {1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1},
      {1, 1, -1, -1, 1, 1, -1, -1, 1, 1, -1, -1, 1, 1, -1, -1},
      {1, 1, 1, 1, -1, -1, -1, -1, 1, 1, 1, 1, -1, -1, -1, -1},
      {1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1, -1}};
  __m512 direction[4];
  for (int s = 0; s < 4; ++s)
    direction[s] = _mm512_loadu_ps(directions[s]);
  int group = 1 << groupStages;
  int64_t stride = m >> groupStages;
  for (int64_t i = 0; i < stride; i += 16) {
    __m512 v[8];
    for (int g = 0; g < group; ++g) {
      int64_t at = i + g * stride;
      v[g] = _mm512_mul_ps(_mm512_loadu_ps(source + at),
                           _mm512_loadu_ps(sign + at));
      /* Partners 1 and 2 apart within 128-bit lanes, then 4 and 8 apart
       * as whole lanes: single-cycle shuffles, no index vector. */
      v[g] = _mm512_fmadd_ps(v[g], direction[0], _mm512_permute_ps(v[g], 0xB1));
      v[g] = _mm512_fmadd_ps(v[g], direction[1], _mm512_permute_ps(v[g], 0x4E));
      v[g] = _mm512_fmadd_ps(v[g], direction[2],
                             _mm512_shuffle_f32x4(v[g], v[g], 0xB1));
      v[g] = _mm512_fmadd_ps(v[g], direction[3],
                             _mm512_shuffle_f32x4(v[g], v[g], 0x4E));
    }
    avx512Butterflies(v, groupStages);
    for (int g = 0; g < group; ++g)
      _mm512_store_ps(x + i + g * stride, v[g]);
  }
}

/* One pass of `count` stages (1 to 3) from distance h over x[0:m], 2^count
 * vectors in registers per step. */
static inline __attribute__((always_inline)) AVX512_TARGET void
avx512Pass(float *x, int64_t m, int64_t h, int count, float *dst, __m512 scale,
           enum PassTarget target) {
  int span = 1 << count;
  for (int64_t i = 0; i < m; i += span * h)
    for (int64_t j = i; j < i + h; j += 16) {
      __m512 v[8];
      for (int t = 0; t < span; ++t)
        v[t] = _mm512_load_ps(x + j + t * h);
      avx512Butterflies(v, count);
      for (int t = 0; t < span; ++t) {
        float *p = dst + j + t * h;
        if (target == InPlace)
          _mm512_store_ps(p, v[t]);
        else if (target == Store)
          _mm512_storeu_ps(p, _mm512_mul_ps(v[t], scale));
        else
          _mm512_stream_ps(p, _mm512_mul_ps(v[t], scale));
      }
    }
}

/* avx512Pass with constant arguments, so that each variant keeps its
 * vectors in registers. */
static inline __attribute__((always_inline)) AVX512_TARGET void
avx512PassOf(float *x, int64_t m, int64_t h, int count, float *dst,
             __m512 scale, enum PassTarget target) {
#define QUILL_PASS(c, t)                                                       \
  if (count == c && target == t)                                               \
    return avx512Pass(x, m, h, c, dst, scale, t);
  QUILL_PASS(1, InPlace)
  QUILL_PASS(2, InPlace)
  QUILL_PASS(3, InPlace)
  QUILL_PASS(1, Store)
  QUILL_PASS(2, Store)
  QUILL_PASS(3, Store)
  QUILL_PASS(1, Stream) QUILL_PASS(2, Stream) QUILL_PASS(3, Stream)
#undef QUILL_PASS
}

/* The stages of distance 16 up to `limit` (excluded) on x[0:m], three per
 * pass where they fit; the last pass writes to `dst` as `target` says. */
static inline __attribute__((always_inline)) AVX512_TARGET void
avx512LaterStages(float *x, int64_t m, int64_t limit, float *dst, __m512 scale,
                  enum PassTarget target) {
  int64_t h = 16;
  int left = 0;
  for (int64_t d = h; d < limit; d *= 2)
    ++left;
  if (!left && target != InPlace) {
    for (int64_t i = 0; i < m; i += 16) {
      __m512 v = _mm512_mul_ps(_mm512_load_ps(x + i), scale);
      if (target == Store)
        _mm512_storeu_ps(dst + i, v);
      else
        _mm512_stream_ps(dst + i, v);
    }
    return;
  }
  while (left > 0) {
    int count = left >= 3 ? 3 : left;
    left -= count;
    if (left)
      avx512PassOf(x, m, h, count, x, scale, InPlace);
    else
      avx512PassOf(x, m, h, count, dst, scale, target);
    h <<= count;
  }
}

/* out[j m + c] = scale * sum_i x[i m + c] H_k[i][j], eight outputs of a
 * 16-column slice at a time in registers (the table padded with zero
 * columns to a multiple of eight). */
static inline __attribute__((always_inline)) AVX512_TARGET void
avx512MixAndStore(const float *x, const float *table, int64_t tableStride,
                  int64_t k, int64_t m, float scale, float *out) {
  enum { Outputs = 8 };
  __m512 scaled = _mm512_set1_ps(scale);
  for (int64_t c = 0; c < m; c += 16)
    for (int64_t j0 = 0; j0 < k; j0 += Outputs) {
      __m512 acc[Outputs];
      for (int o = 0; o < Outputs; ++o)
        acc[o] = _mm512_setzero_ps();
      for (int64_t i = 0; i < k; ++i) {
        __m512 v = _mm512_load_ps(x + i * m + c);
        const float *entries = table + i * tableStride + j0;
        for (int o = 0; o < Outputs; ++o)
          acc[o] = _mm512_fmadd_ps(v, _mm512_set1_ps(entries[o]), acc[o]);
      }
      for (int o = 0; o < Outputs; ++o)
        if (j0 + o < k)
          _mm512_storeu_ps(out + (j0 + o) * m + c,
                           _mm512_mul_ps(acc[o], scaled));
    }
}

/* The AVX-512 row: contiguous input and output and 2^p >= 16; the AVX2
 * row otherwise. */
static AVX512_TARGET void
rotateRowAvx512(const float *in, int64_t inStride, float *out,
                int64_t outStride, const float *signs, const float *table,
                int64_t tableStride, int64_t k, int64_t blockSize, int64_t size,
                float *work, bool streaming) {
  int64_t m = blockSize / k;
  if (inStride != 1 || outStride != 1 || m < 16) {
    rotateRowAvx2(in, inStride, out, outStride, signs, table, tableStride, k,
                  blockSize, size, work, streaming);
    return;
  }
  float scale = 1.0f / sqrtf((float)blockSize);
  __m512 scaled = _mm512_set1_ps(scale);
  int groupStages = m >= 128 ? 3 : m == 64 ? 2 : m == 32 ? 1 : 0;
  int64_t limit = m >> groupStages;
  bool streamed =
      streaming && ((uintptr_t)out & 63) == 0 && blockSize % 16 == 0;
  for (int64_t start = 0; start < size; start += blockSize) {
    for (int64_t r = 0; r < k; ++r) {
      const float *source = in + start + r * m, *sign = signs + start + r * m;
      float *x = work + r * m;
      /* Constant group sizes, so that each keeps its vectors in registers. */
      if (groupStages == 3)
        avx512LoadFirstStages(source, sign, x, m, 3);
      else if (groupStages == 2)
        avx512LoadFirstStages(source, sign, x, m, 2);
      else if (groupStages == 1)
        avx512LoadFirstStages(source, sign, x, m, 1);
      else
        avx512LoadFirstStages(source, sign, x, m, 0);
    }
    if (k == 1) {
      avx512LaterStages(work, m, limit, out + start, scaled,
                        streamed ? Stream : Store);
      continue;
    }
    for (int64_t r = 0; r < k; ++r)
      avx512LaterStages(work + r * m, m, limit, work + r * m, scaled, InPlace);
    avx512MixAndStore(work, table, tableStride, k, m, scale, out + start);
  }
}
#endif

typedef void (*RowKernel)(const float *, int64_t, float *, int64_t,
                          const float *, const float *, int64_t, int64_t,
                          int64_t, int64_t, float *, bool);

static RowKernel kernelFor(QuillHadamardIsa isa) {
  switch (isa) {
  case QUILL_HADAMARD_ISA_SCALAR:
    return rotateRowScalar;
  case QUILL_HADAMARD_ISA_AVX2:
#ifdef QUILL_HADAMARD_X86
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")
               ? rotateRowAvx2
               : NULL;
#else
    return NULL;
#endif
  case QUILL_HADAMARD_ISA_AVX512:
#ifdef QUILL_HADAMARD_X86
    return __builtin_cpu_supports("avx512f") ? rotateRowAvx512 : NULL;
#else
    return NULL;
#endif
  case QUILL_HADAMARD_ISA_AUTO: {
    RowKernel best = kernelFor(QUILL_HADAMARD_ISA_AVX512);
    if (!best)
      best = kernelFor(QUILL_HADAMARD_ISA_AVX2);
    return best ? best : rotateRowScalar;
  }
  }
  return NULL;
}

static _Atomic(RowKernel) selected;

static RowKernel getKernel(void) {
  RowKernel kernel = selected;
  if (kernel)
    return kernel;
  static const IsaName names[] = {{"scalar", QUILL_HADAMARD_ISA_SCALAR},
                                  {"avx2", QUILL_HADAMARD_ISA_AVX2},
                                  {"avx512", QUILL_HADAMARD_ISA_AVX512}};
  kernel = kernelFor((QuillHadamardIsa)isaFromEnvironment(
      "QUILL_HADAMARD_ISA", names, 3, QUILL_HADAMARD_ISA_AUTO));
  if (!kernel)
    kernel = kernelFor(QUILL_HADAMARD_ISA_AUTO);
  selected = kernel;
  return kernel;
}

int quill_hadamard_set_isa(QuillHadamardIsa isa) {
  RowKernel kernel = kernelFor(isa);
  if (!kernel)
    return 0;
  selected = kernel;
  return 1;
}

void _mlir_ciface_quill_hadamard(HadamardMatrix *in, HadamardMatrix *out,
                                 HadamardVector *signs, HadamardVector *table,
                                 int64_t k, int64_t blockSize) {
  static _Thread_local void *buffer;
  static _Thread_local size_t capacity;
  /* The block, the mixed block (k > 1) and H_k padded to whole columns of
   * eight. */
  int64_t tableStride = k > 1 ? roundUp(k, 8) : 0;
  size_t floats = (size_t)(k > 1 ? 2 : 1) * (size_t)roundUp(blockSize, 16) +
                  (size_t)(k * tableStride);
  float *work =
      (float *)reserveAligned(&buffer, &capacity, floats * sizeof(float));
  if (!work)
    abort();
  float *padded = work + (k > 1 ? 2 : 1) * roundUp(blockSize, 16);
  const float *h = table->aligned + table->offset;
  for (int64_t i = 0; i < k && k > 1; ++i)
    for (int64_t j = 0; j < tableStride; ++j)
      padded[i * tableStride + j] = j < k ? h[i * k + j] : 0.0f;
  RowKernel kernel = getKernel();
  const float *s = signs->aligned + signs->offset;
  int64_t rows = in->sizes[0], size = in->sizes[1];
  /* Like memcpy: write around the caches what would not stay in them. */
  bool streaming = (double)rows * (double)size * sizeof(float) > StreamingBytes;
  for (int64_t r = 0; r < rows; ++r)
    kernel(in->aligned + in->offset + r * in->strides[0], in->strides[1],
           out->aligned + out->offset + r * out->strides[0], out->strides[1], s,
           padded, tableStride, k, blockSize, size, work, streaming);
#ifdef QUILL_HADAMARD_X86
  if (streaming)
    _mm_sfence();
#endif
}
