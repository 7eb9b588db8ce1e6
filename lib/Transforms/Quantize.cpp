//===- Quantize.cpp - Post-training int8 quantization from statistics -----===//
//
// Turns calibration statistics into quantize / dequantize pairs around the
// quantizable ops (QuantizableOps.h) and int8 weight constants: the QDQ form
// that quill-qdq-to-integer then computes on integers, and that exports as a
// standard QDQ ONNX model.
//
//===----------------------------------------------------------------------===//

#include "quill/Transforms/Passes.h"

#include "quill/Dialect/Quill/IR/QuantArithmetic.h"
#include "quill/Dialect/Quill/IR/Quill.h"
#include "quill/Quantization/Calibration.h"
#include "quill/Quantization/QuantizableOps.h"

#include "mlir/IR/Matchers.h"
#include "llvm/ADT/SmallPtrSet.h"

#include <cmath>

namespace mlir::quill {
#define GEN_PASS_DEF_QUANTIZEPASS
#include "quill/Transforms/Passes.h.inc"
} // namespace mlir::quill

using namespace mlir;
using namespace mlir::quill;

namespace {

/// A scale as the f32 ONNX stores it, so that exported models and ONNX
/// Runtime see the same number.
double toStoredScale(double scale) {
  return scale > 0.0 && std::isfinite(scale) ? double(float(scale)) : 1.0;
}

/// The per-tensor activation type for a tensor with `statistics`.
quant::UniformQuantizedType
getActivationType(MLIRContext *context, const TensorStatistics &statistics,
                  const CalibratorOptions &calibrator, bool symmetric) {
  double absMax = chooseAbsMax(statistics, calibrator);
  Type f32 = Float32Type::get(context);
  Type i8 = IntegerType::get(context, 8);
  if (symmetric) {
    double scale = toStoredScale(absMax / 127.0);
    return quant::UniformQuantizedType::get(quant::QuantizationFlags::Signed,
                                            i8, f32, scale, 0, -128, 127);
  }
  double low = std::min(0.0, std::max(statistics.getMin(), -absMax));
  double high = std::max(0.0, std::min(statistics.getMax(), absMax));
  double scale = toStoredScale((high - low) / 255.0);
  int64_t zeroPoint = std::clamp<int64_t>(std::llround(-low / scale), 0, 255);
  return quant::UniformQuantizedType::get(0, i8, f32, scale, zeroPoint, 0, 255);
}

/// Whether `value` reaches one of `activations`, directly or through ops
/// that move quantized values as they are. Only such outputs are quantized:
/// an output read as float is computed from the int32 accumulator directly,
/// without a rounding to 8 bits that nothing needs.
bool feedsQuantizedActivation(
    Value value, const llvm::SmallPtrSetImpl<OpOperand *> &activations) {
  for (OpOperand &use : value.getUses()) {
    if (activations.contains(&use))
      return true;
    Operation *user = use.getOwner();
    if (movesQuantizedValues(user) && use.getOperandNumber() == 0 &&
        feedsQuantizedActivation(user->getResult(0), activations))
      return true;
  }
  return false;
}

/// `weights` as int8 constants, symmetric in [-127, 127], scaled per index
/// of `axis` (or per tensor when `axis` is none), behind a storage cast.
Value quantizeWeight(OpBuilder &b, Location loc, DenseFPElementsAttr weights,
                     std::optional<int64_t> axis) {
  auto type = cast<RankedTensorType>(weights.getType());
  ArrayRef<int64_t> shape = type.getShape();
  int64_t channels = axis ? shape[*axis] : 1;
  int64_t inner = 1;
  if (axis)
    for (int64_t dim = *axis + 1; dim < type.getRank(); ++dim)
      inner *= shape[dim];
  auto channelOf = [&](int64_t index) {
    return axis ? (index / inner) % channels : 0;
  };
  SmallVector<double> values;
  for (APFloat value : weights.getValues<APFloat>())
    values.push_back(value.convertToDouble());
  SmallVector<double> absMax(channels, 0.0);
  for (auto [index, value] : llvm::enumerate(values))
    absMax[channelOf(index)] =
        std::max(absMax[channelOf(index)], std::abs(value));
  SmallVector<double> scales;
  for (double magnitude : absMax)
    scales.push_back(toStoredScale(magnitude / 127.0));
  StorageRange range{-127, 127};
  SmallVector<APInt> stored;
  for (auto [index, value] : llvm::enumerate(values))
    stored.emplace_back(
        8, quantizeElement(value, {scales[channelOf(index)], 0}, range, false),
        /*isSigned=*/true);
  MLIRContext *context = b.getContext();
  Type i8 = IntegerType::get(context, 8), f32 = Float32Type::get(context);
  Type element = axis
                     ? Type(quant::UniformQuantizedPerAxisType::get(
                           quant::QuantizationFlags::Signed, i8, f32, scales,
                           SmallVector<int64_t>(channels, 0), *axis, -127, 127))
                     : Type(quant::UniformQuantizedType::get(
                           quant::QuantizationFlags::Signed, i8, f32, scales[0],
                           0, -127, 127));
  Value constant = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(type.clone(i8), stored));
  Value quantized =
      StorageCastOp::create(b, loc, type.clone(element), constant);
  return DequantizeOp::create(b, loc, type, quantized);
}

