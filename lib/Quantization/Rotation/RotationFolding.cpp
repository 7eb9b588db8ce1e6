//===- RotationFolding.cpp - Folding a rotation into constants ------------===//

#include "RotationFolding.h"

#include "quill/Dialect/Quill/IR/Hadamard.h"

#include <vector>

using namespace mlir;
using namespace mlir::quill;

DenseElementsAttr mlir::quill::rotateAlongAxis(DenseFPElementsAttr values,
                                               int64_t axis, int64_t blockSize,
                                               ArrayRef<float> signs) {
  ArrayRef<int64_t> shape = values.getType().getShape();
  int64_t size = shape[axis], inner = 1;
  for (int64_t d = axis + 1; d < int64_t(shape.size()); ++d)
    inner *= shape[d];
  int64_t outer = values.getNumElements() / (size * inner);
  SmallVector<float> data(values.getValues<float>());
  std::vector<double> line(size);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      float *first = data.data() + o * size * inner + i;
      for (int64_t k = 0; k < size; ++k)
        line[k] = first[k * inner];
      applyHadamard(line, blockSize, signs);
      for (int64_t k = 0; k < size; ++k)
        first[k * inner] = float(line[k]);
    }
  return DenseElementsAttr::get(values.getType(), ArrayRef(data));
}
