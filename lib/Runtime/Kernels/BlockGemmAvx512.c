/*===- BlockGemmAvx512.c - Block-scaled weight products, AVX-512 ----------===*\
|*                                                                            *|
|* One panel of 16 columns at a time, up to 8 rows of A per pass: each k's    *|
|* 16 codes are widened to int32 lanes and decoded (4- and 6-bit ones by      *|
|* tables of their values, wider ones by bit arithmetic: a small              *|
|* float's exponent and mantissa moved into an f32's, subnormals fixed with   *|
|* one masked FMA, the sign or'ed in; int8 converted), then multiplied into   *|
|* the rows' partial sums, which take the block's scale once per block.       *|
|* With int8 activations (AVX-512 VNNI): vpdpbusd on the octets' nibbles.     *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "BlockGemmKernels.h"

#if defined(__x86_64__)

#include <immintrin.h>

#define AVX512_TARGET                                                          \
  __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,fma")))
#define INLINE static inline __attribute__((always_inline)) AVX512_TARGET

enum { MaxRows = 8, Columns = QuillBlockPanelColumns };

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
  case 4:                                                                      \
    PASS(4);                                                                   \
    break;                                                                     \
  case 5:                                                                      \
    PASS(5);                                                                   \
    break;                                                                     \
  case 6:                                                                      \
    PASS(6);                                                                   \
    break;                                                                     \
  case 7:                                                                      \
    PASS(7);                                                                   \
    break;                                                                     \
  case 8:                                                                      \
    PASS(8);                                                                   \
    break;                                                                     \
  }

/* The constants of decoding one small float format. */
typedef struct SmallFloatDecoder {
  __m512i magnitudeMask, exponentMask, mantissaShift, signShift, rebias;
  __m512 two, minNormal;
} SmallFloatDecoder;

INLINE SmallFloatDecoder makeDecoder(int exponentBits, int mantissaBits,
                                     int bias) {
  SmallFloatDecoder d;
  int width = exponentBits + mantissaBits;
  d.magnitudeMask = _mm512_set1_epi32((1 << width) - 1);
  d.exponentMask = _mm512_set1_epi32(((1 << exponentBits) - 1) << mantissaBits);
  d.mantissaShift = _mm512_set1_epi32(23 - mantissaBits);
  d.signShift = _mm512_set1_epi32(width);
  d.rebias = _mm512_set1_epi32((127 - bias) << 23);
  d.two = _mm512_set1_ps(2.0f);
  d.minNormal = _mm512_castsi512_ps(_mm512_set1_epi32((128 - bias) << 23));
  return d;
}

/* The f32 values of 16 codes: the exponent and mantissa as an f32's, the
 * exponent rebiased; an exponent field of 0 reads 2^-bias * 1.m there, and
 * the subnormal it stands for is twice that less the smallest normal. */
INLINE __m512 decodeSmallFloats(__m512i codes, const SmallFloatDecoder *d) {
  __m512i magnitude = _mm512_and_si512(codes, d->magnitudeMask);
  __m512 value = _mm512_castsi512_ps(_mm512_add_epi32(
      _mm512_sllv_epi32(magnitude, d->mantissaShift), d->rebias));
  __mmask16 subnormal = _mm512_testn_epi32_mask(codes, d->exponentMask);
  value = _mm512_mask_fmsub_ps(value, subnormal, d->two, d->minNormal);
  __m512i sign = _mm512_slli_epi32(_mm512_srlv_epi32(codes, d->signShift), 31);
  return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(value), sign));
}

INLINE __m512i loadNibbleCodes(const uint8_t *row) {
  __m128i bytes = _mm_loadl_epi64((const __m128i *)row);
  __m128i nibble = _mm_set1_epi8(0x0F);
  __m128i low = _mm_and_si128(bytes, nibble);
  __m128i high = _mm_and_si128(_mm_srli_epi16(bytes, 4), nibble);
  return _mm512_cvtepu8_epi32(_mm_unpacklo_epi8(low, high));
}

/* The 16 6-bit codes of a row (12 bytes; the packed weights are padded for
 * the 16-byte load): each 128-bit lane takes the 3 bytes of its 4 codes
 * into every dword, which shifts by 0, 6, 12, 18. */
