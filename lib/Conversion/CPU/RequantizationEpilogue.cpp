//===- RequantizationEpilogue.cpp - Matmul epilogues the kernel can fuse --===//

#include "RequantizationEpilogue.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;
using namespace mlir::quill;

namespace {

/// Questions about the values of an epilogue generic's body.
class EpilogueBody {
public:
  EpilogueBody(linalg::GenericOp generic, BlockArgument accumulator)
      : body(generic.getBody()), numInputs(generic.getNumDpsInputs()),
        accumulator(accumulator) {}

  bool dependsOnAccumulator(Value value) const {
    if (value == accumulator)
      return true;
    Operation *op = value.getDefiningOp();
    return op && op->getBlock() == body &&
           llvm::any_of(op->getOperands(), [&](Value operand) {
             return dependsOnAccumulator(operand);
           });
  }

  /// Whether `value` is a function of the column alone: of inputs read per
  /// column (or not indexed) and of values defined outside the generic,
  /// through side-effect-free ops.
  bool isColumnValue(Value value) const {
    if (auto argument = dyn_cast<BlockArgument>(value)) {
      if (argument.getOwner() != body)
        return true;
      return argument != accumulator && argument.getArgNumber() < numInputs;
    }
    Operation *op = value.getDefiningOp();
    if (op->getBlock() != body)
      return true;
    return isMemoryEffectFree(op) && op->getNumRegions() == 0 &&
           !isa<linalg::IndexOp>(op) &&
           llvm::all_of(op->getOperands(),
                        [&](Value operand) { return isColumnValue(operand); });
  }

  /// Whether `value` is the accumulator plus or minus column values.
  bool isOffsetSum(Value value) const {
    if (value == accumulator)
      return true;
    if (auto add = value.getDefiningOp<arith::AddIOp>()) {
      auto [sum, term] = splitSum(add);
      return isOffsetSum(sum) && isColumnValue(term);
    }
    if (auto sub = value.getDefiningOp<arith::SubIOp>())
      return isOffsetSum(sub.getLhs()) && isColumnValue(sub.getRhs());
    return false;
  }

  /// An add's operand that depends on the accumulator, then the other.
  std::pair<Value, Value> splitSum(arith::AddIOp add) const {
    if (dependsOnAccumulator(add.getLhs()))
      return {add.getLhs(), add.getRhs()};
    return {add.getRhs(), add.getLhs()};
  }

  /// Clones `value`'s computation into a builder whose `mapping` maps the
  /// per-column block arguments.
  Value cloneColumnValue(OpBuilder &b, Value value, IRMapping &mapping) const {
    if (Value mapped = mapping.lookupOrNull(value))
      return mapped;
    Operation *op = value.getDefiningOp();
    if (!op || op->getBlock() != body)
      return value;
    for (Value operand : op->getOperands())
      cloneColumnValue(b, operand, mapping);
    b.clone(*op, mapping);
    return mapping.lookup(value);
  }

  /// The column terms of an offset sum, added up.
  Value emitOffset(OpBuilder &b, Location loc, Value sum,
                   IRMapping &mapping) const {
    if (sum == accumulator)
      return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0));
    if (auto add = sum.getDefiningOp<arith::AddIOp>()) {
      auto [inner, term] = splitSum(add);
      return arith::AddIOp::create(b, loc, emitOffset(b, loc, inner, mapping),
                                   cloneColumnValue(b, term, mapping));
    }
    auto sub = sum.getDefiningOp<arith::SubIOp>();
    return arith::SubIOp::create(b, loc,
                                 emitOffset(b, loc, sub.getLhs(), mapping),
                                 cloneColumnValue(b, sub.getRhs(), mapping));
  }

private:
  Block *body;
  unsigned numInputs;
  BlockArgument accumulator;
};

} // namespace

/// `op`'s operand other than a constant integer operand, and that constant.
static std::optional<std::pair<Value, int64_t>> splitConstant(Operation *op) {
  if (!op || op->getNumOperands() != 2)
    return std::nullopt;
  APInt value;
  if (matchPattern(op->getOperand(1), m_ConstantInt(&value)))
    return std::make_pair(op->getOperand(0), value.getSExtValue());
  if (matchPattern(op->getOperand(0), m_ConstantInt(&value)))
    return std::make_pair(op->getOperand(1), value.getSExtValue());
  return std::nullopt;
}

