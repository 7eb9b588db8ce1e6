/*===- SgemmPortable.c - The fp32 tile kernel in plain C ----------*- C -*-===*\
\*===----------------------------------------------------------------------===*/

#include "SgemmKernels.h"

enum { PortableTileRows = 4, PortableTileCols = 16 };

static void portableKernel(const TileTask *task) {
  float acc[PortableTileRows][PortableTileCols] = {{0}};
  for (int64_t k = 0; k < task->depth; ++k) {
    const float *b = task->b + k * task->bRowStride;
    for (int i = 0; i < task->rows; ++i)
      for (int j = 0; j < PortableTileCols; ++j)
        acc[i][j] += task->a[i * task->aRowStride + k] * b[j];
  }
  accumulateTile(&acc[0][0], PortableTileCols, task->c, task->rows, task->cols);
}

static void portablePackBPanel(MatrixView b, int64_t depth, int width,
                               float *panel) {
  packBPanelWith(b, depth, width, PortableTileCols, PortableTileCols, panel);
}

const KernelConfig quillSgemmPortableConfig = {
    .tileRows = PortableTileRows,
    .tileCols = PortableTileCols,
    .vectorWidth = PortableTileCols,
    .kernel = portableKernel,
    .packBPanel = portablePackBPanel,
    .transposedBCost = 40.0,
};
