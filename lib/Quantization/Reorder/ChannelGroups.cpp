//===- ChannelGroups.cpp - Axes that must be permuted together ------------===//
//
// A union-find over "slots" (a value and the axes whose joint index is a
// channel), weighted by channel offsets. Starting from each quantizable op's
// reduction axis, every slot is followed to its definition and its uses;
// each op says how the channels of its operands and results correspond
// (OpChannels.cpp), and constants become endpoints that take the
// permutation at compile time.
//
//===----------------------------------------------------------------------===//

#include "ChannelGroups.h"

#include "OpChannels.h"

#include "mlir/IR/Matchers.h"

#include <cstdlib>
#include <map>
#include <numeric>
#include <set>

using namespace mlir;
using namespace mlir::quill;

namespace {

struct Slot {
  Value value;
  ChannelAxes axes;
  int64_t size;
  unsigned parent;
  /// The position of channel 0 in the parent's channels.
  int64_t offset = 0;
  /// Channels stay within aligned blocks of this size (0: any).
  int64_t wholeBlocks = 0;
  /// At a root: the group's positions repeat with this period (0: none).
  int64_t period = 0;
};

class GroupFinder {
public:
  std::vector<ChannelGroup> run(func::FuncOp function);

private:
  unsigned getSlot(Value value, ArrayRef<int64_t> axes);
  std::pair<unsigned, int64_t> find(unsigned slot);
  void unite(unsigned a, unsigned b, int64_t delta);
  void refuse(unsigned slot, Operation *op, const Twine &why);
  void visit(unsigned slot);
  void relate(unsigned slot, Operation *op, OpOperand *use);

  std::map<std::pair<void *, std::vector<int64_t>>, unsigned> slotIds;
  SmallVector<Slot> slots;
  SmallVector<unsigned> worklist;
  SmallVector<std::pair<unsigned, ChannelEndpoint>> endpoints;
  std::set<std::pair<OpOperand *, std::vector<int64_t>>> endpointUses;
  SmallVector<std::pair<unsigned, ChannelConsumer>> consumers;
  DenseSet<Operation *> consumerOps;
  struct Refusal {
    unsigned slot;
    Operation *op;
    std::string why;
  };
  SmallVector<Refusal> refusals;
};

int64_t getChannelCount(Value value, ArrayRef<int64_t> axes) {
  auto type = cast<RankedTensorType>(value.getType());
  int64_t size = 1;
  for (int64_t axis : axes)
    size *= type.getDimSize(axis);
  return size;
}

} // namespace

unsigned GroupFinder::getSlot(Value value, ArrayRef<int64_t> axes) {
  auto key = std::make_pair(value.getAsOpaquePointer(),
                            std::vector<int64_t>(axes.begin(), axes.end()));
  auto [it, inserted] = slotIds.try_emplace(key, slots.size());
  if (inserted) {
    slots.push_back({value, ChannelAxes(axes), getChannelCount(value, axes),
                     static_cast<unsigned>(slots.size())});
    worklist.push_back(it->second);
  }
  return it->second;
}

std::pair<unsigned, int64_t> GroupFinder::find(unsigned slot) {
  if (slots[slot].parent == slot)
    return {slot, 0};
  auto [root, parentOffset] = find(slots[slot].parent);
  slots[slot].parent = root;
  slots[slot].offset += parentOffset;
  return {root, slots[slot].offset};
}

void GroupFinder::unite(unsigned a, unsigned b, int64_t delta) {
  auto [rootA, offsetA] = find(a);
  auto [rootB, offsetB] = find(b);
  if (rootA == rootB) {
    // A second path between the same channels at another offset (PyTorch's
    // packed Q, K, V projection, sliced into Q and K that are multiplied
    // together): the group's positions repeat with that period, and every
    // period takes the same permutation.
    slots[rootA].period =
        std::gcd(slots[rootA].period, std::abs(offsetA - offsetB - delta));
    return;
  }
  slots[rootA].parent = rootB;
  slots[rootA].offset = offsetB + delta - offsetA;
  slots[rootB].period = std::gcd(slots[rootB].period, slots[rootA].period);
}

void GroupFinder::refuse(unsigned slot, Operation *op, const Twine &why) {
  refusals.push_back({slot, op, why.str()});
}

void GroupFinder::visit(unsigned slot) {
  Value value = slots[slot].value;
  if (auto argument = dyn_cast<BlockArgument>(value)) {
    Operation *parent = argument.getOwner()->getParentOp();
    if (!isa<func::FuncOp>(parent) || slots[slot].axes.size() != 1) {
      refuse(slot, parent, "a block argument carries the channels");
    } else if (!argument.use_empty()) {
      OpOperand *use = &*argument.use_begin();
      endpoints.push_back({slot,
                           {ChannelEndpoint::Kind::Argument, use,
                            slots[slot].axes, 0, slots[slot].size}});
    }
  } else {
    relate(slot, value.getDefiningOp(), nullptr);
  }
  for (OpOperand &use : value.getUses())
    relate(slot, use.getOwner(), &use);
}