/// Whether `map` reads per column: its results are the column loop or 0.
static bool readsPerColumn(AffineMap map, unsigned columnLoop) {
  return llvm::all_of(map.getResults(), [&](AffineExpr result) {
    if (auto dim = dyn_cast<AffineDimExpr>(result))
      return dim.getPosition() == columnLoop;
    auto constant = dyn_cast<AffineConstantExpr>(result);
    return constant && constant.getValue() == 0;
  });
}

/// `type` transposed as memref.transpose by `permutation` would give.
static MemRefType getTransposedType(MemRefType type,
                                    ArrayRef<unsigned> permutation) {
  auto [strides, offset] = type.getStridesAndOffset();
  SmallVector<int64_t> sizes, permutedStrides;
  for (unsigned dim : permutation) {
    sizes.push_back(type.getDimSize(dim));
    permutedStrides.push_back(strides[dim]);
  }
  return MemRefType::get(
      sizes, type.getElementType(),
      StridedLayoutAttr::get(type.getContext(), offset, permutedStrides),
      type.getMemorySpace());
}

/// One image of `type`: its leading dimension dropped, at any offset.
static MemRefType getImageType(MemRefType type) {
  auto [strides, offset] = type.getStridesAndOffset();
  return MemRefType::get(type.getShape().drop_front(), type.getElementType(),
                         StridedLayoutAttr::get(type.getContext(),
                                                ShapedType::kDynamic,
                                                ArrayRef(strides).drop_front()),
                         type.getMemorySpace());
}

/// [[0, ..., rank - 2], [rank - 1]]: the rows, then the columns.
static SmallVector<ReassociationIndices> getRowsReassociation(int64_t rank) {
  ReassociationIndices rows;
  for (int64_t dim = 0; dim + 1 < rank; ++dim)
    rows.push_back(dim);
  return {rows, {rank - 1}};
}