INLINE __m512i loadSixBitCodes(const uint8_t *row) {
  __m512i bytes = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)row));
  const __m512i groups = _mm512_set_epi32(
      quillSixBitGroup(9), quillSixBitGroup(9), quillSixBitGroup(9),
      quillSixBitGroup(9), quillSixBitGroup(6), quillSixBitGroup(6),
      quillSixBitGroup(6), quillSixBitGroup(6), quillSixBitGroup(3),
      quillSixBitGroup(3), quillSixBitGroup(3), quillSixBitGroup(3),
      quillSixBitGroup(0), quillSixBitGroup(0), quillSixBitGroup(0),
      quillSixBitGroup(0));
  const __m512i shifts =
      _mm512_set_epi32(18, 12, 6, 0, 18, 12, 6, 0, 18, 12, 6, 0, 18, 12, 6, 0);
  __m512i words = _mm512_shuffle_epi8(bytes, groups);
  return _mm512_and_si512(_mm512_srlv_epi32(words, shifts),
                          _mm512_set1_epi32(63));
}

/* How the codes of a format are stored and decoded. */
enum CodeKind { Float4, Float6, Float8, Int8 };

/* The values of every code of a 4- or 6-bit format, 16 per vector. */
typedef struct CodeTable {
  __m512 values[4];
} CodeTable;

/* 4-bit codes index a table of their 16 values (all normal in f32), one
 * permute; 6-bit ones their 64 values, two two-table permutes and a blend
 * on bit 5; wider ones are decoded by bit arithmetic. */
INLINE __m512 decodeRow(const uint8_t *row, int kind,
                        const SmallFloatDecoder *d, const CodeTable *table) {
  if (kind == Int8)
    return _mm512_cvtepi32_ps(
        _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)row)));
  if (kind == Float4)
    return _mm512_permutexvar_ps(loadNibbleCodes(row), table->values[0]);
  if (kind == Float6) {
    __m512i codes = loadSixBitCodes(row);
    __m512 low =
        _mm512_permutex2var_ps(table->values[0], codes, table->values[1]);
    __m512 high =
        _mm512_permutex2var_ps(table->values[2], codes, table->values[3]);
    return _mm512_mask_blend_ps(
        _mm512_test_epi32_mask(codes, _mm512_set1_epi32(32)), low, high);
  }
  return decodeSmallFloats(
      _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)row)), d);
}

/* A block's 16 scales, times the format's factor. */
INLINE __m512 decodeScales(const uint8_t *chunk, const QuillBlockWeights *f,
                           const SmallFloatDecoder *e4m3) {
  __m512i bytes = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)chunk));
  __m512 scales;
  if (f->scaleKind == 1) {
    scales = decodeSmallFloats(bytes, e4m3);
  } else {
    /* E8M0: the byte is an f32 exponent field; 0 is 2^-127. */
    scales = _mm512_castsi512_ps(_mm512_slli_epi32(bytes, 23));
    scales = _mm512_mask_blend_ps(
        _mm512_testn_epi32_mask(bytes, bytes), scales,
        _mm512_castsi512_ps(_mm512_set1_epi32(0x00400000)));
  }
  return _mm512_mul_ps(scales, _mm512_set1_ps(f->scaleFactor));
}

/* Adds each row's 16 sums to C's first `width` columns from col0. */
INLINE void storeRows(const BlockGemmProblem *p, const __m512 *acc, int64_t r0,
                      int rows, int64_t col0, int width) {
  __mmask16 mask = (__mmask16)((1u << width) - 1);
  for (int r = 0; r < rows; ++r) {
    float *c = p->c + (r0 + r) * p->cRowStride + col0 * p->cColStride;
    if (p->cColStride == 1) {
      _mm512_mask_storeu_ps(
          c, mask, _mm512_add_ps(_mm512_maskz_loadu_ps(mask, c), acc[r]));
      continue;
    }
    float sums[Columns];
    _mm512_storeu_ps(sums, acc[r]);
    for (int j = 0; j < width; ++j)
      c[j * p->cColStride] += sums[j];
  }
}

