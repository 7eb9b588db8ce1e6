/*===- igemm_test.c - quill_igemm_s8 against an exact reference ---*- C -*-===*\
|*                                                                            *|
|* Every shape in every layout on every instruction set this CPU supports,    *|
|* with random bytes and with the extremes (-128, 127) that break saturating  *|
|* or sign-confused kernels, B as given (quill_igemm_s8) and packed ahead     *|
|* (quill_igemm_s8_packed), and requantized in the epilogue                   *|
|* (quill_igemm_s8_packed_requantize: per-column parameters, 64-bit           *|
|* wrapping, shifts outside [0, 63], clamping, the xor); prints               *|
|* "N passed, N failed" and exits non-zero on any failure.                    *|
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

/* The requantization as Igemm.h defines it, written independently: the
 * exact sum wrapped to 32 bits, then 64-bit arithmetic via unsigned
 * wrapping. */
static int8_t referenceRequantize(int64_t exactSum, int32_t offset,
                                  int64_t multiplier, int64_t rounding,
                                  int64_t shift, int64_t zeroPoint, int64_t lo,
                                  int64_t hi, int64_t flip) {
  int32_t sum = (int32_t)(uint32_t)((uint64_t)exactSum + (uint32_t)offset);
  int64_t scaled = (int64_t)((uint64_t)(int64_t)sum * (uint64_t)multiplier +
                             (uint64_t)rounding);
  int64_t shifted;
  if (shift < 0 || shift > 63)
    shifted = scaled < 0 ? -1 : 0;
  else
    shifted = scaled >> shift;
  int64_t value = shifted + zeroPoint;
  if (value < lo)
    value = lo;
  if (value > hi)
    value = hi;
  return (int8_t)(uint8_t)((uint64_t)value ^ (uint64_t)flip);
}

/* Out = requantize(A B) with random per-column parameters: Out row-major,
 * column-major (the kernels' scalar epilogue), padded, or in place (Out
 * over A's bytes, as the compiler reuses a dead A's buffer); uint8 stored
 * flipped (clamp [0, 255], xor 0x80) or int8 (clamp [-128, 127]). */
typedef enum {
  OutRowMajor,
  OutColumnMajor,
  OutPadded,
  OutInPlace,
  OutLayouts
} OutLayout;
static const char *const outLayoutNames[OutLayouts] = {"row-major", "col-major",
                                                       "padded", "in-place"};

