//===- MicrosoftTypes.h - Types of ORT's com.microsoft ops ------*- C++ -*-===//
//
// Internal to lib/Import/ONNX.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_LIB_IMPORT_ONNX_MICROSOFTTYPES_H
#define QUILL_LIB_IMPORT_ONNX_MICROSOFTTYPES_H

#include <onnx/onnx_pb.h>

namespace mlir::quill::onnx_import {

/// Adds value_info for the outputs of the com.microsoft ops ORT's quantizer
/// and transformer optimizer emit (QLinearAdd, QLinearMul, QLinearSigmoid,
/// QLinearLeakyRelu, QLinearGlobalAveragePool, QLinearConcat, QGemm, Gelu,
/// FastGelu, BiasGelu) whose inputs have known types: libonnx has no
/// schemas for them, so its inference stops there.
/// Returns whether a type was added; inference should then run again.
bool inferMicrosoftOpTypes(onnx::GraphProto &graph);

} // namespace mlir::quill::onnx_import

#endif // QUILL_LIB_IMPORT_ONNX_MICROSOFTTYPES_H
