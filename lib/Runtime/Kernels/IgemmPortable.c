/*===- IgemmPortable.c - The int8 tile kernel in plain C ----------*- C -*-===*\
\*===----------------------------------------------------------------------===*/

#include "IgemmKernels.h"

/*===----------------------------------------------------------------------===*
 * Portable C
 *===----------------------------------------------------------------------===*/

enum { PortableTileRows = 4 };

static void portableKernel(const TileTask *task) {
  int32_t acc[PortableTileRows][PanelColumns] = {{0}};
  const int8_t *b = task->b;
  for (int64_t g = 0; g < task->groups; ++g) {
    for (int i = 0; i < task->rows; ++i) {
      uint32_t word = task->a[g * PortableTileRows + i];
      for (int j = 0; j < PanelColumns; ++j)
        for (int t = 0; t < GroupDepth; ++t)
          acc[i][j] +=
              (int32_t)((word >> (8 * t)) & 0xFF) * b[j * GroupDepth + t];
    }
    b += GroupDepth * PanelColumns;
  }
  finishTile(&acc[0][0], PanelColumns, task, task->rows);
}

const KernelConfig quillIgemmPortableConfig = {PortableTileRows, portableKernel,
                                            portableKernel};
