//===- ChannelReordering.h - Permuting channels for block formats -*- C++ -*-=//
//
// quill-reorder-channels as a function the driver calls directly (it needs
// the per-layer results for its report): finds the channel groups of a
// prepared float graph (lib/Quantization/Reorder/ChannelGroups.h), chooses a
// permutation per group for the blocks of the target format, and folds it
// into the constants, gathering graph inputs and outputs that carry it.
// ../shared/docs/TECHNIQUES.md section 4.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_QUANTIZATION_CHANNELREORDERING_H
#define QUILL_QUANTIZATION_CHANNELREORDERING_H

#include "quill/Quantization/Calibration.h"
#include "quill/Quantization/Options.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <string>
#include <vector>

namespace mlir::quill {

enum class ReorderObjective {
  /// Per group, the candidate (none, group or spread, by each statistic at
  /// hand) of least estimated quantized-output error.
  Auto,
  /// Sort so that each block holds channels of similar magnitude.
  Group,
  /// Deal the largest channels round-robin over the blocks.
  Spread,
};
llvm::cl::ValuesClass getReorderObjectiveValues();

/// The statistic option: a ChannelStatistic, or Auto.
enum class ReorderStatistic { Auto, WeightNorm, AbsMax, MeanAbs, RMS };
llvm::cl::ValuesClass getReorderStatisticValues();
std::optional<ChannelStatistic> getChannelStatistic(ReorderStatistic statistic);

llvm::StringRef getReorderObjectiveName(ReorderObjective objective);
llvm::StringRef getChannelStatisticName(ChannelStatistic statistic);

struct ChannelReorderingOptions {
  ReorderObjective objective = ReorderObjective::Auto;
  /// The statistic Group and Spread rank by (Auto tries each one at hand);
  /// none: max |x| when calibration statistics exist, else weight norms.
  std::optional<ChannelStatistic> statistic;
  /// The format whose blocks the permutation serves.
  QuantFormat format = QuantFormat::MXFP4;
  /// The block size; 0: the format's (int4 formats need one).
  int64_t blockSize = 0;
  /// int4: the block size of its activations (0: per tensor, which no
  /// permutation changes).
  int64_t activationBlockSize = 0;
  BlockScaleRounding rounding = BlockScaleRounding::Floor;
  /// Calibration statistics with channel statistics, or null.
  const CalibrationStatistics *statistics = nullptr;
  /// A remark per channel group: what was kept, or why it was left alone.
  bool remarks = false;
};

/// What the pass did for one consumer (a quantizable op summing over a
/// group's channels).
struct ReorderedLayer {
  Operation *op;
  /// The consumer's ONNX node name.
  std::string name;
  /// Channels in its group, and why the group was left alone (empty when
  /// it could be permuted).
  int64_t groupSize = 0;
  std::string refusal;
  /// "none", or the objective and statistic kept ("group/max").
  std::string kept;
  /// Estimated SQNR (dB) of the block-quantized product over the sampled
  /// calibration rows (of the weight alone without rows) unpermuted and
  /// with what was kept.
  double sqnrUnpermuted = 0.0, sqnrKept = 0.0;
};

/// Reorders the channels of `function` in place; fails (after a diagnostic)
/// on options that do not fit the model.
FailureOr<std::vector<ReorderedLayer>>
reorderChannels(func::FuncOp function, const ChannelReorderingOptions &options);

} // namespace mlir::quill

#endif // QUILL_QUANTIZATION_CHANNELREORDERING_H
