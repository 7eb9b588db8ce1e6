//===- ShapeFolding.h - Folding of shape computations in ONNX graphs -*- C++
//-*-===//
//
// Internal to lib/Import/ONNX.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_LIB_IMPORT_ONNX_SHAPEFOLDING_H
#define QUILL_LIB_IMPORT_ONNX_SHAPEFOLDING_H

#include <onnx/onnx_pb.h>

#include <cstdint>

namespace mlir::quill::onnx_import {

/// Evaluates the small integer and boolean computations exporters build
/// shapes with (Shape, Gather, Unsqueeze, Squeeze, Concat, Slice, Reshape,
/// Cast, ConstantOfShape, Range, NonZero, arithmetic, comparisons, Where,
/// Identity,
/// Constant) wherever their inputs are known, replacing the
/// nodes by initializers. libonnx's data propagation stops at Gather, which
/// leaves `Reshape(x, Concat(Gather(Shape(x)), ...))` without a shape.
/// `opset` is the model's default-domain opset. Returns whether anything was
/// folded; shape inference should run again after a fold, since newly known
/// shapes let more Shape nodes fold.
bool foldShapeComputations(onnx::GraphProto &graph, int64_t opset);

} // namespace mlir::quill::onnx_import

#endif // QUILL_LIB_IMPORT_ONNX_SHAPEFOLDING_H
