//===- Tensors.h - ONNX types and tensor data into MLIR ---------*- C++ -*-===//
//
// Internal to lib/Import/ONNX.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_LIB_IMPORT_ONNX_TENSORS_H
#define QUILL_LIB_IMPORT_ONNX_TENSORS_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"

#include <onnx/onnx_pb.h>

#include <string>

namespace mlir::quill::onnx_import {

/// The MLIR element type of an ONNX TensorProto data type: signed integers
/// are signless (i8), unsigned ones unsigned (ui8), bool is i1. Null for
/// types Quill does not handle (strings, complex).
Type convertElementType(MLIRContext *context, int32_t onnxType);

/// The name of an ONNX data type, for diagnostics.
std::string getDataTypeName(int32_t onnxType);

/// The tensor type of an ONNX TypeProto; unknown dimensions are dynamic.
/// Fails with `error` set for non-tensor or unsupported element types.
FailureOr<RankedTensorType> convertTensorType(MLIRContext *context,
                                              const onnx::TypeProto &type,
                                              std::string &error);

/// The contents of `tensor` as a dense attribute. `modelDir` anchors the
/// location of external data. Fails with `error` set for unsupported types,
/// data of the wrong size, and missing or short external files.
FailureOr<DenseElementsAttr> convertTensor(MLIRContext *context,
                                           const onnx::TensorProto &tensor,
                                           StringRef modelDir,
                                           std::string &error);

} // namespace mlir::quill::onnx_import

#endif // QUILL_LIB_IMPORT_ONNX_TENSORS_H