std::optional<RequantizationEpilogue>
mlir::quill::matchRequantizationEpilogue(linalg::GenericOp generic,
                                         Value accumulator) {
  unsigned rank = generic.getNumLoops();
  if (!generic.hasPureBufferSemantics() || rank < 2 ||
      generic.getNumParallelLoops() != rank || generic.getNumDpsInits() != 1)
    return std::nullopt;
  if (auto expand = accumulator.getDefiningOp<memref::ExpandShapeOp>()) {
    // Only the rows may be expanded: the columns stay one dimension.
    if (expand.getReassociationIndices().back().size() != 1)
      return std::nullopt;
  }

  OpOperand *init = generic.getDpsInitOperand(0);
  auto outType = dyn_cast<MemRefType>(init->get().getType());
  AffineMap outMap = generic.getMatchingIndexingMap(init);
  if (!outType || !outType.getElementType().isInteger(8) ||
      !outMap.isPermutation() || !outType.isStrided() ||
      !generic.getMatchingBlockArgument(init).use_empty() ||
      !generic.getBody()->getOps<linalg::IndexOp>().empty())
    return std::nullopt;

  OpOperand *accumulatorOperand = nullptr;
  for (OpOperand *input : generic.getDpsInputOperands()) {
    if (input->get() != accumulator)
      continue;
    if (accumulatorOperand)
      return std::nullopt;
    accumulatorOperand = input;
  }
  if (!accumulatorOperand)
    return std::nullopt;
  AffineMap accumulatorMap = generic.getMatchingIndexingMap(accumulatorOperand);
  BlockArgument accumulatorArgument =
      generic.getMatchingBlockArgument(accumulatorOperand);
  if (!accumulatorMap.isPermutation() ||
      !accumulatorArgument.getType().isInteger(32))
    return std::nullopt;
  unsigned columnLoop = accumulatorMap.getDimPosition(rank - 1);
  for (OpOperand *input : generic.getDpsInputOperands())
    if (input != accumulatorOperand &&
        !readsPerColumn(generic.getMatchingIndexingMap(input), columnLoop))
      return std::nullopt;

  RequantizationEpilogue epilogue{};
  epilogue.generic = generic;
  epilogue.accumulator = accumulatorArgument;
  for (unsigned dim = 0; dim < rank; ++dim)
    epilogue.outputPermutation.push_back(
        *outMap.getResultPosition(getAffineDimExpr(
            accumulatorMap.getDimPosition(dim), generic.getContext())));
  if (rank > 2) {
    MemRefType matrix = getTransposedType(outType, epilogue.outputPermutation);
    if (!memref::CollapseShapeOp::isGuaranteedCollapsible(
            matrix, getRowsReassociation(rank))) {
      // Several images: the rows of each one may still collapse.
      epilogue.perImage = true;
      if (rank < 4 || !memref::CollapseShapeOp::isGuaranteedCollapsible(
                          getImageType(matrix), getRowsReassociation(rank - 1)))
        return std::nullopt;
    }
  }

  EpilogueBody body(generic, accumulatorArgument);

  // ^ flip (uint8 values kept in int8 storage).
  Value value = generic.getBody()->getTerminator()->getOperand(0);
  if (auto flipped = splitConstant(value.getDefiningOp<arith::XOrIOp>())) {
    value = flipped->first;
    epilogue.flip = flipped->second & 0xFF;
  }
  auto trunc = value.getDefiningOp<arith::TruncIOp>();
  if (!trunc || !trunc.getIn().getType().isInteger(64))
    return std::nullopt;

  // clamp(v, lo, hi), in either order of min and max.
  Value clamped = trunc.getIn(), unclamped;
  if (auto outer = splitConstant(clamped.getDefiningOp<arith::MinSIOp>())) {
    auto inner = splitConstant(outer->first.getDefiningOp<arith::MaxSIOp>());
    if (!inner)
      return std::nullopt;
    std::tie(unclamped, epilogue.lo) = *inner;
    epilogue.hi = outer->second;
  } else if (auto outer =
                 splitConstant(clamped.getDefiningOp<arith::MaxSIOp>())) {
    auto inner = splitConstant(outer->first.getDefiningOp<arith::MinSIOp>());
    if (!inner)
      return std::nullopt;
    std::tie(unclamped, epilogue.hi) = *inner;
    epilogue.lo = outer->second;
  } else {
    return std::nullopt;
  }
  if (epilogue.lo > epilogue.hi)
    return std::nullopt;

  // (x >> shift) + zeroPoint, the zero point possibly folded away.
  auto shift = unclamped.getDefiningOp<arith::ShRSIOp>();
  if (!shift) {
    auto shifted = splitConstant(unclamped.getDefiningOp<arith::AddIOp>());
    if (!shifted)
      return std::nullopt;
    shift = shifted->first.getDefiningOp<arith::ShRSIOp>();
    epilogue.zeroPoint = shifted->second;
  }
  if (!shift)
    return std::nullopt;
  epilogue.shift = shift.getRhs();

  // widen(offsetSum) * multiplier + rounding.
  auto rounded = shift.getLhs().getDefiningOp<arith::AddIOp>();
  if (!rounded)
    return std::nullopt;
  Value product;
  std::tie(product, epilogue.rounding) = body.splitSum(rounded);
  auto multiply = product.getDefiningOp<arith::MulIOp>();
  if (!multiply)
    return std::nullopt;
  Value widened = multiply.getLhs();
  epilogue.multiplier = multiply.getRhs();
  if (!body.dependsOnAccumulator(widened))
    std::swap(widened, epilogue.multiplier);
  auto widen = widened.getDefiningOp<arith::ExtSIOp>();
  if (!widen || !widen.getIn().getType().isInteger(32))
    return std::nullopt;
  epilogue.offsetSum = widen.getIn();

  if (!body.isOffsetSum(epilogue.offsetSum) ||
      !body.isColumnValue(epilogue.multiplier) ||
      !body.isColumnValue(epilogue.rounding) ||
      !body.isColumnValue(epilogue.shift))
    return std::nullopt;
  return epilogue;
}

