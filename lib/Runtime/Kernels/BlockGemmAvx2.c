/*===- BlockGemmAvx2.c - Block-scaled weight products, AVX2 ---------------===*\
|*                                                                            *|
|* The AVX-512 kernel's schedule on 256-bit registers: a panel's 16 columns   *|
|* are two vectors, up to 3 rows of A per pass. 4-bit codes index their       *|
|* 16-entry table with two 8-entry permutes and a blend; wider floats are     *|
|* decoded by the same bit arithmetic (subnormals fixed with a blend); int8   *|
|* converted. int8 activations: vpmaddubsw / vpmaddwd on the octets' nibbles. *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "BlockGemmKernels.h"

#if defined(__x86_64__)

#include <immintrin.h>

#define AVX2_TARGET __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline)) AVX2_TARGET

enum { MaxRows = 3, Columns = QuillBlockPanelColumns, Half = 8 };

/* Calls PASS(n) with n the pass's row count (1 to MaxRows) as a constant,
 * so that each count is compiled with its accumulators in registers. */
#define SWITCH_ROW_COUNT(rows, PASS)                                           \
  switch (rows) {                                                              \
  case 1:                                                                      \
    PASS(1);                                                                   \
    break;                                                                     \
  case 2:                                                                      \
    PASS(2);                                                                   \
    break;                                                                     \
  case 3:                                                                      \
    PASS(3);                                                                   \
    break;                                                                     \
  }

typedef struct SmallFloatDecoder {
  __m256i magnitudeMask, exponentMask, mantissaShift, signShift, rebias;
  __m256 two, minNormal;
} SmallFloatDecoder;

INLINE SmallFloatDecoder makeDecoder(int exponentBits, int mantissaBits,
                                     int bias) {
  SmallFloatDecoder d;
  int width = exponentBits + mantissaBits;
  d.magnitudeMask = _mm256_set1_epi32((1 << width) - 1);
  d.exponentMask = _mm256_set1_epi32(((1 << exponentBits) - 1) << mantissaBits);
  d.mantissaShift = _mm256_set1_epi32(23 - mantissaBits);
  d.signShift = _mm256_set1_epi32(width);
  d.rebias = _mm256_set1_epi32((127 - bias) << 23);
  d.two = _mm256_set1_ps(2.0f);
  d.minNormal = _mm256_castsi256_ps(_mm256_set1_epi32((128 - bias) << 23));
  return d;
}

/* As decodeSmallFloats in BlockGemmAvx512.c, eight codes at a time. */
INLINE __m256 decodeSmallFloats(__m256i codes, const SmallFloatDecoder *d) {
  __m256i magnitude = _mm256_and_si256(codes, d->magnitudeMask);
  __m256 value = _mm256_castsi256_ps(_mm256_add_epi32(
      _mm256_sllv_epi32(magnitude, d->mantissaShift), d->rebias));
  __m256 subnormalValue = _mm256_fmsub_ps(value, d->two, d->minNormal);
  __m256i isSubnormal = _mm256_cmpeq_epi32(
      _mm256_and_si256(codes, d->exponentMask), _mm256_setzero_si256());
  value =
      _mm256_blendv_ps(value, subnormalValue, _mm256_castsi256_ps(isSubnormal));
  __m256i sign = _mm256_slli_epi32(_mm256_srlv_epi32(codes, d->signShift), 31);
  return _mm256_castsi256_ps(_mm256_or_si256(_mm256_castps_si256(value), sign));
}

/* A 16-entry table as two 8-entry halves. */
typedef struct CodeTable {
  __m256 low, high;
} CodeTable;

INLINE __m256 lookUp(__m256i codes, const CodeTable *table) {
  __m256 low = _mm256_permutevar8x32_ps(table->low, codes);
  __m256 high = _mm256_permutevar8x32_ps(table->high, codes);
  /* Bit 3 of the code picks the half: moved to the sign bit for blendv. */
  return _mm256_blendv_ps(low, high,
                          _mm256_castsi256_ps(_mm256_slli_epi32(codes, 28)));
}

