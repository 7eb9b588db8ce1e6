//===- ChannelGroups.h - Axes that must be permuted together ----*- C++ -*-===//
//
// The analysis behind quill-reorder-channels. A channel group is every
// tensor axis whose channels must move together for a permutation to keep
// the function: a producer's output channels, what elementwise ops, norms,
// reshapes, transposes, concats and slices carry them to, and each
// consumer's reduction axis. Channels are related by offsets (a Concat puts
// its inputs side by side), so a group is an interval of channel positions
// cut into segments that a permutation may only shuffle within (a slot's
// edges, attention heads). ../shared/docs/TECHNIQUES.md section 4.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_LIB_QUANTIZATION_REORDER_CHANNELGROUPS_H
#define QUILL_LIB_QUANTIZATION_REORDER_CHANNELGROUPS_H

#include "OpChannels.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <string>
#include <vector>

namespace mlir::quill {

/// A permuted use: a constant to fold the permutation into, a function
/// argument to gather once, or a returned value to gather back.
struct ChannelEndpoint {
  enum class Kind { Constant, Argument, Result };
  Kind kind;
  /// The use to rewrite (Constant, Result) or any use of the argument.
  OpOperand *use;
  /// The axes of the used value whose row-major joint index is the channel.
  SmallVector<int64_t, 2> axes;
  /// The position of the endpoint's channel 0 in the group.
  int64_t offset;
  int64_t size;
};

struct ChannelGroup {
  /// Channel positions are [0, size). A tensor's channel i sits at position
  /// (offset + i) mod size: a group whose positions repeat (one permutation
  /// for every period) has tensors longer than it.
  int64_t size = 0;
  /// Segment starts, ascending, from 0; a permutation keeps each segment.
  SmallVector<int64_t> cuts;
  SmallVector<ChannelEndpoint> endpoints;
  SmallVector<ChannelConsumer> consumers;
  /// Set when the group cannot be permuted: the op the analysis could not
  /// follow and why.
  Operation *refusedAt = nullptr;
  std::string refusal;

  bool isPermutable() const { return !refusedAt; }
};

/// The channel of a tensor at `offset` in a group of `size` positions that
/// permutation[p] (position p holds position permutation[p]) puts at its
/// channel i.
inline int64_t getPermutedChannel(ArrayRef<int64_t> permutation, int64_t size,
                                  int64_t offset, int64_t i) {
  int64_t position = (offset + i) % size;
  return i - position + permutation[position];
}

/// The channel groups of `function` that reach the reduction axis of a
/// quantizable op, in program order of their first consumer.
std::vector<ChannelGroup> findChannelGroups(func::FuncOp function);

} // namespace mlir::quill

#endif // QUILL_LIB_QUANTIZATION_REORDER_CHANNELGROUPS_H