/// Records what `op` relates to the channels of `slot`, whose value is the
/// operand `use` of `op` or (with no use) one of its results.
void GroupFinder::relate(unsigned slot, Operation *op, OpOperand *use) {
  const Slot &from = slots[slot];
  OpChannels channels;
  std::string why;
  if (failed(getOpChannels(op, from.value, use, from.axes, channels, why))) {
    refuse(slot, op, why);
    return;
  }
  if (channels.wholeBlocks) {
    int64_t &blocks = slots[slot].wholeBlocks;
    blocks = std::gcd(blocks, channels.wholeBlocks);
  }
  if (channels.consumer && consumerOps.insert(op).second) {
    ChannelConsumer consumer = *channels.consumer;
    consumer.size = from.size;
    consumers.push_back({slot, consumer});
  }
  for (const ChannelRelation &relation : channels.relations) {
    if (relation.use && matchPattern(relation.value, m_Constant())) {
      if (endpointUses
              .insert({relation.use, std::vector<int64_t>(relation.axes.begin(),
                                                          relation.axes.end())})
              .second)
        endpoints.push_back(
            {slot,
             {ChannelEndpoint::Kind::Constant, relation.use, relation.axes,
              relation.delta, getChannelCount(relation.value, relation.axes)}});
      continue;
    }
    if (relation.returned) {
      if (relation.axes.size() != 1) {
        refuse(slot, op,
               "a returned value carries the channels on several "
               "axes");
      } else if (endpointUses.insert({relation.use, {relation.axes.front()}})
                     .second) {
        endpoints.push_back(
            {slot,
             {ChannelEndpoint::Kind::Result, relation.use, relation.axes,
              relation.delta, getChannelCount(relation.value, relation.axes)}});
      }
      continue;
    }
    unite(getSlot(relation.value, relation.axes), slot, relation.delta);
  }
}

std::vector<ChannelGroup> GroupFinder::run(func::FuncOp function) {
  DenseMap<Operation *, unsigned> order;
  function.walk([&](Operation *op) { order[op] = order.size(); });
  for (const SeedChannel &seed : getSeedChannels(function))
    getSlot(seed.value, seed.axes);
  while (!worklist.empty())
    visit(worklist.pop_back_val());

  // Groups by root; positions from 0, or modulo the group's period.
  DenseMap<unsigned, unsigned> groupOf;
  std::vector<ChannelGroup> groups;
  SmallVector<int64_t> lowest, highest;
  for (unsigned slot = 0; slot < slots.size(); ++slot) {
    auto [root, offset] = find(slot);
    auto [it, inserted] = groupOf.try_emplace(root, groups.size());
    if (inserted) {
      groups.emplace_back();
      lowest.push_back(offset);
      highest.push_back(offset);
    }
    lowest[it->second] = std::min(lowest[it->second], offset);
    highest[it->second] =
        std::max(highest[it->second], offset + slots[slot].size);
  }
  for (auto [root, group] : groupOf)
    groups[group].size = slots[root].period ? slots[root].period
                                            : highest[group] - lowest[group];
  auto position = [&](unsigned slot, int64_t delta) {
    auto [root, offset] = find(slot);
    unsigned group = groupOf[root];
    int64_t start = offset + delta - lowest[group];
    if (int64_t period = slots[root].period)
      start = (start % period + period) % period;
    return std::make_pair(group, start);
  };
  // A span's edges cut the group, and (periodic) so does each period's.
  auto addCuts = [&](ChannelGroup &g, int64_t start, int64_t size,
                     int64_t wholeBlocks) {
    g.cuts.append({0, start, (start + size) % g.size});
    for (int64_t cut = start; wholeBlocks && cut < start + size;
         cut += wholeBlocks)
      g.cuts.push_back(cut % g.size);
  };
  for (unsigned slot = 0; slot < slots.size(); ++slot) {
    auto [group, start] = position(slot, 0);
    addCuts(groups[group], start, slots[slot].size, slots[slot].wholeBlocks);
  }
  for (auto &[slot, endpoint] : endpoints) {
    auto [group, start] = position(slot, endpoint.offset);
    endpoint.offset = start;
    addCuts(groups[group], start, endpoint.size, 0);
    groups[group].endpoints.push_back(endpoint);
  }
  for (auto &[slot, consumer] : consumers) {
    auto [group, start] = position(slot, 0);
    consumer.offset = start;
    groups[group].consumers.push_back(consumer);
  }
  for (const Refusal &refusal : refusals) {
    ChannelGroup &g = groups[position(refusal.slot, 0).first];
    if (!g.refusedAt) {
      g.refusedAt = refusal.op;
      g.refusal = refusal.why;
    }
  }

  std::vector<ChannelGroup> result;
  for (ChannelGroup &g : groups) {
    if (g.consumers.empty())
      continue;
    llvm::sort(g.cuts);
    g.cuts.erase(std::unique(g.cuts.begin(), g.cuts.end()), g.cuts.end());
    llvm::sort(g.consumers, [&](const auto &a, const auto &b) {
      return order[a.op] < order[b.op];
    });
    result.push_back(std::move(g));
  }
  llvm::sort(result, [&](const ChannelGroup &a, const ChannelGroup &b) {
    return order[a.consumers.front().op] < order[b.consumers.front().op];
  });
  return result;
}

std::vector<ChannelGroup>
mlir::quill::findChannelGroups(func::FuncOp function) {
  return GroupFinder().run(function);
}
