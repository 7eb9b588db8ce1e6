//===- ControlFlow.h - ONNX If with a known condition -----------*- C++ -*-===//
//
// Internal to lib/Import/ONNX.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_LIB_IMPORT_ONNX_CONTROLFLOW_H
#define QUILL_LIB_IMPORT_ONNX_CONTROLFLOW_H

#include <onnx/onnx_pb.h>

namespace mlir::quill::onnx_import {

/// Replaces each If whose condition is an initializer (a constant, a frozen
/// input, or a folded comparison) by the nodes and initializers of the
/// branch it takes, whose outputs become the If's through Identity nodes.
/// An If whose branch would redefine a name of the outer graph stays.
/// Returns whether anything was inlined; shape inference and folding should
/// run again after it.
bool inlineConstantIfs(onnx::GraphProto &graph);

} // namespace mlir::quill::onnx_import

#endif // QUILL_LIB_IMPORT_ONNX_CONTROLFLOW_H
