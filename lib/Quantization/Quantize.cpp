//===- Quantize.cpp - Post-training int8 quantization from statistics -----===//
//
// Turns calibration statistics into quantize / dequantize pairs around the
// quantizable ops (QuantizableOps.h) and int8 weight constants: the QDQ form
// that quill-qdq-to-integer then computes on integers, and that exports as a
// standard QDQ ONNX model.
//
//===----------------------------------------------------------------------===//

#include "quill/Quantization/Passes.h"

#include "BlockQuantize.h"

#include "quill/Dialect/Quill/IR/QuantArithmetic.h"
#include "quill/Dialect/Quill/IR/Quill.h"
#include "quill/Quantization/Calibration.h"
#include "quill/Quantization/QuantizableOps.h"
#include "quill/Quantization/Recipe.h"

#include "mlir/IR/Matchers.h"
#include "llvm/ADT/SmallPtrSet.h"

#include <cmath>

namespace mlir::quill {
#define GEN_PASS_DEF_QUANTIZEPASS
#include "quill/Quantization/Passes.h.inc"
} // namespace mlir::quill

using namespace mlir;
using namespace mlir::quill;

namespace {

/// A scale as the f32 ONNX stores it, so that exported models and ONNX
/// Runtime see the same number.
double toStoredScale(double scale) {
  return scale > 0.0 && std::isfinite(scale) ? double(float(scale)) : 1.0;
}

/// The per-tensor fp8 activation type for a tensor with `statistics`.
Type getFP8ActivationType(FloatType fp8, const TensorStatistics &statistics,
                          const CalibratorOptions &calibrator) {
  double absMax = chooseAbsMax(statistics, calibrator);
  double largest =
      APFloat::getLargest(fp8.getFloatSemantics()).convertToDouble();
  MLIRContext *context = fp8.getContext();
  return FloatQuantType::get(
      context, fp8, Float32Type::get(context),
      DenseF64ArrayAttr::get(context, {toStoredScale(absMax / largest)}),
      std::nullopt);
}

/// The per-tensor integer activation type (calibrator.bits wide: 8 or 4)
/// for a tensor with `statistics`.
quant::UniformQuantizedType
getActivationType(MLIRContext *context, const TensorStatistics &statistics,
                  const CalibratorOptions &calibrator, bool symmetric) {
  double absMax = chooseAbsMax(statistics, calibrator);
  Type f32 = Float32Type::get(context);
  Type storage = IntegerType::get(context, calibrator.bits);
  int64_t levels = int64_t(1) << calibrator.bits;
  if (symmetric) {
    int64_t largest = levels / 2 - 1;
    double scale = toStoredScale(absMax / double(largest));
    return quant::UniformQuantizedType::get(quant::QuantizationFlags::Signed,
                                            storage, f32, scale, 0,
                                            -largest - 1, largest);
  }
  double low = std::min(0.0, std::max(statistics.getMin(), -absMax));
  double high = std::max(0.0, std::min(statistics.getMax(), absMax));
  double scale = toStoredScale((high - low) / double(levels - 1));
  int64_t zeroPoint =
      std::clamp<int64_t>(std::llround(-low / scale), 0, levels - 1);
  return quant::UniformQuantizedType::get(0, storage, f32, scale, zeroPoint, 0,
                                          levels - 1);
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

/// What the `format` option names: the number format of weights, and of
/// activations unless it is weight-only.
struct NumberFormat {
  /// The integer width of weights; 0 for fp8.
  unsigned weightBits;
  /// The integer width of activations; 0 for fp8 and weight-only formats.
  unsigned activationBits;
  /// fp8 storage of weights and activations; null for integers.
  FloatType fp8;
};

NumberFormat getNumberFormat(MLIRContext *context, QuantFormat format) {
  Builder b(context);
  switch (format) {
  case QuantFormat::Int8:
    return {8, 8, nullptr};
  case QuantFormat::Int4Weights:
    return {4, 0, nullptr};
  case QuantFormat::Int4:
    return {4, 4, nullptr};
  case QuantFormat::FP8E4M3:
    return {0, 0, b.getType<Float8E4M3FNType>()};
  case QuantFormat::FP8E5M2:
    return {0, 0, b.getType<Float8E5M2Type>()};
  default:
    llvm_unreachable("block formats are quantized by BlockQuantize.cpp");
  }
}

/// Which weights share a scale: for each dimension, the size of the blocks
/// it is cut into (the whole dimension: per tensor along it; 1: one scale
/// per index).
SmallVector<int64_t> getScaleBlocks(ArrayRef<int64_t> shape,
                                    std::optional<int64_t> channelAxis,
                                    std::optional<int64_t> blockAxis,
                                    int64_t blockSize) {
  SmallVector<int64_t> blocks(shape);
  if (channelAxis)
    blocks[*channelAxis] = 1;
  if (blockAxis)
    blocks[*blockAxis] = blockSize;
  return blocks;
}

/// Constant float `weights` quantized symmetrically in `format`, one scale
/// per block of `blocks` (getScaleBlocks), behind a storage cast and a
/// dequantize.
Value quantizeWeight(OpBuilder &b, Location loc, DenseFPElementsAttr weights,
                     const NumberFormat &format, ArrayRef<int64_t> blocks) {
  auto type = cast<RankedTensorType>(weights.getType());
  ArrayRef<int64_t> shape = type.getShape();
  SmallVector<int64_t> scaleShape;
  for (auto [size, block] : llvm::zip(shape, blocks))
    scaleShape.push_back(size / block);
  // The row-major index in `scaleShape` of each element's block.
  SmallVector<int64_t> groupOf(type.getNumElements());
  for (int64_t index = 0, e = type.getNumElements(); index < e; ++index) {
    int64_t rest = index, group = 0, stride = 1;
    for (int64_t dim = type.getRank() - 1; dim >= 0; --dim) {
      group += (rest % shape[dim]) / blocks[dim] * stride;
      stride *= scaleShape[dim];
      rest /= shape[dim];
    }
    groupOf[index] = group;
  }
  SmallVector<double> values;
  for (APFloat value : weights.getValues<APFloat>())
    values.push_back(value.convertToDouble());
  int64_t groups = ShapedType::getNumElements(scaleShape);
  SmallVector<double> absMax(groups, 0.0);
  for (auto [index, value] : llvm::enumerate(values))
    absMax[groupOf[index]] = std::max(absMax[groupOf[index]], std::abs(value));
  double largest = format.fp8
                       ? APFloat::getLargest(format.fp8.getFloatSemantics())
                             .convertToDouble()
                       : double((int64_t(1) << (format.weightBits - 1)) - 1);
  SmallVector<double> scales;
  for (double magnitude : absMax)
    scales.push_back(toStoredScale(magnitude / largest));

  MLIRContext *context = b.getContext();
  Type f32 = Float32Type::get(context);
  SmallVector<int64_t> scaledDims;
  for (auto [dim, block] : llvm::enumerate(blocks))
    if (block != shape[dim])
      scaledDims.push_back(dim);
  Type element;
  DenseElementsAttr stored;
  if (format.fp8) {
    // Per tensor or per channel (fp8 weights have no blocks).
    std::optional<int32_t> axis;
    if (!scaledDims.empty())
      axis = scaledDims.front();
    element =
        FloatQuantType::get(context, format.fp8, cast<FloatType>(f32),
                            DenseF64ArrayAttr::get(context, scales), axis);
    SmallVector<APFloat> bits;
    for (auto [index, value] : llvm::enumerate(values))
      bits.push_back(quantizeFloatElement(value, scales[groupOf[index]],
                                          format.fp8, /*wide=*/false));
    stored = DenseElementsAttr::get(type.clone(format.fp8), bits);
  } else {
    unsigned width = format.weightBits;
    int64_t qmax = int64_t(largest);
    Type storage = IntegerType::get(context, width);
    SmallVector<APInt> ints;
    for (auto [index, value] : llvm::enumerate(values))
      ints.emplace_back(width,
                        quantizeElement(value, {scales[groupOf[index]], 0},
                                        {-qmax, qmax}, false),
                        /*isSigned=*/true);
    stored = DenseElementsAttr::get(type.clone(storage), ints);
    unsigned flags = quant::QuantizationFlags::Signed;
    if (scaledDims.empty()) {
      element = quant::UniformQuantizedType::get(flags, storage, f32, scales[0],
                                                 0, -qmax, qmax);
    } else if (scaledDims.size() == 1 && blocks[scaledDims.front()] == 1) {
      element = quant::UniformQuantizedPerAxisType::get(
          flags, storage, f32, scales, SmallVector<int64_t>(groups, 0),
          scaledDims.front(), -qmax, qmax);
    } else {
      SmallVector<float> scales32(scales.begin(), scales.end());
      SmallVector<int32_t> dims(scaledDims.begin(), scaledDims.end());
      SmallVector<int64_t> sizes;
      for (int64_t dim : scaledDims)
        sizes.push_back(blocks[dim]);
      element = quant::UniformQuantizedSubChannelType::get(
          flags, storage, f32,
          DenseElementsAttr::get(RankedTensorType::get(scaleShape, f32),
                                 ArrayRef<float>(scales32)),
          DenseElementsAttr::get(RankedTensorType::get(scaleShape, storage),
                                 SmallVector<APInt>(groups, APInt(width, 0))),
          dims, sizes, -qmax, qmax);
    }
  }
  Value constant = arith::ConstantOp::create(b, loc, stored);
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

/// Quantizes then dequantizes `value` to `element` right after it; every
/// other user reads the dequantized value.
void quantizeInPlace(OpBuilder &b, Location loc, Value value, Type element) {
  b.setInsertionPointAfterValue(value);
  Value fakeQuantized = fakeQuantize(b, loc, value, element);
  Operation *quantize =
      fakeQuantized.getDefiningOp<DequantizeOp>().getInput().getDefiningOp();
  value.replaceAllUsesExcept(fakeQuantized, quantize);
}

struct QuantizePass : quill::impl::QuantizePassBase<QuantizePass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp function = getOperation();
    MLIRContext *context = &getContext();
    if (weightBlockSize < 0 ||
        (weightBlockSize > 0 && format != QuantFormat::Int4Weights &&
         format != QuantFormat::Int4)) {
      function.emitError("weight-block-size must be positive and is for "
                         "int4-weights and int4, got ")
          << weightBlockSize.getValue() << " with format '"
          << getQuantFormatName(format) << "'";
      return signalPassFailure();
    }
    if (activationBlockSize < 0 ||
        (activationBlockSize > 0 && format != QuantFormat::Int4)) {
      function.emitError("activation-block-size must be positive and is for "
                         "int4, got ")
          << activationBlockSize.getValue() << " with format '"
          << getQuantFormatName(format) << "'";
      return signalPassFailure();
    }
    if (percentile <= 0.0 || percentile > 100.0) {
      function.emitError("percentile must be in (0, 100], got ") << percentile;
      return signalPassFailure();
    }
    std::optional<QuantizationRecipe> recipe;
    if (!recipeFile.empty()) {
      llvm::Expected<QuantizationRecipe> read =
          QuantizationRecipe::read(recipeFile);
      if (!read) {
        function.emitError(llvm::toString(read.takeError()));
        return signalPassFailure();
      }
      recipe = std::move(*read);
    }

    // Names first: the pairs inserted below have none. Each op's format
    // comes from the recipe, else the `format` option.
    SmallVector<std::pair<QuantizableOp, QuantFormat>> tensorOps, blockOps;
    bool calibrated = quantizeAllActivations;
    for (const QuantizableOp &op : getQuantizableOps(function)) {
      std::optional<std::string> name = getStatisticsName(op.op->getResult(0));
      std::optional<QuantFormat> opFormat =
          recipe ? recipe->getFormat(name.value_or(""), format)
                 : std::optional<QuantFormat>(format);
      if (!opFormat)
        continue;
      calibrated |=
          needsCalibration(*opFormat) && !hasActivationBlocks(*opFormat);
      (getBlockFormat(*opFormat) ? blockOps : tensorOps)
          .push_back({op, *opFormat});
    }
    // Weight-only and MX formats read no statistics.
    CalibrationStatistics statistics;
    if (calibrated) {
      llvm::Expected<CalibrationStatistics> read =
          readCalibrationStatistics(statsFile);
      if (!read) {
        function.emitError(llvm::toString(read.takeError()));
        return signalPassFailure();
      }
      statistics = std::move(*read);
    }
    CalibratorOptions options{calibrator, percentile, 8};
    auto lookUpStatistics = [&](Value value,
                                Operation *op) -> const TensorStatistics * {
      std::optional<std::string> name = getStatisticsName(value);
      auto found = name ? statistics.find(*name) : statistics.end();
      if (found == statistics.end()) {
        op->emitError("no calibration statistics for tensor '")
            << name.value_or("<unnamed>") << "' in " << statsFile;
        return nullptr;
      }
      return &found->getValue();
    };

    OpBuilder b(context);
    for (auto [op, opFormat] : blockOps) {
      bool activations = quantizesActivations(opFormat);
      std::optional<double> absMax;
      if (activations && needsCalibration(opFormat)) {
        const TensorStatistics *tensor =
            lookUpStatistics(op.activation->get(), op.op);
        if (!tensor)
          return signalPassFailure();
        absMax = chooseAbsMax(*tensor, options);
      }
      quantizeToBlockFormat(b, op, *getBlockFormat(opFormat), activations,
                            absMax, blockScaleRounding);
    }
    if (failed(quantizeTensorFormats(b, function, tensorOps, lookUpStatistics,
                                     options)))
      return signalPassFailure();
  }

  /// int8, int4 and fp8: QDQ pairs with ranges fixed at compile time.
  LogicalResult quantizeTensorFormats(
      OpBuilder &b, func::FuncOp function,
      ArrayRef<std::pair<QuantizableOp, QuantFormat>> ops,
      function_ref<const TensorStatistics *(Value, Operation *)>
          lookUpStatistics,
      const CalibratorOptions &options) {
    MLIRContext *context = &getContext();
    llvm::SmallPtrSet<OpOperand *, 16> activations;
    for (const auto &[op, opFormat] : ops)
      activations.insert(op.activation);
    struct Plan {
      QuantizableOp op;
      NumberFormat format;
      /// int4 activations quantized per block at run time (its own format
      /// may differ from the pass's under a recipe).
      bool activationBlocks;
      /// Null when the value stays float.
      Type activation, output;
    };
    auto typeFor = [&](const TensorStatistics &tensor,
                       const NumberFormat &numberFormat) -> Type {
      if (numberFormat.fp8)
        return getFP8ActivationType(numberFormat.fp8, tensor, options);
      CalibratorOptions widthOptions = options;
      widthOptions.bits = numberFormat.activationBits;
      return getActivationType(context, tensor, widthOptions,
                               symmetricActivations);
    };
    auto lookUp = [&](Value value, Operation *op,
                      const NumberFormat &numberFormat) -> Type {
      const TensorStatistics *tensor = lookUpStatistics(value, op);
      return tensor ? typeFor(*tensor, numberFormat) : Type();
    };
    SmallVector<QuantizableOp> quantizedOps;
    for (const auto &[op, opFormat] : ops)
      quantizedOps.push_back(op);
    llvm::DenseMap<Value, Value> sharedRanges =
        getConcatRanges(quantizedOps, activations);
    SmallVector<Plan> plans;
    for (const auto &[op, opFormat] : ops) {
      Plan plan{op,
                getNumberFormat(context, opFormat),
                hasActivationBlocks(opFormat),
                {},
                {}};
      // Every activation quantized: the products' own pairs are among them.
      // Activations in blocks are quantized by each product alone.
      bool perActivation = quantizesActivations(opFormat) &&
                           !quantizeAllActivations && !plan.activationBlocks;
      SmallVector<std::pair<Value, Type *>, 2> tensors;
      if (perActivation)
        tensors.push_back({op.activation->get(), &plan.activation});
      Value range = sharedRanges.lookup(op.output);
      if (perActivation && range)
        tensors.push_back({range, &plan.output});
      else if (perActivation &&
               (quantizeAllOutputs ||
                feedsQuantizedActivation(op.output, activations)))
        tensors.push_back({op.output, &plan.output});
      for (auto [value, type] : tensors)
        if (!(*type = lookUp(value, op.op, plan.format)))
          return failure();
      plans.push_back(plan);
    }

    if (quantizeAllActivations && quantizesActivations(format) &&
        failed(quantizeEveryActivation(
            b, function, [&](Value value, Operation *op) {
              return lookUp(value, op, getNumberFormat(context, format));
            })))
      return failure();
    for (const Plan &plan : plans) {
      Operation *op = plan.op.op;
      Location loc = op->getLoc();
      b.setInsertionPoint(op);
      // An activation that is the previous op's quantized output already
      // has its pair.
      Value activation = plan.op.activation->get();
      auto dequantized = activation.getDefiningOp<DequantizeOp>();
      if (plan.activation &&
          (!dequantized || dequantized.getInput().getType().getElementType() !=
                               plan.activation))
        plan.op.activation->set(
            fakeQuantize(b, loc, activation, plan.activation));
      DenseFPElementsAttr weights;
      matchPattern(plan.op.weight->get(), m_Constant(&weights));
      FailureOr<SmallVector<int64_t>> blocks =
          getWeightBlocks(plan.op, plan.format);
      if (failed(blocks))
        return failure();
      plan.op.weight->set(
          quantizeWeight(b, loc, weights, plan.format, *blocks));
      if (plan.activationBlocks &&
          failed(quantizeActivationBlocks(b, loc, plan.op)))
        return failure();
      if (!plan.output)
        continue;
      quantizeInPlace(b, loc, plan.op.output, plan.output);
    }
    return success();
  }

  /// int4 with `activation-block-size`: activations in blocks at run time.
  bool hasActivationBlocks(QuantFormat opFormat) const {
    return activationBlockSize > 0 && opFormat == QuantFormat::Int4;
  }

  LogicalResult quantizeActivationBlocks(OpBuilder &b, Location loc,
                                         const QuantizableOp &op) {
    int64_t axis = getReductionAxes(op).activation;
    Value activation = op.activation->get();
    int64_t size =
        cast<RankedTensorType>(activation.getType()).getDimSize(axis);
    if (size % activationBlockSize != 0)
      return op.op->emitError("activation-block-size ")
             << activationBlockSize.getValue()
             << " does not divide the reduction dimension (" << size
             << ") of the activation";
    op.activation->set(
        fakeQuantizeInt4Blocks(b, loc, activation, axis, activationBlockSize));
    return success();
  }

  /// For a concat whose inputs are all outputs of quantized ops and whose
  /// result a quantized op reads, each of those outputs mapped to the
  /// concat's result: quantized to its range, they share one type, and the
  /// concat moves stored values (quill-qdq-to-integer), as ONNX Runtime's
  /// quantizer arranges it.
  static llvm::DenseMap<Value, Value>
  getConcatRanges(ArrayRef<QuantizableOp> ops,
                  const llvm::SmallPtrSetImpl<OpOperand *> &activations) {
    llvm::SmallPtrSet<Value, 16> outputs;
    for (const QuantizableOp &op : ops)
      outputs.insert(op.output);
    llvm::DenseMap<Value, Value> ranges;
    for (const QuantizableOp &op : ops) {
      if (!op.output.hasOneUse())
        continue;
      auto concat = dyn_cast<ConcatOp>(*op.output.getUsers().begin());
      if (!concat ||
          !llvm::all_of(concat.getInputs(),
                        [&](Value input) {
                          return outputs.contains(input) && input.hasOneUse();
                        }) ||
          !llvm::any_of(concat->getUses(), [&](OpOperand &use) {
            return activations.contains(&use);
          }))
        continue;
      ranges[op.output] = concat.getResult();
    }
    return ranges;
  }

  /// Quantizes every activation tensor of `function` (getActivationTensors)
  /// to the type `typeOf` gives it, and the results of ops that move
  /// quantized values to their input's type.
  LogicalResult
  quantizeEveryActivation(OpBuilder &b, func::FuncOp function,
                          function_ref<Type(Value, Operation *)> typeOf) {
    for (Value value : getActivationTensors(function)) {
      Operation *owner = value.getDefiningOp() ? value.getDefiningOp()
                                               : function.getOperation();
      Type element = typeOf(value, owner);
      if (!element)
        return failure();
      quantizeInPlace(b, value.getLoc(), value, element);
    }
    // In program order, so that a chain of moves passes one type along.
    for (Operation &op :
         llvm::make_early_inc_range(function.getBody().front())) {
      if (!movesQuantizedValues(&op))
        continue;
      auto dequantized = op.getOperand(0).getDefiningOp<DequantizeOp>();
      if (!dequantized)
        continue;
      quantizeInPlace(b, op.getLoc(), op.getResult(0),
                      dequantized.getInput().getType().getElementType());
    }
    return success();
  }

  /// The blocks of `op`'s weight that share a scale: per output channel,
  /// per tensor, or (int4 with a block size, MatMul and Gemm) blocks along
  /// the reduction axis, one per output column.
  FailureOr<SmallVector<int64_t>>
  getWeightBlocks(const QuantizableOp &op, const NumberFormat &numberFormat) {
    auto type = cast<RankedTensorType>(op.weight->get().getType());
    std::optional<int64_t> channelAxis, blockAxis;
    bool blocked = weightBlockSize > 0 && numberFormat.weightBits == 4;
    if (!perTensorWeights || blocked)
      channelAxis = op.weightChannelAxis;
    if (blocked && isa<MatMulOp, GemmOp>(op.op)) {
      blockAxis = 1 - op.weightChannelAxis;
      if (type.getDimSize(*blockAxis) % weightBlockSize != 0) {
        op.op->emitError("weight-block-size ")
            << weightBlockSize.getValue()
            << " does not divide the reduction dimension ("
            << type.getDimSize(*blockAxis) << ") of the weight";
        return failure();
      }
    }
    return getScaleBlocks(type.getShape(), channelAxis, blockAxis,
                          weightBlockSize);
  }
};

} // namespace
