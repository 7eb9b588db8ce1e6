//===- OpChannels.h - How one op carries channels ---------------*- C++ -*-===//
//
// The per-op rules of the channel-group analysis: given the channel axes of
// one operand or result, which axes of the op's other operands and results
// hold the same channels (and at what offset), whether the op sums over
// them with a constant weight (a consumer), or why it cannot be followed.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_LIB_QUANTIZATION_REORDER_OPCHANNELS_H
#define QUILL_LIB_QUANTIZATION_REORDER_OPCHANNELS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <optional>
#include <string>

namespace mlir::quill {

/// Axes of one value, major first, whose joint row-major index is a channel.
using ChannelAxes = SmallVector<int64_t, 2>;

/// A MatMul / Gemm / Conv / ConvTranspose with a constant weight whose
/// reduction axis is in the group: where block quantization happens.
struct ChannelConsumer {
  Operation *op;
  OpOperand *activation;
  OpOperand *weight;
  /// The reduction axes of the activation and the weight.
  int64_t activationAxis, weightAxis;
  int64_t offset, size;
};

/// A value of the op whose channels are the given slot's.
struct ChannelRelation {
  Value value;
  /// The operand it is (constants take the permutation per use), or null
  /// for a result.
  OpOperand *use = nullptr;
  ChannelAxes axes;
  /// This value's channel i is the slot's channel i + delta.
  int64_t delta = 0;
  /// The value is returned by the function: it must leave in its order.
  bool returned = false;
};

struct OpChannels {
  SmallVector<ChannelRelation> relations;
  /// Set when the op sums over the slot's channels with a constant weight
  /// (offset and size are the analysis').
  std::optional<ChannelConsumer> consumer;
  /// Channels must stay within aligned blocks of this size (attention
  /// heads: a batch axis of a product rides along); 0 when free.
  int64_t wholeBlocks = 0;
};

/// The relations of `op` to `value` on `axes`, where `value` is the operand
/// `use` of `op` or, with a null `use`, one of its results. Fails with a
/// reason when the op mixes or drops the channels in a way no permutation
/// of the others can undo.
LogicalResult getOpChannels(Operation *op, Value value, OpOperand *use,
                            ArrayRef<int64_t> axes, OpChannels &channels,
                            std::string &why);

struct SeedChannel {
  Value value;
  ChannelAxes axes;
};

/// The reduction axes of the activations of `function`'s quantizable ops.
SmallVector<SeedChannel> getSeedChannels(func::FuncOp function);

} // namespace mlir::quill

#endif // QUILL_LIB_QUANTIZATION_REORDER_OPCHANNELS_H
