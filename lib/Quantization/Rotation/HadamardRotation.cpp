//===- HadamardRotation.cpp - Hadamard rotations of products' inputs ------===//
//
// quill-hadamard: the offline rotations (OfflineRotation.cpp) first, then
// the online one for every other product: each MatMul / Gemm with a constant
// weight reads its activation through a quill.hadamard (one per activation
// and block size, shared by every product reading it, as the q, k and v
// projections of one LayerNorm output) and its weight with the same
// transform applied along the reduction axis, so that (x M)(M^T W) = x W.
//
//===----------------------------------------------------------------------===//

#include "quill/Quantization/HadamardRotation.h"

#include "../StatisticsOption.h"
#include "OfflineRotation.h"
#include "RotationEstimate.h"
#include "RotationFolding.h"

#include "quill/Dialect/Quill/IR/BlockArithmetic.h"
#include "quill/Dialect/Quill/IR/Hadamard.h"
#include "quill/Dialect/Quill/IR/Quill.h"
#include "quill/Quantization/Passes.h"
#include "quill/Quantization/QuantizableOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Matchers.h"

#include "llvm/Support/FormatVariadic.h"

namespace mlir::quill {
#define GEN_PASS_DEF_HADAMARDPASS
#include "quill/Quantization/Passes.h.inc"
} // namespace mlir::quill

using namespace mlir;
using namespace mlir::quill;

llvm::cl::ValuesClass mlir::quill::getRotationModeValues() {
  return llvm::cl::values(
      clEnumValN(RotationMode::Online, "online",
                 "a quill.hadamard on each product's activation, the "
                 "inverse folded into its weight"),
      clEnumValN(RotationMode::Offline, "offline",
                 "only rotations folded entirely into constants (a "
                 "product's output channels, undone by its readers)"),
      clEnumValN(RotationMode::Both, "both",
                 "offline where it reaches, online for the other products"));
}

llvm::cl::ValuesClass mlir::quill::getRotationChoiceValues() {
  return llvm::cl::values(
      clEnumValN(RotationChoice::Auto, "auto",
                 "per product, the least estimated error among no rotation, "
                 "the whole axis and the format's blocks"),
      clEnumValN(RotationChoice::Full, "full", "the whole reduction axis"),
      clEnumValN(RotationChoice::Block, "block",
                 "blocks of the format's group size"));
}

namespace {

/// The group size of `options`' format: MX 32, NVFP4 16, int4 blocks; 0
/// for formats without blocks.
int64_t getFormatGroupSize(const HadamardRotationOptions &options) {
  if (!options.format)
    return 0;
  if (std::optional<BlockFormat> format = getBlockFormat(*options.format))
    return getBlockFormatRules(*format).blockSize;
  return std::max(options.weightBlockSize, options.activationBlockSize);
}

/// The block sizes a product of reduction `size` may take: the whole axis
/// (its largest block that factorizes) and the format's group size when it
/// divides the axis and is smaller.
SmallVector<int64_t>
getCandidateBlocks(int64_t size, const HadamardRotationOptions &options) {
  SmallVector<int64_t> blocks;
  int64_t full = getLargestHadamardBlock(size);
  if (full > 1)
    blocks.push_back(full);
  int64_t group = getFormatGroupSize(options);
  if (group > 1 && group < full && size % group == 0 &&
      factorHadamardSize(group))
    blocks.push_back(group);
  return blocks;
}

std::string getLayerName(Operation *op) {
  if (std::optional<std::string> name = getStatisticsName(op->getResult(0)))
    return *name;
  std::string text;
  llvm::raw_string_ostream stream(text);
  op->getLoc().print(stream);
  return text;
}

class Rotator {
public:
  Rotator(const HadamardRotationOptions &options) : options(options) {}

  /// Chooses the block size of `product` (0: none) and rotates it.
  RotatedLayer rotate(const QuantizableOp &product);

private:
  Value getRotated(Value activation, int64_t blockSize);

