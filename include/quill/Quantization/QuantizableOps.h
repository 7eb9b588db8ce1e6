//===- QuantizableOps.h - What int8 quantization touches --------*- C++ -*-===//
//
// One definition, shared by the passes that observe tensors during
// calibration and the pass that quantizes with the statistics: which ops are
// quantized (MatMul, Gemm, Conv, ConvTranspose with a constant float weight),
// which of their values carry statistics, the names those statistics go by
// (ONNX tensor and node names, so a saved statistics file reads well), and
// which ops pass quantized values through unchanged.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_QUANTIZATION_QUANTIZABLEOPS_H
#define QUILL_QUANTIZATION_QUANTIZABLEOPS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Value.h"

#include <optional>
#include <string>

namespace mlir::quill {

struct QuantizableOp {
  Operation *op;
  /// The float activation the op reads.
  OpOperand *activation;
  /// The constant float weight.
  OpOperand *weight;
  /// The axis of `weight` that indexes output channels.
  int64_t weightChannelAxis;
  /// The value whose range the output is quantized to: the op's result, or
  /// the ReLU that is its only user.
  Value output;
};

/// The quantizable ops of `function` in program order.
SmallVector<QuantizableOp> getQuantizableOps(func::FuncOp function);

/// The axes of a quantizable op's activation and weight that its products
/// sum over: MatMul / Gemm K; Conv and ConvTranspose input channels (axis 1
/// of the activation, of Conv's [M, C / group, K...] weight, axis 0 of
/// ConvTranspose's [C, M / group, K...]).
struct ReductionAxes {
  int64_t activation;
  int64_t weight;
};
ReductionAxes getReductionAxes(const QuantizableOp &op);

/// Every float tensor integer-only quantization gives a range of its own, in
/// program order: graph inputs and op results, except constants (and ops on
/// constants only), dequantize results, the results of ops that move
/// quantized values (they keep their input's range), a value whose only
/// user is a ReLU (the ReLU's result has the range) and a MatMul whose only
/// user adds a constant bias to it (the sum has the range).
SmallVector<Value> getActivationTensors(func::FuncOp function);

/// Whether `op` only moves or selects the values of its first operand
/// (Reshape, Transpose, MaxPool), so that it works on quantized values as
/// they are.
bool movesQuantizedValues(Operation *op);

/// The name statistics of `value` go by: a graph input's ONNX name, or the
/// ONNX node name of the op that produced it (with ":N" for its N-th result,
/// N > 0). None for values with no such name.
std::optional<std::string> getStatisticsName(Value value);

} // namespace mlir::quill

#endif // QUILL_QUANTIZATION_QUANTIZABLEOPS_H