SmallVector<Value, 4> mlir::quill::materializeColumnVectors(
    OpBuilder &b, const RequantizationEpilogue &epilogue, int64_t columns) {
  linalg::GenericOp generic = epilogue.generic;
  Location loc = generic.getLoc();
  MLIRContext *context = b.getContext();
  AffineMap perColumn = AffineMap::getMultiDimIdentityMap(1, context);
  unsigned columnLoop = generic
                            .getMatchingIndexingMap(generic.getDpsInputOperand(
                                epilogue.accumulator.getArgNumber()))
                            .getDimPosition(generic.getNumLoops() - 1);

  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  SmallVector<BlockArgument> columnArguments;
  for (OpOperand *input : generic.getDpsInputOperands()) {
    BlockArgument argument = generic.getMatchingBlockArgument(input);
    if (argument == epilogue.accumulator)
      continue;
    inputs.push_back(input->get());
    maps.push_back(generic.getMatchingIndexingMap(input).replace(
        getAffineDimExpr(columnLoop, context), getAffineDimExpr(0, context),
        /*numResultDims=*/1, /*numResultSyms=*/0));
    columnArguments.push_back(argument);
  }
  SmallVector<Value, 4> vectors;
  for (Type element :
       {b.getI32Type(), b.getI64Type(), b.getI64Type(), b.getI64Type()}) {
    vectors.push_back(memref::AllocOp::create(
        b, loc, MemRefType::get({columns}, element), b.getI64IntegerAttr(64)));
    maps.push_back(perColumn);
  }

  EpilogueBody body(generic, epilogue.accumulator);
  linalg::GenericOp::create(
      b, loc, TypeRange(), inputs, vectors, maps,
      {utils::IteratorType::parallel},
      [&](OpBuilder &nested, Location nestedLoc, ValueRange arguments) {
        IRMapping mapping;
        for (auto [old, replacement] :
             llvm::zip(columnArguments, arguments.take_front(inputs.size())))
          mapping.map(old, replacement);
        Value offset =
            body.emitOffset(nested, nestedLoc, epilogue.offsetSum, mapping);
        Value multiplier =
            body.cloneColumnValue(nested, epilogue.multiplier, mapping);
        Value rounding =
            body.cloneColumnValue(nested, epilogue.rounding, mapping);
        Value shift = body.cloneColumnValue(nested, epilogue.shift, mapping);
        linalg::YieldOp::create(
            nested, nestedLoc, ValueRange{offset, multiplier, rounding, shift});
      });
  return vectors;
}

Value mlir::quill::buildOutputMatrix(OpBuilder &b,
                                     const RequantizationEpilogue &epilogue,
                                     Value image) {
  linalg::GenericOp generic = epilogue.generic;
  Location loc = generic.getLoc();
  Value out = generic.getDpsInits()[0];
  ArrayRef<unsigned> permutation = epilogue.outputPermutation;
  if (!llvm::equal(permutation, llvm::seq<unsigned>(0, permutation.size())))
    out = memref::TransposeOp::create(
        b, loc, out,
        AffineMapAttr::get(
            AffineMap::getPermutationMap(permutation, b.getContext())));
  int64_t rank = permutation.size();
  if (epilogue.perImage) {
    auto type = cast<MemRefType>(out.getType());
    SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
    offsets[0] = image;
    SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1)};
    for (int64_t size : type.getShape().drop_front())
      sizes.push_back(b.getIndexAttr(size));
    SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
    out = memref::SubViewOp::create(b, loc, getImageType(type), out, offsets,
                                    sizes, strides);
    --rank;
  }
  if (rank == 2)
    return out;
  return memref::CollapseShapeOp::create(b, loc, out,
                                         getRowsReassociation(rank));
}

int64_t mlir::quill::getImageCount(const RequantizationEpilogue &epilogue) {
  if (!epilogue.perImage)
    return 1;
  linalg::GenericOp generic = epilogue.generic;
  auto type = cast<MemRefType>(generic.getDpsInits()[0].getType());
  return type.getDimSize(epilogue.outputPermutation[0]);
}
