//===- InsertObservers.cpp - Return observed tensors for calibration ------===//
//
// Calibration compiles the graph with every tensor it observes returned as
// an extra, named result, then runs it on the samples; the names are those
// quill-quantize looks the statistics up by (QuantizableOps.h).
//
//===----------------------------------------------------------------------===//

#include "quill/Quantization/Passes.h"

#include "quill/Quantization/QuantizableOps.h"

#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/SmallPtrSet.h"

namespace mlir::quill {
#define GEN_PASS_DEF_INSERTOBSERVERSPASS
#include "quill/Quantization/Passes.h.inc"
} // namespace mlir::quill

using namespace mlir;
using namespace mlir::quill;

namespace {

bool isObservable(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && type.getElementType().isF32() && getStatisticsName(value);
}

struct InsertObserversPass
    : quill::impl::InsertObserversPassBase<InsertObserversPass> {
  void runOnOperation() override {
    func::FuncOp function = getOperation();
    if (function.isExternal())
      return;
    llvm::SmallPtrSet<Value, 32> wanted;
    // The axis each quantizable op's activation is summed over: where
    // per-channel statistics (channel reordering) are taken.
    DenseMap<Value, int64_t> channelAxes;
    for (const QuantizableOp &op : getQuantizableOps(function)) {
      Value activation = op.activation->get();
      wanted.insert({activation, op.output});
      channelAxes[activation] = getReductionAxes(op).activation;
    }
    for (Value value : getActivationTensors(function))
      wanted.insert(value);
    // In program order, so that the statistics file reads like the graph.
    llvm::SetVector<Value> observed;
    auto observe = [&](Value value) {
      if (wanted.contains(value) && isObservable(value))
        observed.insert(value);
    };
    for (BlockArgument argument : function.getArguments())
      observe(argument);
    function.walk([&](Operation *op) {
      for (Value result : op->getResults())
        observe(result);
    });
    if (observed.empty())
      return;

    auto returnOp =
        cast<func::ReturnOp>(function.getBody().back().getTerminator());
    unsigned firstObserver = function.getNumResults();
    returnOp.getOperandsMutable().append(observed.getArrayRef());
    SmallVector<Type> resultTypes(function.getResultTypes());
    for (Value value : observed)
      resultTypes.push_back(value.getType());
    function.setType(FunctionType::get(
        &getContext(), function.getArgumentTypes(), resultTypes));
    MLIRContext *context = &getContext();
    for (auto [i, value] : llvm::enumerate(observed)) {
      function.setResultAttr(
          firstObserver + i, "quill.name",
          StringAttr::get(context, *getStatisticsName(value)));
      auto axis = channelAxes.find(value);
      if (axis != channelAxes.end())
        function.setResultAttr(
            firstObserver + i, "quill.channel_axis",
            IntegerAttr::get(IntegerType::get(context, 64), axis->second));
    }
  }
};

} // namespace