/* C[r0 .. r0 + rows) of one panel += A * B. */
INLINE void panelRows(const BlockGemmProblem *p, const uint8_t *panel,
                      int64_t r0, int rows, int64_t col0, int width, int kind,
                      const SmallFloatDecoder *d, const SmallFloatDecoder *e4m3,
                      const CodeTable *table, const float *blockSums) {
  const QuillBlockWeights *f = &p->format;
  int64_t blocks = p->depth / f->blockSize;
  int64_t chunkBytes = quillBlockChunkBytes(f);
  int64_t codeBytes = quillBlockCodeBytes(f);
  const float *a[MaxRows];
  __m512 acc[MaxRows];
  for (int r = 0; r < rows; ++r) {
    a[r] = p->a + (r0 + r) * p->aRowStride;
    acc[r] = _mm512_setzero_ps();
  }
  int64_t aColStride = p->aColStride;
  /* Few rows make few independent FMA chains: each row then sums its block
   * in `chains` interleaved partial sums, so that the FMA latency overlaps
   * (block sizes are multiples of 4). */
  const int chains = rows <= 2 ? 4 : 1;
  for (int64_t b = 0; b < blocks; ++b) {
    const uint8_t *chunk = panel + b * chunkBytes;
    __m512 partial[MaxRows][4];
    for (int r = 0; r < rows; ++r)
      for (int c = 0; c < chains; ++c)
        partial[r][c] = _mm512_setzero_ps();
    const uint8_t *row = chunk + quillBlockHeaderBytes(f);
    int64_t k = b * f->blockSize;
    for (int t = 0; t < f->blockSize; t += chains)
      for (int c = 0; c < chains; ++c, ++k, row += codeBytes) {
        __m512 w = decodeRow(row, kind, d, table);
        for (int r = 0; r < rows; ++r)
          partial[r][c] = _mm512_fmadd_ps(_mm512_set1_ps(a[r][k * aColStride]),
                                          w, partial[r][c]);
      }
    __m512 scales, zeroPoints = _mm512_setzero_ps();
    if (f->scaleKind == QuillBlockScaleF32) {
      scales = _mm512_loadu_ps((const float *)chunk);
      zeroPoints = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(
          _mm_loadu_si128((const __m128i *)(chunk + 4 * Columns))));
    } else {
      scales = decodeScales(chunk, f, e4m3);
    }
    for (int r = 0; r < rows; ++r) {
      __m512 sum = partial[r][0];
      for (int c = 1; c < chains; ++c)
        sum = _mm512_add_ps(sum, partial[r][c]);
      /* sum (code - zp) x = sum code x - zp sum x */
      if (f->scaleKind == QuillBlockScaleF32)
        sum = _mm512_fnmadd_ps(
            zeroPoints, _mm512_set1_ps(blockSums[(r0 + r) * blocks + b]), sum);
      acc[r] = _mm512_fmadd_ps(sum, scales, acc[r]);
    }
  }
  storeRows(p, acc, r0, rows, col0, width);
}

