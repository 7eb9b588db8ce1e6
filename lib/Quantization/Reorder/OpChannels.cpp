//===- OpChannels.cpp - How one op carries channels -----------------------===//

#include "OpChannels.h"

#include "quill/Dialect/Quill/IR/Quill.h"
#include "quill/Quantization/QuantizableOps.h"

#include "mlir/IR/Matchers.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::quill;

namespace {

RankedTensorType getTensorType(Value value) {
  return cast<RankedTensorType>(value.getType());
}

bool isConstant(Value value) { return matchPattern(value, m_Constant()); }

/// Collects the relations of one op to one slot.
class Relater {
public:
  Relater(Operation *op, Value value, OpOperand *use, ArrayRef<int64_t> axes,
          OpChannels &channels, std::string &why)
      : op(op), value(value), use(use), axes(axes), channels(channels),
        why(why) {}

  LogicalResult relate();

private:
  LogicalResult refuse(const Twine &reason) {
    why = reason.str();
    return failure();
  }
  void addOperand(unsigned index, ArrayRef<int64_t> operandAxes,
                  int64_t delta = 0) {
    OpOperand &operand = op->getOpOperand(index);
    channels.relations.push_back(
        {operand.get(), &operand, ChannelAxes(operandAxes), delta});
  }
  void addResult(unsigned index, ArrayRef<int64_t> resultAxes,
                 int64_t delta = 0) {
    channels.relations.push_back(
        {op->getResult(index), nullptr, ChannelAxes(resultAxes), delta});
  }
  /// The operand index of the slot's value, or -1 for a result.
  int64_t operandIndex() const {
    return use ? static_cast<int64_t>(use->getOperandNumber()) : -1;
  }

  LogicalResult relateBroadcast(ArrayRef<unsigned> operands);
  LogicalResult relateSameAxes(Value input, Value result);
  LogicalResult relateMatMul(MatMulOp matmul);
  LogicalResult relateGemm(GemmOp gemm);
  LogicalResult relateConv(Operation *conv, bool transposed, int64_t group);
  LogicalResult relateReshape(ReshapeOp reshape);
  LogicalResult relateTranspose(TransposeOp transpose);
  LogicalResult relateConcat(ConcatOp concat);
  LogicalResult relateSlice(SliceOp slice);
  LogicalResult relateGather(GatherOp gather);
  LogicalResult relateReduce(Operation *reduce, ArrayRef<int64_t> reduced,
                             bool keepdims);
  LogicalResult relatePerChannel(ArrayRef<unsigned> parameters);