  const HadamardRotationOptions &options;
  llvm::DenseMap<std::pair<Value, int64_t>, Value> rotatedActivations;
};

Value Rotator::getRotated(Value activation, int64_t blockSize) {
  Value &rotated = rotatedActivations[{activation, blockSize}];
  if (rotated)
    return rotated;
  OpBuilder b(activation.getContext());
  if (Operation *producer = activation.getDefiningOp())
    b.setInsertionPointAfter(producer);
  else
    b.setInsertionPointToStart(cast<BlockArgument>(activation).getOwner());
  // A name of its own: calibration statistics and quantization parameters
  // go by the producer's name, and the rotated tensor has other ranges.
  std::string name = getStatisticsName(activation).value_or("activation") +
                     "/hadamard" + std::to_string(blockSize);
  Location loc = NameLoc::get(b.getStringAttr(name), activation.getLoc());
  rotated =
      HadamardOp::create(b, loc, activation, b.getI64IntegerAttr(blockSize),
                         b.getI64IntegerAttr(options.seed));
  return rotated;
}

RotatedLayer Rotator::rotate(const QuantizableOp &product) {
  RotatedLayer layer;
  layer.name = getLayerName(product.op);
  auto refuse = [&](const Twine &reason) {
    layer.reason = reason.str();
    if (options.remarks)
      product.op->emitRemark("not rotated: ") << layer.reason;
    return layer;
  };
  if (!isa<MatMulOp, GemmOp>(product.op))
    return refuse("convolutions rotate their channel axis, which is not the "
                  "last; only MatMul and Gemm inputs are rotated");
  auto activationType =
      cast<RankedTensorType>(product.activation->get().getType());
  DenseFPElementsAttr weight;
  if (!activationType.getElementType().isF32() ||
      !activationType.hasStaticShape() ||
      !matchPattern(product.weight->get(), m_Constant(&weight)) ||
      !weight.getElementType().isF32())
    return refuse("expects a static f32 activation and a constant f32 weight");
  if (product.activation->get().getDefiningOp<HadamardOp>())
    return refuse("its activation is already rotated");
  ReductionAxes axes = getReductionAxes(product);
  layer.size = activationType.getShape().back();

  int64_t blockSize = 0;
  if (options.blockSize > 0) {
    if (layer.size % options.blockSize != 0 ||
        !factorHadamardSize(options.blockSize))
      return refuse(llvm::formatv("block size {0} does not divide its "
                                  "reduction axis of {1} as K * 2^p",
                                  options.blockSize, layer.size)
                        .str());
    blockSize = options.blockSize;
  } else {
    SmallVector<int64_t> candidates = getCandidateBlocks(layer.size, options);
    if (candidates.empty())
      return refuse(llvm::formatv("its reduction axis of {0} has no "
                                  "Hadamard block larger than 1",
                                  layer.size)
                        .str());
    switch (options.choice) {
    case RotationChoice::Full:
      blockSize = candidates.front();
      break;
    case RotationChoice::Block:
      if (candidates.size() < 2 &&
          getFormatGroupSize(options) != candidates.front())
        return refuse(llvm::formatv("the format's group size does not "
                                    "divide its reduction axis of {0}",
                                    layer.size)
                          .str());
      blockSize = candidates.back();
      break;
    case RotationChoice::Auto: {
      if (!options.format) {
        blockSize = candidates.front();
        break;
      }
      ProductSamples samples = getProductSamples(product, options.statistics);
      double best = estimateProductSqnr(samples, 0, options);
      layer.sqnrWithout = best;
      for (int64_t candidate : candidates) {
        double sqnr = estimateProductSqnr(samples, candidate, options);
        if (sqnr > best) {
          best = sqnr;
          blockSize = candidate;
        }
      }
      layer.sqnrWith = best;
      if (!blockSize)
        return refuse(llvm::formatv("no rotation lowers its estimated error "
                                    "({0:f1} dB without)",
                                    *layer.sqnrWithout)
                          .str());
      break;
    }
    }
  }

  layer.blockSize = blockSize;
  product.activation->set(getRotated(product.activation->get(), blockSize));
  OpBuilder b(product.op);
  product.weight->set(arith::ConstantOp::create(
      b, product.weight->get().getLoc(),
      rotateAlongAxis(weight, axes.weight, blockSize,
                      getRandomSigns(layer.size, options.seed))));
  if (options.remarks) {
    HadamardFactors factors = *factorHadamardSize(blockSize);
    InFlightDiagnostic remark = product.op->emitRemark("rotated online: ");
    remark << layer.size << " channels in blocks of " << blockSize << " ("
           << factors.k << " x " << factors.powerOfTwo << ")";
    if (layer.sqnrWith)
      remark << llvm::formatv(", estimated {0:f1} dB -> {1:f1} dB",
                              *layer.sqnrWithout, *layer.sqnrWith)
                    .str();
  }
  return layer;
}

} // namespace

FailureOr<std::vector<RotatedLayer>>
mlir::quill::rotateHadamard(func::FuncOp function,
                            const HadamardRotationOptions &options) {
  if (options.blockSize < 0)
    return function.emitError("quill-hadamard: block-size must be positive, "
                              "got ")
           << options.blockSize;
  if (options.choice == RotationChoice::Block && !options.blockSize &&
      getFormatGroupSize(options) <= 1)
    return function.emitError("quill-hadamard: block rotation needs a block "
                              "format (mxfp4, nvfp4, ...) or a block-size");
  llvm::DenseMap<Operation *, int64_t> offline;
  if (options.mode != RotationMode::Online)
    offline = rotateOffline(function, options);
  Rotator rotator(options);
  std::vector<RotatedLayer> layers;
  for (const QuantizableOp &product : getQuantizableOps(function)) {
    auto found = offline.find(product.op);
    if (found == offline.end() && options.mode != RotationMode::Offline) {
      layers.push_back(rotator.rotate(product));
      continue;
    }
    RotatedLayer layer;
    layer.name = getLayerName(product.op);
    layer.size = cast<RankedTensorType>(product.activation->get().getType())
                     .getShape()
                     .back();
    if (found == offline.end()) {
      layer.reason = "no offline rotation reaches it";
      if (options.remarks)
        product.op->emitRemark("not rotated: ") << layer.reason;
    } else {
      layer.blockSize = found->second;
      layer.offline = true;
      if (options.remarks)
        product.op->emitRemark("rotated offline: ")
            << layer.size << " channels in blocks of " << layer.blockSize
            << ", folded into the weights of the product that writes them";
    }
    layers.push_back(std::move(layer));
  }
  return layers;
}

namespace {

struct HadamardPass : quill::impl::HadamardPassBase<HadamardPass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp function = getOperation();
    if (function.isExternal())
      return;
    HadamardRotationOptions options;
    options.mode = mode;
    options.choice = choice;
    options.blockSize = blockSize;
    options.seed = seed;
    options.format = format;
    options.weightBlockSize = weightBlockSize;
    options.activationBlockSize = activationBlockSize;
    options.remarks = true;
    FailureOr<std::optional<CalibrationStatistics>> statistics =
        readStatisticsOption(function, "quill-hadamard", statsFile);
    if (failed(statistics))
      return signalPassFailure();
    if (*statistics)
      options.statistics = &**statistics;
    if (failed(rotateHadamard(function, options)))
      signalPassFailure();
  }
};

} // namespace