/// Quantize then dequantize `value` to `element`.
Value fakeQuantize(OpBuilder &b, Location loc, Value value, Type element) {
  auto type = cast<RankedTensorType>(value.getType());
  Value quantized = QuantizeOp::create(b, loc, type.clone(element), value);
  return DequantizeOp::create(b, loc, type, quantized);
}

struct QuantizePass : quill::impl::QuantizePassBase<QuantizePass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp function = getOperation();
    std::optional<Calibrator> calibrator = parseCalibrator(calibratorName);
    if (!calibrator) {
      function.emitError("unknown calibrator '")
          << calibratorName << "' (expected max, percentile, entropy or mse)";
      return signalPassFailure();
    }
    if (percentile <= 0.0 || percentile > 100.0) {
      function.emitError("percentile must be in (0, 100], got ") << percentile;
      return signalPassFailure();
    }
    llvm::Expected<CalibrationStatistics> statistics =
        readCalibrationStatistics(statsFile);
    if (!statistics) {
      function.emitError(llvm::toString(statistics.takeError()));
      return signalPassFailure();
    }
    CalibratorOptions options{*calibrator, percentile, 8};
    MLIRContext *context = &getContext();

    // Names first: the pairs inserted below have none.
    SmallVector<QuantizableOp> ops = getQuantizableOps(function);
    llvm::SmallPtrSet<OpOperand *, 16> activations;
    for (const QuantizableOp &op : ops)
      activations.insert(op.activation);
    struct Plan {
      QuantizableOp op;
      /// The output's type is null when the output stays float.
      quant::UniformQuantizedType activation, output;
    };
    SmallVector<Plan> plans;
    for (const QuantizableOp &op : ops) {
      Plan plan{op, {}, {}};
      SmallVector<std::pair<Value, quant::UniformQuantizedType *>, 2> tensors =
          {{op.activation->get(), &plan.activation}};
      if (quantizeAllOutputs ||
          feedsQuantizedActivation(op.output, activations))
        tensors.push_back({op.output, &plan.output});
      for (auto [value, type] : tensors) {
        std::optional<std::string> name = getStatisticsName(value);
        auto found = name ? statistics->find(*name) : statistics->end();
        if (found == statistics->end()) {
          op.op->emitError("no calibration statistics for tensor '")
              << name.value_or("<unnamed>") << "' in " << statsFile;
          return signalPassFailure();
        }
        *type = getActivationType(context, found->getValue(), options,
                                  symmetricActivations);
      }
      plans.push_back(plan);
    }

    OpBuilder b(context);
    for (const Plan &plan : plans) {
      Operation *op = plan.op.op;
      Location loc = op->getLoc();
      b.setInsertionPoint(op);
      // An activation that is the previous op's quantized output already
      // has its pair.
      Value activation = plan.op.activation->get();
      auto dequantized = activation.getDefiningOp<DequantizeOp>();
      if (!dequantized ||
          dequantized.getInput().getType().getElementType() != plan.activation)
        plan.op.activation->set(
            fakeQuantize(b, loc, activation, plan.activation));
      DenseFPElementsAttr weights;
      matchPattern(plan.op.weight->get(), m_Constant(&weights));
      std::optional<int64_t> axis;
      if (!perTensorWeights)
        axis = plan.op.weightChannelAxis;
      plan.op.weight->set(quantizeWeight(b, loc, weights, axis));
      if (!plan.output)
        continue;
      Value output = plan.op.output;
      b.setInsertionPointAfterValue(output);
      Value fakeQuantized = fakeQuantize(b, loc, output, plan.output);
      // Every user but the new quantize reads the quantized value.
      Operation *quantize = fakeQuantized.getDefiningOp<DequantizeOp>()
                                .getInput()
                                .getDefiningOp();
      output.replaceAllUsesExcept(fakeQuantized, quantize);
    }
  }
};

} // namespace