enum CodeKind { Float4, Float6, Float8, Int8 };

/* The 6-bit codes of half h of a row (as in BlockGemmAvx512.c): each
 * 128-bit lane takes the 3 bytes of its 4 codes into every dword. */
INLINE __m256i loadSixBitCodes(const uint8_t *row, int h) {
  __m256i bytes =
      _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)row));
  int first = 6 * h, second = 6 * h + 3;
  __m256i groups =
      _mm256_setr_epi32(quillSixBitGroup(first), quillSixBitGroup(first),
                        quillSixBitGroup(first), quillSixBitGroup(first),
                        quillSixBitGroup(second), quillSixBitGroup(second),
                        quillSixBitGroup(second), quillSixBitGroup(second));
  __m256i words = _mm256_shuffle_epi8(bytes, groups);
  return _mm256_and_si256(
      _mm256_srlv_epi32(words, _mm256_setr_epi32(0, 6, 12, 18, 0, 6, 12, 18)),
      _mm256_set1_epi32(63));
}

/* The 16 columns' values of one k: two vectors. */
INLINE void decodeRow(const uint8_t *row, int kind, const SmallFloatDecoder *d,
                      const CodeTable *table, __m256 w[2]) {
  if (kind == Float4) {
    __m128i bytes = _mm_loadl_epi64((const __m128i *)row);
    __m128i nibble = _mm_set1_epi8(0x0F);
    __m128i codes =
        _mm_unpacklo_epi8(_mm_and_si128(bytes, nibble),
                          _mm_and_si128(_mm_srli_epi16(bytes, 4), nibble));
    w[0] = lookUp(_mm256_cvtepu8_epi32(codes), table);
    w[1] = lookUp(_mm256_cvtepu8_epi32(_mm_srli_si128(codes, 8)), table);
    return;
  }
  if (kind == Float6) {
    w[0] = decodeSmallFloats(loadSixBitCodes(row, 0), d);
    w[1] = decodeSmallFloats(loadSixBitCodes(row, 1), d);
    return;
  }
  __m128i bytes = _mm_loadu_si128((const __m128i *)row);
  __m128i upper = _mm_srli_si128(bytes, 8);
  if (kind == Int8) {
    w[0] = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(bytes));
    w[1] = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(upper));
    return;
  }
  w[0] = decodeSmallFloats(_mm256_cvtepu8_epi32(bytes), d);
  w[1] = decodeSmallFloats(_mm256_cvtepu8_epi32(upper), d);
}

/* A block's 16 scales (times the format's factor) and, for integer codes,
 * zero points. */
INLINE void decodeHeader(const uint8_t *chunk, const QuillBlockWeights *f,
                         const SmallFloatDecoder *e4m3, __m256 scales[2],
                         __m256 zeroPoints[2]) {
  __m256 factor = _mm256_set1_ps(f->scaleFactor);
  for (int h = 0; h < 2; ++h) {
    if (f->scaleKind == QuillBlockScaleF32) {
      scales[h] = _mm256_loadu_ps((const float *)chunk + Half * h);
      zeroPoints[h] = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(
          _mm_loadl_epi64((const __m128i *)(chunk + 4 * Columns + Half * h))));
      continue;
    }
    __m256i bytes = _mm256_cvtepu8_epi32(
        _mm_loadl_epi64((const __m128i *)(chunk + Half * h)));
    __m256 value;
    if (f->scaleKind == QuillBlockScaleE4M3) {
      value = decodeSmallFloats(bytes, e4m3);
    } else {
      /* E8M0: the byte is an f32 exponent field; 0 is 2^-127. */
      value = _mm256_castsi256_ps(_mm256_slli_epi32(bytes, 23));
      __m256i isZero = _mm256_cmpeq_epi32(bytes, _mm256_setzero_si256());
      value = _mm256_blendv_ps(
          value, _mm256_castsi256_ps(_mm256_set1_epi32(0x00400000)),
          _mm256_castsi256_ps(isZero));
    }
    scales[h] = _mm256_mul_ps(value, factor);
    zeroPoints[h] = _mm256_setzero_ps();
  }
}

