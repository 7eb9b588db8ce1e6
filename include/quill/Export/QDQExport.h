//===- QDQExport.h - Quantized graph IR back to a QDQ ONNX model -*- C++
//-*-===//
//
// --emit=qdq-onnx: the quantization quill-quantize chose, written into the
// ONNX model it came from as the standard QDQ form ONNX Runtime runs:
// QuantizeLinear -> DequantizeLinear after each quantized activation (all
// its consumers read the dequantized value), int8 weight initializers
// behind DequantizeLinear (per output channel: `axis`), and int32 biases at
// scale x_scale * w_scale; 4-bit weights (int4-weights) as ONNX Runtime's
// com.microsoft.MatMulNBits. Everything else in the model is kept as it was.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_EXPORT_QDQEXPORT_H
#define QUILL_EXPORT_QDQEXPORT_H

#include "mlir/IR/BuiltinOps.h"

namespace onnx {
class ModelProto;
} // namespace onnx

namespace mlir::quill {

/// Rewrites `model`, the ONNX model `module` was imported from, with the
/// quantization of `module` (after quill-quantize, before the integer
/// rewrite). Errors (a weight that graph preparation changed, an opset
/// before 13 with per-channel weights) are emitted on the op concerned.
LogicalResult exportQDQModel(ModuleOp module, onnx::ModelProto &model);

} // namespace mlir::quill

#endif // QUILL_EXPORT_QDQEXPORT_H
