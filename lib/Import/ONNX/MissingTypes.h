//===- MissingTypes.h - Types libonnx does not infer -------------*- C++
//-*-===//
//
// Internal to lib/Import/ONNX.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_LIB_IMPORT_ONNX_MISSINGTYPES_H
#define QUILL_LIB_IMPORT_ONNX_MISSINGTYPES_H

#include <onnx/onnx_pb.h>

namespace mlir::quill::onnx_import {

/// Types the outputs whose shapes libonnx 1.12 leaves unknown although the
/// inputs' are known: the com.microsoft ops ORT's quantizer and transformer
/// optimizer emit (QLinearAdd, QLinearMul, QLinearSigmoid, QLinearLeakyRelu,
/// QLinearGlobalAveragePool, QLinearConcat, QGemm, Gelu, FastGelu,
/// BiasGelu) and Mish (opset 18), which it has no schemas for, and Einsum
/// and OneHot (with a constant depth), whose dimensions it does not infer.
/// Returns whether a type was set; inference should then run again.
bool inferMissingTypes(onnx::GraphProto &graph);

} // namespace mlir::quill::onnx_import

#endif // QUILL_LIB_IMPORT_ONNX_MISSINGTYPES_H
