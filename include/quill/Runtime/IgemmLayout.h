/*===- IgemmLayout.h - The packed int8 B operand of quill_igemm ---*- C -*-===*\
|*                                                                            *|
|* The layout in which the int8 GEMM reads its B operand. The runtime packs   *|
|* B into it on every call of quill_igemm_s8; the compiler packs constant     *|
|* weights into it once, at compile time, for quill_igemm_s8_packed. Both     *|
|* use these functions, so the two can never disagree. Plain C that also      *|
|* compiles as C++.                                                           *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef QUILL_RUNTIME_IGEMMLAYOUT_H
#define QUILL_RUNTIME_IGEMMLAYOUT_H

#include <stdint.h>
#include <string.h>

/* B (depth x columns) is cut into panels of 32 columns; a panel holds, for
 * each group of 4 consecutive k, the 4 bytes of its column 0, then of column
 * 1, and so on: one AVX-512 VNNI operand is 16 columns x 4 k. Columns and
 * depth past the matrix are zero. Panels follow one another, each spanning
 * the whole depth, so a block of depth of a panel is contiguous.
 *
 * The kernels multiply A + 128 (unsigned bytes, for vpdpbusd) by B, so B
 * travels with its correction: correction[j] = -128 * sum_k B[k][j]. */
enum { QuillIgemmPanelColumns = 32, QuillIgemmGroupDepth = 4 };

/* The tallest register tile of any code path (AVX-512 VNNI's rows). */
enum { QuillIgemmMaxTileRows = 14 };

/* Groups of 4 k that cover `depth`. */
static inline int64_t quillIgemmGroups(int64_t depth) {
  return (depth + QuillIgemmGroupDepth - 1) / QuillIgemmGroupDepth;
}

/* Bytes of one panel covering `depth`. */
static inline int64_t quillIgemmPanelBytes(int64_t depth) {
  return quillIgemmGroups(depth) * QuillIgemmGroupDepth *
         QuillIgemmPanelColumns;
}

/* Bytes of a whole packed B. */
static inline int64_t quillIgemmPackedBytes(int64_t depth, int64_t columns) {
  int64_t panels =
      (columns + QuillIgemmPanelColumns - 1) / QuillIgemmPanelColumns;
  return panels * quillIgemmPanelBytes(depth);
}

/* Packs depth x width of B (width <= 32; element (k, j) at
 * b[k * rowStride + j * colStride]) into one panel and writes the
 * corrections of its 32 columns (0 past `width`). */
static inline void quillIgemmPackPanel(const int8_t *b, int64_t rowStride,
                                       int64_t colStride, int64_t depth,
                                       int width, int8_t *panel,
                                       int32_t *correction) {
  enum { Columns = QuillIgemmPanelColumns, Group = QuillIgemmGroupDepth };
  int64_t groups = quillIgemmGroups(depth);
  int32_t sums[Columns];
  memset(sums, 0, sizeof(sums));
  memset(panel, 0, (size_t)quillIgemmPanelBytes(depth));
  if (colStride == 1) {
    /* Whole rows of B: sequential reads, one byte lane of each word. */
    for (int64_t k = 0; k < depth; ++k) {
      int8_t *lane = panel + (k / Group) * Group * Columns + k % Group;
      const int8_t *row = b + k * rowStride;
      for (int j = 0; j < width; ++j) {
        lane[Group * j] = row[j];
        sums[j] += row[j];
      }
    }
  } else {
    for (int64_t g = 0; g < groups; ++g)
      for (int j = 0; j < width; ++j)
        for (int t = 0; t < Group && Group * g + t < depth; ++t) {
          int8_t value = b[(Group * g + t) * rowStride + j * colStride];
          panel[(g * Columns + j) * Group + t] = value;
          sums[j] += value;
        }
  }
  for (int j = 0; j < Columns; ++j)
    correction[j] = -128 * sums[j];
}

/* Packs all of B (depth x columns) into `packed`
 * (quillIgemmPackedBytes(depth, columns) bytes) and `correction` (one
 * entry per column). */
static inline void quillIgemmPackB(const int8_t *b, int64_t rowStride,
                                   int64_t colStride, int64_t depth,
                                   int64_t columns, int8_t *packed,
                                   int32_t *correction) {
  enum { Columns = QuillIgemmPanelColumns };
  int64_t panelBytes = quillIgemmPanelBytes(depth);
  for (int64_t col0 = 0; col0 < columns; col0 += Columns) {
    int width = (int)(columns - col0 < Columns ? columns - col0 : Columns);
    int32_t panelCorrection[Columns];
    quillIgemmPackPanel(b + col0 * colStride, rowStride, colStride, depth,
                        width, packed + (col0 / Columns) * panelBytes,
                        panelCorrection);
    memcpy(correction + col0, panelCorrection, (size_t)width * sizeof(int32_t));
  }
}

/* Bytes of quill_igemm_s8_packed_requantize's workspace for an A of
 * rows x depth: A packed whole, in tiles of up to QuillIgemmMaxTileRows
 * rows of 4-byte groups. */
static inline int64_t quillIgemmRequantizeWorkspaceBytes(int64_t rows,
                                                         int64_t depth) {
  return (rows + QuillIgemmMaxTileRows - 1) * quillIgemmGroups(depth) * 4;
}

#endif /* QUILL_RUNTIME_IGEMMLAYOUT_H */