/* Adds each row's 16 sums (two vectors) to C's first `width` columns from
 * col0. */
INLINE void storeRows(const BlockGemmProblem *p, __m256 acc[][2], int64_t r0,
                      int rows, int64_t col0, int width) {
  for (int r = 0; r < rows; ++r) {
    float sums[Columns];
    _mm256_storeu_ps(sums, acc[r][0]);
    _mm256_storeu_ps(sums + Half, acc[r][1]);
    float *c = p->c + (r0 + r) * p->cRowStride + col0 * p->cColStride;
    for (int j = 0; j < width; ++j)
      c[j * p->cColStride] += sums[j];
  }
}

INLINE void panelRows(const BlockGemmProblem *p, const uint8_t *panel,
                      int64_t r0, int rows, int64_t col0, int width, int kind,
                      const SmallFloatDecoder *d, const SmallFloatDecoder *e4m3,
                      const CodeTable *table, const float *blockSums) {
  const QuillBlockWeights *f = &p->format;
  int64_t blocks = p->depth / f->blockSize;
  int64_t chunkBytes = quillBlockChunkBytes(f);
  int64_t codeBytes = quillBlockCodeBytes(f);
  const float *a[MaxRows];
  __m256 acc[MaxRows][2];
  for (int r = 0; r < rows; ++r) {
    a[r] = p->a + (r0 + r) * p->aRowStride;
    acc[r][0] = acc[r][1] = _mm256_setzero_ps();
  }
  int64_t aColStride = p->aColStride;
  /* One row: two interleaved partial sums per half, so FMAs overlap. */
  const int chains = rows == 1 ? 2 : 1;
  for (int64_t b = 0; b < blocks; ++b) {
    const uint8_t *chunk = panel + b * chunkBytes;
    __m256 partial[MaxRows][2][2];
    for (int r = 0; r < rows; ++r)
      for (int c = 0; c < chains; ++c)
        partial[r][c][0] = partial[r][c][1] = _mm256_setzero_ps();
    const uint8_t *row = chunk + quillBlockHeaderBytes(f);
    int64_t k = b * f->blockSize;
    for (int t = 0; t < f->blockSize; t += chains)
      for (int c = 0; c < chains; ++c, ++k, row += codeBytes) {
        __m256 w[2];
        decodeRow(row, kind, d, table, w);
        for (int r = 0; r < rows; ++r) {
          __m256 x = _mm256_broadcast_ss(&a[r][k * aColStride]);
          partial[r][c][0] = _mm256_fmadd_ps(x, w[0], partial[r][c][0]);
          partial[r][c][1] = _mm256_fmadd_ps(x, w[1], partial[r][c][1]);
        }
      }
    __m256 scales[2], zeroPoints[2];
    decodeHeader(chunk, f, e4m3, scales, zeroPoints);
    for (int r = 0; r < rows; ++r)
      for (int h = 0; h < 2; ++h) {
        __m256 sum = partial[r][0][h];
        for (int c = 1; c < chains; ++c)
          sum = _mm256_add_ps(sum, partial[r][c][h]);
        /* sum (code - zp) x = sum code x - zp sum x */
        if (f->scaleKind == QuillBlockScaleF32)
          sum = _mm256_fnmadd_ps(
              zeroPoints[h], _mm256_set1_ps(blockSums[(r0 + r) * blocks + b]),
              sum);
        acc[r][h] = _mm256_fmadd_ps(sum, scales[h], acc[r][h]);
      }
  }
  storeRows(p, acc, r0, rows, col0, width);
}

