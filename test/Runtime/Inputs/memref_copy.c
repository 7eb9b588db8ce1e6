/*===- memref_copy.c - Calls the runtime's memrefCopy -------------------===*\
|*                                                                            *|
|* Copies between the layouts MLIR's memref.copy lowering passes to         *|
|* memrefCopy (transposed, offset, reversed, unit and empty dimensions, rank *|
|* 0, a padded interior, strided blocks) and prints PASS or FAIL per case;   *|
|* memref-copy.test checks the lines.                                        *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct UnrankedMemRef {
  int64_t rank;
  void *descriptor;
} UnrankedMemRef;

/* Ranked descriptors up to rank 3: {allocated, aligned, offset, sizes[rank],
 * strides[rank]} laid out with no gap between sizes and strides. */
typedef struct MemRef {
  void *allocated;
  void *aligned;
  int64_t offset;
  int64_t sizesAndStrides[6];
} MemRef;

void memrefCopy(int64_t elemSize, UnrankedMemRef *src, UnrankedMemRef *dst);

static MemRef memref(void *data, int64_t offset, int rank, const int64_t *sizes,
                     const int64_t *strides) {
  MemRef m = {data, data, offset, {0}};
  memcpy(m.sizesAndStrides, sizes, rank * sizeof(int64_t));
  memcpy(m.sizesAndStrides + rank, strides, rank * sizeof(int64_t));
  return m;
}

static void copy(int64_t elemSize, int rank, MemRef src, MemRef dst) {
  UnrankedMemRef srcArg = {rank, &src}, dstArg = {rank, &dst};
  memrefCopy(elemSize, &srcArg, &dstArg);
}

static int failures;

static void check(const char *name, int ok) {
  printf("%s %s\n", ok ? "PASS" : "FAIL", name);
  failures += !ok;
}

int main(void) {
  float a[12], b[12];
  for (int i = 0; i < 12; ++i)
    a[i] = (float)i;

  /* The transpose of a 3x4 matrix into a dense 4x3 one. */
  memset(b, 0, sizeof(b));
  copy(sizeof(float), 2, memref(a, 0, 2, (int64_t[]){4, 3}, (int64_t[]){1, 4}),
       memref(b, 0, 2, (int64_t[]){4, 3}, (int64_t[]){3, 1}));
  int ok = 1;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 3; ++j)
      ok &= b[i * 3 + j] == a[j * 4 + i];
  check("transpose", ok);

  /* A 2x2 window at (1, 1) of a 3x4 matrix into the end of a buffer. */
  memset(b, 0, sizeof(b));
  copy(sizeof(float), 2, memref(a, 5, 2, (int64_t[]){2, 2}, (int64_t[]){4, 1}),
       memref(b, 8, 2, (int64_t[]){2, 2}, (int64_t[]){2, 1}));
  check("subview",
        b[7] == 0 && b[8] == 5 && b[9] == 6 && b[10] == 9 && b[11] == 10);

  /* Dense on both sides, with offsets and a unit dimension of any stride:
   * one memcpy. */
  memset(b, 0, sizeof(b));
  copy(sizeof(float), 3,
       memref(a, 2, 3, (int64_t[]){2, 1, 3}, (int64_t[]){3, 99, 1}),
       memref(b, 1, 3, (int64_t[]){2, 1, 3}, (int64_t[]){3, 7, 1}));
  ok = b[0] == 0;
  for (int i = 0; i < 6; ++i)
    ok &= b[1 + i] == a[2 + i];
  check("contiguous", ok && b[7] == 0);

  /* A reversed view (negative stride) of 16-bit elements. */
  int16_t s[5] = {1, 2, 3, 4, 5}, d[5] = {0};
  copy(sizeof(int16_t), 1, memref(s, 4, 1, (int64_t[]){5}, (int64_t[]){-1}),
       memref(d, 0, 1, (int64_t[]){5}, (int64_t[]){1}));
  check("reversed",
        d[0] == 5 && d[1] == 4 && d[2] == 3 && d[3] == 2 && d[4] == 1);

  /* A column of a 3x4 matrix of doubles into a strided column. */
  double m[12], n[12] = {0};
  for (int i = 0; i < 12; ++i)
    m[i] = i + 0.5;
  copy(sizeof(double), 1, memref(m, 2, 1, (int64_t[]){3}, (int64_t[]){4}),
       memref(n, 0, 1, (int64_t[]){3}, (int64_t[]){5}));
  check("column", n[0] == 2.5 && n[5] == 6.5 && n[10] == 10.5 && n[1] == 0);

  /* A dense 2x2x3 block into the interior of a padded 2x4x5 buffer (a
   * padded convolution input): rows are contiguous on both sides, one block
   * each; the padding stays. */
  uint8_t dense[12], padded[40];
  for (int i = 0; i < 12; ++i)
    dense[i] = (uint8_t)(i + 1);
  memset(padded, 0xEE, sizeof(padded));
  copy(1, 3, memref(dense, 0, 3, (int64_t[]){2, 2, 3}, (int64_t[]){6, 3, 1}),
       memref(padded, 6, 3, (int64_t[]){2, 2, 3}, (int64_t[]){20, 5, 1}));
  ok = 1;
  for (int c = 0; c < 2; ++c)
    for (int y = 0; y < 4; ++y)
      for (int x = 0; x < 5; ++x) {
        int inside = y >= 1 && y <= 2 && x >= 1 && x <= 3;
        uint8_t want =
            inside ? dense[c * 6 + (y - 1) * 3 + (x - 1)] : (uint8_t)0xEE;
        ok &= padded[c * 20 + y * 5 + x] == want;
      }
  check("interior", ok);

  /* The two inner dimensions contiguous on both sides, the outer one not:
   * blocks of 6 floats, strided apart. */
  float blocks[14];
  memset(blocks, 0, sizeof(blocks));
  copy(sizeof(float), 3,
       memref(a, 0, 3, (int64_t[]){2, 2, 3}, (int64_t[]){6, 3, 1}),
       memref(blocks, 0, 3, (int64_t[]){2, 2, 3}, (int64_t[]){7, 3, 1}));
  ok = blocks[6] == 0 && blocks[13] == 0;
  for (int i = 0; i < 6; ++i)
    ok &= blocks[i] == a[i] && blocks[7 + i] == a[6 + i];
  check("blocks", ok);

  /* No element to copy: nothing is written. */
  memset(b, 0, sizeof(b));
  copy(sizeof(float), 2, memref(a, 0, 2, (int64_t[]){0, 3}, (int64_t[]){1, 4}),
       memref(b, 0, 2, (int64_t[]){0, 3}, (int64_t[]){3, 1}));
  ok = 1;
  for (int i = 0; i < 12; ++i)
    ok &= b[i] == 0;
  check("empty", ok);

  /* Rank 0: one element at the offsets. */
  memset(b, 0, sizeof(b));
  copy(sizeof(float), 0, memref(a, 7, 0, NULL, NULL),
       memref(b, 3, 0, NULL, NULL));
  check("rank0", b[3] == 7 && b[2] == 0 && b[4] == 0);

  return failures != 0;
}