INLINE void allPanels(const BlockGemmProblem *p, int kind) {
  const QuillBlockWeights *f = &p->format;
  SmallFloatDecoder d = makeDecoder(f->exponentBits > 0 ? f->exponentBits : 1,
                                    f->mantissaBits, f->bias);
  SmallFloatDecoder e4m3 = makeDecoder(4, 3, 7);
  /* The values of the 4- and 6-bit codes: fp4's and fp6's, or the
   * unsigned integers of codes with zero points. */
  CodeTable table;
  __m512i indices =
      _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
  for (int part = 0; part < 4; ++part) {
    __m512i codes = _mm512_add_epi32(indices, _mm512_set1_epi32(16 * part));
    table.values[part] = f->scaleKind == QuillBlockScaleF32
                             ? _mm512_cvtepi32_ps(codes)
                             : decodeSmallFloats(codes, &d);
  }
  float *blockSums = quillBlockGemmRowSums(p);
  if (f->scaleKind == QuillBlockScaleF32 && !blockSums)
    return;
  /* Each panel in passes of up to MaxRows rows, the row count and the code
   * kind constants in each. */
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

static AVX512_TARGET void float4Panels(const BlockGemmProblem *p) {
  allPanels(p, Float4);
}
static AVX512_TARGET void float6Panels(const BlockGemmProblem *p) {
  allPanels(p, Float6);
}
static AVX512_TARGET void float8Panels(const BlockGemmProblem *p) {
  allPanels(p, Float8);
}
static AVX512_TARGET void int8Panels(const BlockGemmProblem *p) {
  allPanels(p, Int8);
}

#define VNNI_TARGET                                                            \
  __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx512vnni,fma")))
#define VNNI_INLINE static inline __attribute__((always_inline)) VNNI_TARGET

/* int8 activations: C[r0 .. r0 + rows) of one panel += A * B, each block's
 * products summed in int32 by vpdpbusd from an octet's two nibble planes
 * (unsigned weight bytes through a table for fp4) and A's codes broadcast
 * four at a time; few rows sum the planes in separate chains. */
VNNI_INLINE void int8ActivationRows(const BlockGemmProblem *p,
                                    const uint8_t *panel, int64_t r0, int rows,
                                    int64_t col0, int width,
                                    const SmallFloatDecoder *e4m3,
                                    __m512i table) {
  const QuillBlockWeights *f = &p->format;
  const BlockGemmInt8Rows *q = p->int8Rows;
  int64_t blocks = p->depth / f->blockSize;
  int64_t chunkBytes = quillBlockChunkBytes(f);
  int fp4 = f->scaleKind != QuillBlockScaleF32;
  __m512i nibble = _mm512_set1_epi8(0x0F);
  const int chains = rows <= 2 ? 2 : 1;
  __m512 acc[MaxRows];
  for (int r = 0; r < rows; ++r)
    acc[r] = _mm512_setzero_ps();
  for (int64_t b = 0; b < blocks; ++b) {
    const uint8_t *chunk = panel + b * chunkBytes;
    const uint8_t *octet = chunk + quillBlockHeaderBytes(f);
    __m512i dot[MaxRows][2];
    for (int r = 0; r < rows; ++r)
      dot[r][0] = dot[r][1] = _mm512_setzero_si512();
    const int8_t *a = q->codes + r0 * p->depth + b * f->blockSize;
    for (int t = 0; t < f->blockSize; t += 8, octet += 64) {
      __m512i bytes = _mm512_loadu_si512(octet);
      __m512i low = _mm512_and_si512(bytes, nibble);
      __m512i high = _mm512_and_si512(_mm512_srli_epi16(bytes, 4), nibble);
      if (fp4) {
        low = _mm512_shuffle_epi8(table, low);
        high = _mm512_shuffle_epi8(table, high);
      }
      for (int r = 0; r < rows; ++r) {
        int32_t first, second;
        memcpy(&first, a + r * p->depth + t, 4);
        memcpy(&second, a + r * p->depth + t + 4, 4);
        dot[r][0] =
            _mm512_dpbusd_epi32(dot[r][0], low, _mm512_set1_epi32(first));
        dot[r][chains - 1] = _mm512_dpbusd_epi32(dot[r][chains - 1], high,
                                                 _mm512_set1_epi32(second));
      }
    }
    __m512 scales;
    __m512i offsets;
    if (fp4) {
      scales =
          _mm512_mul_ps(decodeScales(chunk, f, e4m3), _mm512_set1_ps(0.5f));
      offsets = _mm512_set1_epi32(QuillFp4Offset);
    } else {
      scales = _mm512_loadu_ps((const float *)chunk);
      offsets = _mm512_cvtepu8_epi32(
          _mm_loadu_si128((const __m128i *)(chunk + 4 * Columns)));
    }
    for (int r = 0; r < rows; ++r) {
      int64_t at = (r0 + r) * blocks + b;
      __m512i sum =
          chains == 2 ? _mm512_add_epi32(dot[r][0], dot[r][1]) : dot[r][0];
      sum = _mm512_sub_epi32(
          sum, _mm512_mullo_epi32(offsets, _mm512_set1_epi32(q->sums[at])));
      acc[r] = _mm512_fmadd_ps(
          _mm512_cvtepi32_ps(sum),
          _mm512_mul_ps(scales, _mm512_set1_ps(q->scales[at])), acc[r]);
    }
  }
  storeRows(p, acc, r0, rows, col0, width);
}

static VNNI_TARGET void int8ActivationPanels(const BlockGemmProblem *p) {
  SmallFloatDecoder e4m3 = makeDecoder(4, 3, 7);
  /* The unsigned byte of each code, in every 128-bit lane for vpshufb. */
  uint8_t operands[16];
  for (int code = 0; code < 16; ++code)
    operands[code] = quillBlockInt8Operand(&p->format, (uint32_t)code);
  __m512i table =
      _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)operands));
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

int quillBlockGemmVnniSupported(void) {
  __builtin_cpu_init();
  return quillBlockGemmAvx512Supported() &&
         __builtin_cpu_supports("avx512vnni");
}

void quillBlockGemmAvx512(const BlockGemmProblem *p) {
  /* Without VNNI, AVX2's vpmaddubsw does the int8 products. */
  if (p->int8Rows) {
    if (quillBlockGemmVnniSupported())
      int8ActivationPanels(p);
    else
      quillBlockGemmAvx2(p);
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

int quillBlockGemmAvx512Supported(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") &&
         __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("fma");
}

#else

void quillBlockGemmAvx512(const BlockGemmProblem *p) { (void)p; }
int quillBlockGemmAvx512Supported(void) { return 0; }
int quillBlockGemmVnniSupported(void) { return 0; }

#endif