  Operation *op;
  Value value;
  OpOperand *use;
  ArrayRef<int64_t> axes;
  OpChannels &channels;
  std::string &why;
};

bool isElementwise(Operation *op) {
  if (isa<AddOp, SubOp, MulOp, DivOp, MaxOp, MinOp, PReluOp, ModOp, PowOp,
          WhereOp, CompareOp, ReluOp, SigmoidOp, HardSwishOp, SoftplusOp,
          SoftsignOp, SignOp, EluOp, CeluOp, SeluOp, ThresholdedReluOp, GeluOp,
          HardSigmoidOp, LeakyReluOp, ClipOp, CastOp>(op))
    return true;
  return op->hasTrait<OpTrait::Elementwise>() && op->getNumResults() == 1 &&
         isa<RankedTensorType>(op->getResult(0).getType());
}

/// Numpy broadcasting: the result holds the channels on the slot's axes
/// (right-aligned), every operand that spans them holds them too, and one
/// that is broadcast along them takes no part.
LogicalResult Relater::relateBroadcast(ArrayRef<unsigned> operands) {
  RankedTensorType resultType = getTensorType(op->getResult(0));
  int64_t rank = resultType.getRank();
  ChannelAxes resultAxes(axes);
  if (use) {
    RankedTensorType type = getTensorType(value);
    for (auto [axis, resultAxis] : llvm::zip(axes, resultAxes)) {
      resultAxis = axis + rank - type.getRank();
      if (resultType.getDimSize(resultAxis) != type.getDimSize(axis))
        return refuse("it broadcasts the channel axis");
    }
  }
  addResult(0, resultAxes);
  for (unsigned index : operands) {
    RankedTensorType type = getTensorType(op->getOperand(index));
    int64_t shift = rank - type.getRank();
    unsigned spanning = 0, broadcast = 0;
    ChannelAxes operandAxes;
    for (int64_t axis : resultAxes) {
      int64_t operandAxis = axis - shift;
      if (operandAxis < 0 || type.getDimSize(operandAxis) == 1) {
        ++broadcast;
      } else if (type.getDimSize(operandAxis) == resultType.getDimSize(axis)) {
        ++spanning;
        operandAxes.push_back(operandAxis);
      }
    }
    if (spanning == resultAxes.size())
      addOperand(index, operandAxes);
    else if (broadcast != resultAxes.size())
      return refuse("operand #" + Twine(index) +
                    " varies along some channel axes only");
  }
  return success();
}

/// Ops that keep the slot's axes as they are when their sizes match
/// (pooling over other axes, padding or resizing other axes).
LogicalResult Relater::relateSameAxes(Value input, Value result) {
  RankedTensorType inputType = getTensorType(input);
  RankedTensorType resultType = getTensorType(result);
  for (int64_t axis : axes)
    if (inputType.getDimSize(axis) != resultType.getDimSize(axis))
      return refuse("it changes the size of the channel axis");
  if (use)
    addResult(0, axes);
  else
    addOperand(0, axes);
  return success();
}

/// Per-channel ops along axis 1 of [N, C, ...] (BatchNorm, InstanceNorm):
/// the parameters `[C]` take the channels when the slot is axis 1.
LogicalResult Relater::relatePerChannel(ArrayRef<unsigned> parameters) {
  if (llvm::is_contained(axes, 1) && axes.size() != 1)
    return refuse("the channel axis is joined with others");
  if (!llvm::is_contained(axes, 1) && isa<InstanceNormOp>(op))
    return refuse("it normalizes over the channel axes");
  if (use && use->getOperandNumber() != 0)
    return refuse("its parameters are not constants");
  if (use)
    addResult(0, axes);
  else
    addOperand(0, axes);
  if (axes.size() == 1 && axes.front() == 1)
    for (unsigned index : parameters)
      addOperand(index, {0});
  return success();
}

LogicalResult Relater::relateMatMul(MatMulOp matmul) {
  int64_t lhsRank = matmul.getLhs().getType().getRank();
  int64_t rhsRank = matmul.getRhs().getType().getRank();
  int64_t rank = matmul.getType().getRank();
  if (lhsRank < 2 || rhsRank < 2)
    return refuse("a vector operand");
  // Each slot axis as a result axis: batch axes, M (rank - 2), N (rank - 1)
  // or K (-1).
  constexpr int64_t kReduction = -1;
  int64_t side = operandIndex(); // 0 lhs, 1 rhs, -1 result
  SmallVector<int64_t> roles;
  for (int64_t axis : axes) {
    if (side == 0)
      roles.push_back(axis == lhsRank - 1   ? kReduction
                      : axis == lhsRank - 2 ? rank - 2
                                            : axis + rank - lhsRank);
    else if (side == 1)
      roles.push_back(axis == rhsRank - 2   ? kReduction
                      : axis == rhsRank - 1 ? rank - 1
                                            : axis + rank - rhsRank);
    else
      roles.push_back(axis);
  }
  int64_t inner = roles.back();
  for (int64_t role : ArrayRef(roles).drop_back())
    if (role == kReduction || role >= rank - 2)
      return refuse("the channels span rows and columns of a product");
  bool batched = roles.size() > 1;
  auto batchAxis = [&](int64_t role, int64_t operandRank) {
    return role - (rank - operandRank);
  };
  // The axes of an operand for the slot's batch roles and its `last` axis;
  // fails when the operand is broadcast along one of them.
  auto operandAxes = [&](Value operand, int64_t last, ChannelAxes &result) {
    RankedTensorType type = getTensorType(operand);
    for (int64_t role : ArrayRef(roles).drop_back()) {
      int64_t axis = batchAxis(role, type.getRank());
      if (axis < 0 ||
          type.getDimSize(axis) != matmul.getType().getDimSize(role))
        return false;
      result.push_back(axis);
    }
    result.push_back(last);
    return true;
  };
  ChannelAxes lhsAxes, rhsAxes;
  if (batched)
    channels.wholeBlocks = getTensorType(value).getDimSize(axes.back());
  if (inner == kReduction) {
    if (!operandAxes(matmul.getLhs(), lhsRank - 1, lhsAxes) ||
        !operandAxes(matmul.getRhs(), rhsRank - 2, rhsAxes))
      return refuse("a broadcast batch axis of a product over the channels");
    if (isConstant(matmul.getLhs()))
      return refuse("a constant left operand sums over the channels");
    addOperand(0, lhsAxes);
    addOperand(1, rhsAxes);
    if (!batched && rhsRank == 2 && isConstant(matmul.getRhs()))
      channels.consumer = ChannelConsumer{op,
                                          &matmul.getLhsMutable(),
                                          &matmul.getRhsMutable(),
                                          lhsRank - 1,
                                          0,
                                          0,
                                          0};
    return success();
  }
  ChannelAxes resultAxes(ArrayRef(roles).drop_back());
  resultAxes.push_back(inner);
  addResult(0, resultAxes);
  if (inner == rank - 2) {
    if (!operandAxes(matmul.getLhs(), lhsRank - 2, lhsAxes))
      return refuse("a broadcast batch axis of a product");
    addOperand(0, lhsAxes);
  } else if (inner == rank - 1) {
    if (!operandAxes(matmul.getRhs(), rhsRank - 1, rhsAxes))
      return refuse("a broadcast batch axis of a product");
    addOperand(1, rhsAxes);
  } else {
    // Batch axes alone: every operand spanning them holds them.
    RankedTensorType resultType = matmul.getType();
    for (unsigned index : {0u, 1u}) {
      RankedTensorType type = getTensorType(op->getOperand(index));
      ChannelAxes operandAxes;
      for (int64_t role : roles) {
        int64_t axis = batchAxis(role, type.getRank());
        if (axis >= 0 && type.getDimSize(axis) == resultType.getDimSize(role))
          operandAxes.push_back(axis);
      }
      if (operandAxes.size() == roles.size())
        addOperand(index, operandAxes);
      else if (!operandAxes.empty())
        return refuse("a partly broadcast batch axis of a product");
    }
  }
  return success();
}

LogicalResult Relater::relateGemm(GemmOp gemm) {
  if (axes.size() != 1)
    return refuse("the channels span several axes of a Gemm");
  int64_t aReduction = gemm.getTransA() ? 0 : 1;
  int64_t bReduction = gemm.getTransB() ? 1 : 0;
  int64_t side = operandIndex();
  int64_t axis = axes.front();
  if ((side == 0 && axis == aReduction) || (side == 1 && axis == bReduction)) {
    if (isConstant(gemm.getA()))
      return refuse("a constant left operand sums over the channels");
    addOperand(0, {aReduction});
    addOperand(1, {bReduction});
    if (!gemm.getTransA() && isConstant(gemm.getB()))
      channels.consumer =
          ChannelConsumer{op,         &gemm.getAMutable(), &gemm.getBMutable(),
                          aReduction, bReduction,          0,
                          0};
    return success();
  }
  // The result axis: 0 for A's rows, 1 for B's columns; the bias C is
  // right-aligned to the result.
  int64_t resultAxis = side == 0   ? 0
                       : side == 1 ? 1
                       : side == 2 ? axis + 2 - getTensorType(value).getRank()
                                   : axis;
  addResult(0, {resultAxis});
  if (resultAxis == 0)
    addOperand(0, {1 - aReduction});
  else
    addOperand(1, {1 - bReduction});
  if (Value bias = gemm.getC()) {
    RankedTensorType type = getTensorType(bias);
    int64_t biasAxis = resultAxis - (2 - type.getRank());
    if (biasAxis >= 0 && type.getDimSize(biasAxis) != 1)
      addOperand(2, {biasAxis});
  }
  return success();
}

/// Conv ([M, C / group, K...] weights) and ConvTranspose ([C, M / group,
/// K...]): the input's channels are summed over with one group, carried
/// through with one channel per group (depthwise Conv).
LogicalResult Relater::relateConv(Operation *conv, bool transposed,
                                  int64_t group) {
  if (axes.size() != 1 || axes.front() != 1)
    return refuse("the channels are not its channel axis");
  int64_t side = operandIndex();
  if (side > 0)
    return refuse("its weight or bias is not a constant");
  Value input = conv->getOperand(0), weight = conv->getOperand(1);
  if (!isConstant(weight))
    return refuse("its weight is not a constant");
  bool hasBias = conv->getNumOperands() > 2;
  int64_t channelsIn = getTensorType(input).getDimSize(1);
  int64_t channelsOut = getTensorType(conv->getResult(0)).getDimSize(1);
  bool depthwise = !transposed && group == channelsIn &&
                   channelsOut == channelsIn && group > 1;
  if (group != 1 && !depthwise)
    return refuse("a grouped convolution");
  if (depthwise) {
    addOperand(0, {1});
    addResult(0, {1});
    addOperand(1, {0});
    if (hasBias)
      addOperand(2, {0});
    return success();
  }
  if (side == 0) {
    int64_t weightAxis = transposed ? 0 : 1;
    addOperand(1, {weightAxis});
    channels.consumer = ChannelConsumer{
        op, &op->getOpOperand(0), &op->getOpOperand(1), 1, weightAxis, 0, 0};
    return success();
  }
  addOperand(1, {transposed ? 1 : 0});
  if (hasBias)
    addOperand(2, {0});
  return success();
}

/// The axes of `to` that hold the row-major span of the contiguous `axes`
/// of `from` (a reshape keeps the row-major order).
std::optional<ChannelAxes> mapReshapedAxes(ArrayRef<int64_t> from,
                                           ArrayRef<int64_t> axes,
                                           ArrayRef<int64_t> to) {
  for (auto [i, axis] : llvm::enumerate(axes))
    if (axis != axes.front() + static_cast<int64_t>(i))
      return std::nullopt;
  int64_t prefix = 1, span = 1;
  for (int64_t d = 0; d < axes.front(); ++d)
    prefix *= from[d];
  for (int64_t axis : axes)
    span *= from[axis];
  int64_t product = 1, first = 0, rank = to.size();
  while (first < rank && product < prefix)
    product *= to[first++];
  if (product != prefix)
    return std::nullopt;
  while (first < rank && to[first] == 1 && span != 1)
    ++first;
  ChannelAxes result;
  int64_t size = 1;
  for (int64_t d = first; d < rank && size < span; ++d) {
    size *= to[d];
    result.push_back(d);
  }
  if (size != span)
    return std::nullopt;
  return result;
}

LogicalResult Relater::relateReshape(ReshapeOp reshape) {
  ArrayRef<int64_t> inputShape = reshape.getInput().getType().getShape();
  ArrayRef<int64_t> resultShape = reshape.getType().getShape();
  std::optional<ChannelAxes> mapped =
      use ? mapReshapedAxes(inputShape, axes, resultShape)
          : mapReshapedAxes(resultShape, axes, inputShape);
  if (!mapped)
    return refuse("it splits or merges the channel axes with others");
  if (use)
    addResult(0, *mapped);
  else
    addOperand(0, *mapped);
  return success();
}

LogicalResult Relater::relateTranspose(TransposeOp transpose) {
  ArrayRef<int64_t> permutation = transpose.getPermutation();
  ChannelAxes mapped;
  for (int64_t axis : axes)
    mapped.push_back(use ? llvm::find(permutation, axis) - permutation.begin()
                         : permutation[axis]);
  if (use)
    addResult(0, mapped);
  else
    addOperand(0, mapped);
  return success();
}

LogicalResult Relater::relateConcat(ConcatOp concat) {
  int64_t axis = concat.getAxis();
  if (!llvm::is_contained(axes, axis)) {
    addResult(0, axes);
    for (unsigned i = 0; i < concat->getNumOperands(); ++i)
      addOperand(i, axes);
    return success();
  }
  if (axes.size() != 1)
    return refuse("it concatenates along one of several channel axes");
  // Input i's channel c is the result's channel offsets[i] + c.
  SmallVector<int64_t> offsets;
  int64_t offset = 0;
  for (Value input : concat.getInputs()) {
    offsets.push_back(offset);
    offset += getTensorType(input).getDimSize(axis);
  }
  int64_t base = use ? offsets[use->getOperandNumber()] : 0;
  addResult(0, axes, -base);
  for (auto [i, inputOffset] : llvm::enumerate(offsets))
    addOperand(i, axes, inputOffset - base);
  return success();
}

LogicalResult Relater::relateSlice(SliceOp slice) {
  ArrayRef<int64_t> starts = slice.getStarts(), steps = slice.getSteps();
  ArrayRef<int64_t> inputShape = slice.getInput().getType().getShape();
  ArrayRef<int64_t> resultShape = slice.getType().getShape();
  bool whole = llvm::all_of(axes, [&](int64_t axis) {
    return starts[axis] == 0 && steps[axis] == 1 &&
           inputShape[axis] == resultShape[axis];
  });
  int64_t delta = 0;
  if (!whole) {
    if (axes.size() != 1 || steps[axes.front()] != 1)
      return refuse("it slices the channel axes with a step");
    delta = starts[axes.front()];
  }
  // The result's channel c is the input's channel start + c.
  if (use)
    addResult(0, axes, delta);
  else
    addOperand(0, axes, -delta);
  return success();
}

LogicalResult Relater::relateGather(GatherOp gather) {
  int64_t axis = gather.getAxis();
  int64_t indexRank = gather.getIndices().getType().getRank();
  if (use && use->getOperandNumber() == 1)
    return refuse("the channels are indices");
  ChannelAxes mapped;
  for (int64_t slotAxis : axes) {
    if (use) {
      if (slotAxis == axis)
        return refuse("it gathers along the channel axis");
      mapped.push_back(slotAxis < axis ? slotAxis : slotAxis + indexRank - 1);
    } else {
      if (slotAxis >= axis && slotAxis < axis + indexRank)
        return refuse("the channels come from its indices");
      mapped.push_back(slotAxis < axis ? slotAxis : slotAxis - indexRank + 1);
    }
  }
  if (use)
    addResult(0, mapped);
  else
    addOperand(0, mapped);
  return success();
}

LogicalResult Relater::relateReduce(Operation *reduce,
                                    ArrayRef<int64_t> reduced, bool keepdims) {
  unsigned summed = llvm::count_if(
      axes, [&](int64_t axis) { return llvm::is_contained(reduced, axis); });
  if (use && summed == axes.size())
    return success(); // the reduction does not see the order
  if (summed != 0)
    return refuse("it reduces over some of the channel axes");
  ChannelAxes mapped;
  for (int64_t axis : axes) {
    if (keepdims) {
      mapped.push_back(axis);
      continue;
    }
    // Dropped axes shift the others down (input to result) or up.
    int64_t shifted = axis;
    if (use) {
      shifted -= llvm::count_if(reduced, [&](int64_t r) { return r < axis; });
    } else {
      for (int64_t r : reduced)
        if (r <= shifted)
          ++shifted;
    }
    mapped.push_back(shifted);
  }
  if (use)
    addResult(0, mapped);
  else
    addOperand(0, mapped);
  return success();
}

LogicalResult Relater::relate() {
  if (auto returnOp = dyn_cast<func::ReturnOp>(op)) {
    channels.relations.push_back({value, use, ChannelAxes(axes), 0, true});
    return success();
  }
  if (op->getNumResults() != 1 ||
      !isa<RankedTensorType>(op->getResult(0).getType()))
    return refuse("an op the analysis does not follow");
  SmallVector<unsigned> allOperands;
  for (unsigned i = 0; i < op->getNumOperands(); ++i)
    allOperands.push_back(i);
  if (isElementwise(op))
    return relateBroadcast(allOperands);
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](LayerNormOp norm) -> LogicalResult {
        unsigned normalized = llvm::count_if(
            axes, [&](int64_t axis) { return axis >= norm.getAxis(); });
        if (normalized != 0 && normalized != axes.size())
          return refuse("it normalizes over some of the channel axes only");
        return relateBroadcast(allOperands);
      })
      .Case<SoftmaxOp, LogSoftmaxOp>([&](auto softmax) -> LogicalResult {
        if (axes.size() > 1 && llvm::is_contained(axes, softmax.getAxis()))
          return refuse("it normalizes over one of several channel axes");
        return relateBroadcast(allOperands);
      })
      .Case([&](MatMulOp matmul) { return relateMatMul(matmul); })
      .Case([&](GemmOp gemm) { return relateGemm(gemm); })
      .Case([&](ConvOp conv) {
        return relateConv(conv, /*transposed=*/false, conv.getGroup());
      })
      .Case([&](ConvTransposeOp conv) {
        return relateConv(conv, /*transposed=*/true, conv.getGroup());
      })
      .Case([&](ReshapeOp reshape) { return relateReshape(reshape); })
      .Case([&](TransposeOp transpose) { return relateTranspose(transpose); })
      .Case([&](ConcatOp concat) { return relateConcat(concat); })
      .Case([&](SliceOp slice) { return relateSlice(slice); })
      .Case([&](GatherOp gather) { return relateGather(gather); })
      .Case<ReduceMeanOp, ReduceSumOp, ReduceMaxOp, ReduceProdOp>(
          [&](auto reduce) {
            return relateReduce(reduce, reduce.getAxes(), reduce.getKeepdims());
          })
      .Case<MaxPoolOp, AveragePoolOp, GlobalAveragePoolOp, GlobalMaxPoolOp>(
          [&](Operation *pool) -> LogicalResult {
            if (llvm::any_of(axes, [](int64_t axis) { return axis > 1; }))
              return refuse("it pools over the channel axes");
            return relateSameAxes(pool->getOperand(0), pool->getResult(0));
          })
      .Case<PadOp, ResizeOp>([&](Operation *resample) -> LogicalResult {
        if (use && use->getOperandNumber() != 0)
          return refuse("the channels are a parameter");
        return relateSameAxes(resample->getOperand(0), resample->getResult(0));
      })
      .Case([&](ExpandOp expand) { return relateBroadcast({0}); })
      .Case([&](BatchNormOp) {
        return relatePerChannel({1, 2, 3, 4});
      })
      .Case([&](InstanceNormOp) {
        return relatePerChannel({1, 2});
      })
      .Default([&](Operation *) {
        return refuse("an op the analysis does not follow");
      });
}

} // namespace

LogicalResult mlir::quill::getOpChannels(Operation *op, Value value,
                                         OpOperand *use, ArrayRef<int64_t> axes,
                                         OpChannels &channels,
                                         std::string &why) {
  return Relater(op, value, use, axes, channels, why).relate();
}

SmallVector<SeedChannel> mlir::quill::getSeedChannels(func::FuncOp function) {
  SmallVector<SeedChannel> seeds;
  for (const QuantizableOp &op : getQuantizableOps(function)) {
    Value activation = op.activation->get();
    int64_t axis = getReductionAxes(op).activation;
    if (auto conv = dyn_cast<ConvOp>(op.op); conv && conv.getGroup() != 1)
      continue;
    if (auto conv = dyn_cast<ConvTransposeOp>(op.op);
        conv && conv.getGroup() != 1)
      continue;
    if (getTensorType(activation).getDimSize(axis) > 1)
      seeds.push_back({activation, {axis}});
  }
  return seeds;
}
