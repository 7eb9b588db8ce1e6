//===- ControlFlow.h - ONNX If, Loop and Scan unrolled ------------*- C++
//-*-===//
//
// Internal to lib/Import/ONNX.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_LIB_IMPORT_ONNX_CONTROLFLOW_H
#define QUILL_LIB_IMPORT_ONNX_CONTROLFLOW_H

#include <onnx/onnx_pb.h>

#include <cstdint>

namespace mlir::quill::onnx_import {

/// Replaces each If whose condition is an initializer (a constant, a frozen
/// input, or a folded comparison) by the nodes and initializers of the
/// branch it takes; unrolls each Loop whose trip count is an initializer
/// (iterations after its condition turns false keep their state through
/// Where) and each Scan of opset 9 on whose inputs' scanned axes shapes
/// agree. `opset` is the graph's default-domain opset. Returns whether
/// anything changed; shape inference and folding should run again after it.
bool inlineKnownControlFlow(onnx::GraphProto &graph, int64_t opset);

/// Replaces each If whose outputs have static shapes (both branches agree
/// on them) by both branches and a Where per output: the rewrite for
/// conditions only known at run time, once nothing else folds them.
/// Returns whether anything changed.
bool selectIfBranchesAtRunTime(onnx::GraphProto &graph, int64_t opset);

} // namespace mlir::quill::onnx_import

#endif // QUILL_LIB_IMPORT_ONNX_CONTROLFLOW_H