INLINE void allPanels(const BlockGemmProblem *p, int kind) {
  const QuillBlockWeights *f = &p->format;
  SmallFloatDecoder d = makeDecoder(f->exponentBits > 0 ? f->exponentBits : 1,
                                    f->mantissaBits, f->bias);
  SmallFloatDecoder e4m3 = makeDecoder(4, 3, 7);
  /* The 16 values of the 4-bit codes: fp4's, or the unsigned integers of
   * codes with zero points. */
  CodeTable table;
  __m256i low = _mm256_set_epi32(7, 6, 5, 4, 3, 2, 1, 0);
  __m256i high = _mm256_add_epi32(low, _mm256_set1_epi32(8));
  if (f->scaleKind == QuillBlockScaleF32) {
    table.low = _mm256_cvtepi32_ps(low);
    table.high = _mm256_cvtepi32_ps(high);
  } else {
    table.low = decodeSmallFloats(low, &d);
    table.high = decodeSmallFloats(high, &d);
  }
  float *blockSums = quillBlockGemmRowSums(p);
  if (f->scaleKind == QuillBlockScaleF32 && !blockSums)
    return;
  for (int64_t col0 = 0; col0 < p->columns; col0 += Columns) {
    int width = quillBlockPanelWidth(p, col0);
    const uint8_t *panel = quillBlockPanel(p, col0);
    for (int64_t r0 = 0; r0 < p->rows; r0 += MaxRows) {
      int rows = (int)(p->rows - r0 < MaxRows ? p->rows - r0 : MaxRows);
#define PASS(n)                                                                \
  panelRows(p, panel, r0, n, col0, width, kind, &d, &e4m3, &table, blockSums)
      SWITCH_ROW_COUNT(rows, PASS)
#undef PASS
    }
  }
  free(blockSums);
}

static AVX2_TARGET void float4Panels(const BlockGemmProblem *p) {
  allPanels(p, Float4);
}
static AVX2_TARGET void float6Panels(const BlockGemmProblem *p) {
  allPanels(p, Float6);
}
static AVX2_TARGET void float8Panels(const BlockGemmProblem *p) {
  allPanels(p, Float8);
}
static AVX2_TARGET void int8Panels(const BlockGemmProblem *p) {
  allPanels(p, Int8);
}

/* int8 activations: each octet half (8 columns x 8 k) as two nibble planes
 * of unsigned weight bytes; vpmaddubsw multiplies them by A's codes into
 * pairs of 16-bit sums (at most 2 x 24 x 127 each, two planes added: no
 * saturation), vpmaddwd adds the pairs into int32 lanes. */