static bool runRequantizeCase(Shape shape, Layout aLayout, OutLayout outLayout,
                              Fill fill, bool unsignedOut) {
  bool inPlace = outLayout == OutInPlace;
  int64_t m = shape.m, k = shape.k, n = shape.n;
  StridedMemRef2DI8 a = makeBytes(m, inPlace && n > k ? n : k,
                                  inPlace ? RowMajor : aLayout, fill);
  a.sizes[1] = k;
  StridedMemRef2DI8 b = makeBytes(k, n, RowMajor, fill);
  StridedMemRef2DI8 out = a;
  if (inPlace) {
    out.sizes[1] = n;
    if (k > n)
      out.strides[0] = n;
  } else {
    out = makeBytes(m, n,
                    outLayout == OutColumnMajor ? ColumnMajor
                    : outLayout == OutPadded    ? PaddedRows
                                                : RowMajor,
                    RandomBytes);
  }
  int32_t *offset = malloc((size_t)n * sizeof(int32_t));
  int64_t *multiplier = malloc((size_t)n * sizeof(int64_t));
  int64_t *rounding = malloc((size_t)n * sizeof(int64_t));
  int64_t *shift = malloc((size_t)n * sizeof(int64_t));
  for (int64_t j = 0; j < n; ++j) {
    offset[j] = rand() % 200001 - 100000;
    multiplier[j] = (int64_t)rand() % (1 << 30) + (1 << 29);
    shift[j] = 26 + rand() % 12;
    /* A few columns past the usual ranges: wrapping multiplies, shifts
     * outside [0, 63], a negative or zero multiplier. */
    switch (j % 11) {
    case 3:
      multiplier[j] = (int64_t)1 << 45;
      break;
    case 5:
      shift[j] = j % 2 ? 64 : -1;
      break;
    case 7:
      multiplier[j] = -multiplier[j];
      break;
    case 9:
      multiplier[j] = 0;
      break;
    }
    rounding[j] = shift[j] > 0 && shift[j] < 64 ? (int64_t)1 << (shift[j] - 1)
                                                : rand() % 1000;
  }
  int64_t zeroPoint = unsignedOut ? 128 + rand() % 20 : rand() % 20 - 10;
  int64_t lo = unsignedOut ? 0 : -128, hi = unsignedOut ? 255 : 127;
  int64_t flip = unsignedOut ? 0x80 : 0;

  /* Expected values first: in place, the call overwrites A. */
  int8_t *expected = malloc((size_t)(m * n));
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      int64_t sum = 0;
      for (int64_t p = 0; p < k; ++p)
        sum += (int64_t)byteAt(&a, i, p) * byteAt(&b, p, j);
      expected[i * n + j] =
          referenceRequantize(sum, offset[j], multiplier[j], rounding[j],
                              shift[j], zeroPoint, lo, hi, flip);
    }

  int64_t bytes = quillIgemmPackedBytes(k, n);
  int8_t *packed = malloc((size_t)bytes);
  int32_t *correction = malloc((size_t)n * sizeof(int32_t));
  quillIgemmPackB(b.aligned + b.offset, b.strides[0], b.strides[1], k, n,
                  packed, correction);
  int64_t workspaceBytes = quillIgemmRequantizeWorkspaceBytes(m, k);
  int8_t *workspace = malloc((size_t)workspaceBytes);
  StridedMemRef1DI8 packedB = {packed, packed, 0, {bytes}, {1}};
  StridedMemRef1DI32 corrections = {correction, correction, 0, {n}, {1}};
  StridedMemRef1DI32 offsets = {offset, offset, 0, {n}, {1}};
  StridedMemRef1DI64 multipliers = {multiplier, multiplier, 0, {n}, {1}};
  StridedMemRef1DI64 roundings = {rounding, rounding, 0, {n}, {1}};
  StridedMemRef1DI64 shifts = {shift, shift, 0, {n}, {1}};
  StridedMemRef1DI8 workspaces = {
      workspace, workspace, 0, {workspaceBytes}, {1}};
  _mlir_ciface_quill_igemm_s8_packed_requantize(
      &a, &packedB, &corrections, &offsets, &multipliers, &roundings, &shifts,
      zeroPoint, lo, hi, flip, &workspaces, &out);

  bool ok = true;
  for (int64_t i = 0; i < m && ok; ++i)
    for (int64_t j = 0; j < n && ok; ++j) {
      int8_t actual = byteAt(&out, i, j);
      if (actual != expected[i * n + j]) {
        printf("  Out[%lld][%lld] = %d, expected %d\n", (long long)i,
               (long long)j, actual, expected[i * n + j]);
        ok = false;
      }
    }
  /* The guards around Out and the padding between its rows are untouched. */
  if (!inPlace) {
    int64_t extent = (m - 1) * out.strides[0] + (n - 1) * out.strides[1] + 1;
    for (int64_t i = 0; i < Guard; ++i)
      if (out.allocated[i] != 99 || out.allocated[Guard + extent + i] != 99)
        ok = false;
    if (outLayout == OutPadded)
      for (int64_t i = 0; i + 1 < m; ++i)
        for (int64_t pad = n; pad < out.strides[0]; ++pad)
          if (out.aligned[Guard + i * out.strides[0] + pad] != 99)
            ok = false;
    free(out.allocated);
  }
  free(a.allocated);
  free(b.allocated);
  free(expected);
  free(offset);
  free(multiplier);
  free(rounding);
  free(shift);
  free(packed);
  free(correction);
  free(workspace);
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
    for (unsigned i = 0; i < sizeof(shapes) / sizeof(shapes[0]); ++i)
      for (int al = 0; al < Layouts; ++al)
        for (int ol = 0; ol < OutLayouts; ++ol)
          for (int fill = RandomBytes; fill < Fills; ++fill)
            for (int u = 0; u < 2; ++u) {
              if (runRequantizeCase(shapes[i], al, ol, fill, u)) {
                ++passed;
                continue;
              }
              ++failed;
              printf("FAIL %s requantize %lldx%lldx%lld A %s Out %s %s %s\n",
                     isas[s].name, (long long)shapes[i].m,
                     (long long)shapes[i].k, (long long)shapes[i].n,
                     layoutNames[al], outLayoutNames[ol], u ? "uint8" : "int8",
                     fill == Extremes ? "extremes" : "random");
            }
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed != 0;
}