INLINE void int8ActivationRows(const BlockGemmProblem *p, const uint8_t *panel,
                               int64_t r0, int rows, int64_t col0, int width,
                               const SmallFloatDecoder *e4m3, __m256i table) {
  const QuillBlockWeights *f = &p->format;
  const BlockGemmInt8Rows *q = p->int8Rows;
  int64_t blocks = p->depth / f->blockSize;
  int64_t chunkBytes = quillBlockChunkBytes(f);
  int fp4 = f->scaleKind != QuillBlockScaleF32;
  __m256i nibble = _mm256_set1_epi8(0x0F), ones = _mm256_set1_epi16(1);
  __m256 acc[MaxRows][2];
  for (int r = 0; r < rows; ++r)
    acc[r][0] = acc[r][1] = _mm256_setzero_ps();
  for (int64_t b = 0; b < blocks; ++b) {
    const uint8_t *chunk = panel + b * chunkBytes;
    const uint8_t *octet = chunk + quillBlockHeaderBytes(f);
    __m256i dot[MaxRows][2];
    for (int r = 0; r < rows; ++r)
      dot[r][0] = dot[r][1] = _mm256_setzero_si256();
    const int8_t *a = q->codes + r0 * p->depth + b * f->blockSize;
    for (int t = 0; t < f->blockSize; t += 8, octet += 64)
      for (int h = 0; h < 2; ++h) {
        __m256i bytes = _mm256_loadu_si256((const __m256i *)(octet + 32 * h));
        __m256i low = _mm256_and_si256(bytes, nibble);
        __m256i high = _mm256_and_si256(_mm256_srli_epi16(bytes, 4), nibble);
        if (fp4) {
          low = _mm256_shuffle_epi8(table, low);
          high = _mm256_shuffle_epi8(table, high);
        }
        for (int r = 0; r < rows; ++r) {
          int32_t first, second;
          memcpy(&first, a + r * p->depth + t, 4);
          memcpy(&second, a + r * p->depth + t + 4, 4);
          __m256i pairs = _mm256_add_epi16(
              _mm256_maddubs_epi16(low, _mm256_set1_epi32(first)),
              _mm256_maddubs_epi16(high, _mm256_set1_epi32(second)));
          dot[r][h] =
              _mm256_add_epi32(dot[r][h], _mm256_madd_epi16(pairs, ones));
        }
      }
    __m256 scales[2], zeroPoints[2];
    decodeHeader(chunk, f, e4m3, scales, zeroPoints);
    for (int h = 0; h < 2; ++h) {
      __m256i offsets = _mm256_set1_epi32(QuillFp4Offset);
      if (fp4)
        scales[h] = _mm256_mul_ps(scales[h], _mm256_set1_ps(0.5f));
      else
        offsets = _mm256_cvttps_epi32(zeroPoints[h]);
      for (int r = 0; r < rows; ++r) {
        int64_t at = (r0 + r) * blocks + b;
        __m256i sum = _mm256_sub_epi32(
            dot[r][h],
            _mm256_mullo_epi32(offsets, _mm256_set1_epi32(q->sums[at])));
        acc[r][h] = _mm256_fmadd_ps(
            _mm256_cvtepi32_ps(sum),
            _mm256_mul_ps(scales[h], _mm256_set1_ps(q->scales[at])), acc[r][h]);
      }
    }
  }
  storeRows(p, acc, r0, rows, col0, width);
}

static AVX2_TARGET void int8ActivationPanels(const BlockGemmProblem *p) {
  SmallFloatDecoder e4m3 = makeDecoder(4, 3, 7);
  /* The unsigned byte of each code, in both 128-bit lanes for vpshufb. */
  uint8_t operands[16];
  for (int code = 0; code < 16; ++code)
    operands[code] = quillBlockInt8Operand(&p->format, (uint32_t)code);
  __m256i table =
      _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)operands));
  for (int64_t col0 = 0; col0 < p->columns; col0 += Columns) {
    int width = quillBlockPanelWidth(p, col0);
    const uint8_t *panel = quillBlockPanel(p, col0);
    for (int64_t r0 = 0; r0 < p->rows; r0 += MaxRows) {
      int rows = (int)(p->rows - r0 < MaxRows ? p->rows - r0 : MaxRows);
#define PASS(n) int8ActivationRows(p, panel, r0, n, col0, width, &e4m3, table)
      SWITCH_ROW_COUNT(rows, PASS)
#undef PASS
    }
  }
}

void quillBlockGemmAvx2(const BlockGemmProblem *p) {
  if (p->int8Rows) {
    int8ActivationPanels(p);
    return;
  }
  if (p->format.exponentBits == 0 && p->format.codeBits == 8)
    int8Panels(p);
  else if (p->format.codeBits == 4)
    float4Panels(p);
  else if (p->format.codeBits == 6)
    float6Panels(p);
  else
    float8Panels(p);
}

int quillBlockGemmAvx2Supported(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

#else

void quillBlockGemmAvx2(const BlockGemmProblem *p) { (void)p; }
int quillBlockGemmAvx2Supported(void) { return 0; }

#endif
