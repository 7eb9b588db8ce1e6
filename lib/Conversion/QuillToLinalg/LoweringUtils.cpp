//===- LoweringUtils.cpp - Shared pieces of the graph IR lowering ---------===//

#include "LoweringUtils.h"

#include "quill/Dialect/Quill/IR/Quill.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::quill;
using namespace mlir::quill::lowering;

static Type getStorageElementType(Type type) {
  if (auto quantized = dyn_cast<quant::QuantizedType>(type))
    return IntegerType::get(type.getContext(),
                            quantized.getStorageTypeIntegralWidth());
  if (auto floatQuant = dyn_cast<FloatQuantType>(type))
    return IntegerType::get(
        type.getContext(), floatQuant.getStorageType().getIntOrFloatBitWidth());
  // fp8, fp6, fp4 and E8M0 values are their bits, one byte each.
  if (auto small = dyn_cast<FloatType>(type); small && small.getWidth() <= 8)
    return IntegerType::get(type.getContext(), 8);
  if (auto integer = dyn_cast<IntegerType>(type);
      integer && !integer.isSignless())
    return IntegerType::get(type.getContext(), integer.getWidth());
  return type;
}

StorageTypeConverter::StorageTypeConverter() {
  addConversion([](Type type) { return type; });
  addConversion([](RankedTensorType type) -> Type {
    return type.clone(getStorageElementType(type.getElementType()));
  });
  // Function arguments change type only by signedness: a cast bridges the
  // graph type and the storage type during conversion.
  auto materialize = [](OpBuilder &b, Type type, ValueRange inputs,
                        Location loc) -> Value {
    return UnrealizedConversionCastOp::create(b, loc, type, inputs)
        .getResult(0);
  };
  addSourceMaterialization(materialize);
  addTargetMaterialization(materialize);
}

bool mlir::quill::lowering::hasUnsignedElements(Type type) {
  Type element = getElementTypeOrSelf(type);
  if (auto quantized = dyn_cast<quant::QuantizedType>(element))
    return !quantized.isSigned();
  return element.isUnsignedInteger();
}

IntegerMath::IntegerMath(OpBuilder &b, Location loc)
    : IntegerMath(b, loc, b.getI64Type()) {}

IntegerMath::IntegerMath(OpBuilder &b, Location loc, Type type)
    : b(b), loc(loc), type(type) {}

Value IntegerMath::constant(int64_t value) const {
  // Sign-extended explicitly: Builder::getIntegerAttr zero-extends into
  // signless types wider than 64 bits.
  return arith::ConstantOp::create(
      b, loc,
      IntegerAttr::get(type, APInt(type.getIntOrFloatBitWidth(), value,
                                   /*isSigned=*/true, /*implicitTrunc=*/true)));
}

Value IntegerMath::add(Value x, Value y) const {
  return arith::AddIOp::create(b, loc, x, y);
}

Value IntegerMath::sub(Value x, Value y) const {
  return arith::SubIOp::create(b, loc, x, y);
}

Value IntegerMath::mul(Value x, Value y) const {
  return arith::MulIOp::create(b, loc, x, y);
}

Value IntegerMath::div(Value x, Value y) const {
  return arith::DivSIOp::create(b, loc, x, y);
}

Value IntegerMath::shl(Value x, Value y) const {
  return arith::ShLIOp::create(b, loc, x, y);
}

Value IntegerMath::shr(Value x, Value y) const {
  return arith::ShRSIOp::create(b, loc, x, y);
}

Value IntegerMath::max(Value x, Value y) const {
  return arith::MaxSIOp::create(b, loc, x, y);
}

Value IntegerMath::min(Value x, Value y) const {
  return arith::MinSIOp::create(b, loc, x, y);
}

Value IntegerMath::widen(Value x, bool isUnsigned) const {
  if (x.getType() == type)
    return x;
  if (isUnsigned)
    return arith::ExtUIOp::create(b, loc, type, x);
  return arith::ExtSIOp::create(b, loc, type, x);
}

Value IntegerMath::requantizeToStorage(Value a, Value multiplier, Value shift,
                                       int64_t zeroPoint, int64_t clampMin,
                                       int64_t clampMax, Type storage) const {
  Value half = shl(constant(1), sub(shift, constant(1)));
  Value rounded = add(mul(a, multiplier), half);
  Value shifted = add(shr(rounded, shift), constant(zeroPoint));
  Value clamped = min(max(shifted, constant(clampMin)), constant(clampMax));
  return arith::TruncIOp::create(b, loc, storage, clamped);
}

Value ScalarMath::constant(Type type, double value) const {
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(floatType, value));
  return arith::ConstantOp::create(
      b, loc, b.getIntegerAttr(type, static_cast<int64_t>(value)));
}

Value ScalarMath::add(Value x, Value y) const {
  if (isa<FloatType>(x.getType()))
    return arith::AddFOp::create(b, loc, x, y);
  return arith::AddIOp::create(b, loc, x, y);
}

Value ScalarMath::sub(Value x, Value y) const {
  if (isa<FloatType>(x.getType()))
    return arith::SubFOp::create(b, loc, x, y);
  return arith::SubIOp::create(b, loc, x, y);
}

Value ScalarMath::mul(Value x, Value y) const {
  if (isa<FloatType>(x.getType()))
    return arith::MulFOp::create(b, loc, x, y);
  return arith::MulIOp::create(b, loc, x, y);
}

Value ScalarMath::div(Value x, Value y) const {
  if (isa<FloatType>(x.getType()))
    return arith::DivFOp::create(b, loc, x, y);
  if (isUnsigned)
    return arith::DivUIOp::create(b, loc, x, y);
  return arith::DivSIOp::create(b, loc, x, y);
}

Value ScalarMath::max(Value x, Value y) const {
  if (isa<FloatType>(x.getType()))
    return arith::MaximumFOp::create(b, loc, x, y);
  if (isUnsigned)
    return arith::MaxUIOp::create(b, loc, x, y);
  return arith::MaxSIOp::create(b, loc, x, y);
}

Value ScalarMath::min(Value x, Value y) const {
  if (isa<FloatType>(x.getType()))
    return arith::MinimumFOp::create(b, loc, x, y);
  if (isUnsigned)
    return arith::MinUIOp::create(b, loc, x, y);
  return arith::MinSIOp::create(b, loc, x, y);
}

Value ScalarMath::lessThan(Value x, Value y) const {
  if (isa<FloatType>(x.getType()))
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, y);
  return arith::CmpIOp::create(
      b, loc,
      isUnsigned ? arith::CmpIPredicate::ult : arith::CmpIPredicate::slt, x, y);
}

Value ScalarMath::convert(Value x, Type to, bool toUnsigned) const {
  Type from = x.getType();
  if (from == to)
    return x;
  auto fromFloat = dyn_cast<FloatType>(from);
  auto toFloat = dyn_cast<FloatType>(to);
  if (fromFloat && toFloat) {
    if (fromFloat.getWidth() < toFloat.getWidth())
      return arith::ExtFOp::create(b, loc, to, x);
    return arith::TruncFOp::create(b, loc, to, x);
  }
  if (toFloat) {
    // Bool and unsigned integers convert as non-negative values.
    if (isUnsigned || from.isInteger(1))
      return arith::UIToFPOp::create(b, loc, to, x);
    return arith::SIToFPOp::create(b, loc, to, x);
  }
  if (to.isInteger(1)) {
    Value zero = constant(from, 0);
    if (fromFloat)
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, x, zero);
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, x, zero);
  }
  if (fromFloat)
    return toUnsigned ? Value(arith::FPToUIOp::create(b, loc, to, x))
                      : Value(arith::FPToSIOp::create(b, loc, to, x));
  unsigned fromWidth = from.getIntOrFloatBitWidth();
  unsigned toWidth = to.getIntOrFloatBitWidth();
  if (fromWidth > toWidth)
    return arith::TruncIOp::create(b, loc, to, x);
  if (isUnsigned || from.isInteger(1))
    return arith::ExtUIOp::create(b, loc, to, x);
  return arith::ExtSIOp::create(b, loc, to, x);
}

Value mlir::quill::lowering::createEmpty(OpBuilder &b, Location loc,
                                         ArrayRef<int64_t> shape,
                                         Type elementType) {
  return tensor::EmptyOp::create(b, loc, shape, elementType);
}

Value mlir::quill::lowering::createFilled(OpBuilder &b, Location loc,
                                          ArrayRef<int64_t> shape,
                                          Value value) {
  Value empty = createEmpty(b, loc, shape, value.getType());
  return linalg::FillOp::create(b, loc, ValueRange{value}, ValueRange{empty})
      .getResult(0);
}

AffineMap mlir::quill::lowering::getBroadcastMap(ArrayRef<int64_t> operandShape,
                                                 ArrayRef<int64_t> resultShape,
                                                 MLIRContext *context) {
  int64_t offset = resultShape.size() - operandShape.size();
  SmallVector<AffineExpr> exprs;
  for (auto [index, size] : llvm::enumerate(operandShape)) {
    int64_t resultDim = offset + index;
    if (size == 1 && resultShape[resultDim] != 1)
      exprs.push_back(getAffineConstantExpr(0, context));
    else
      exprs.push_back(getAffineDimExpr(resultDim, context));
  }
  return AffineMap::get(resultShape.size(), 0, exprs, context);
}

Value mlir::quill::lowering::buildMapped(OpBuilder &b, Location loc,
                                         ArrayRef<int64_t> shape,
                                         Type elementType, ValueRange operands,
                                         ArrayRef<AffineMap> maps,
                                         ElementwiseBody body) {
  SmallVector<AffineMap> allMaps(maps);
  allMaps.push_back(
      AffineMap::getMultiDimIdentityMap(shape.size(), b.getContext()));
  SmallVector<utils::IteratorType> iterators(shape.size(),
                                             utils::IteratorType::parallel);
  Value init = createEmpty(b, loc, shape, elementType);
  return linalg::GenericOp::create(
             b, loc, init.getType(), operands, init, allMaps, iterators,
             [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
               linalg::YieldOp::create(
                   nested, nestedLoc,
                   body(nested, nestedLoc, args.drop_back()));
             })
      .getResult(0);
}

Value mlir::quill::lowering::gatherThroughMap(OpBuilder &b, Location loc,
                                              ArrayRef<int64_t> shape,
                                              Value input, AffineMap map) {
  return buildMapped(
      b, loc, shape, cast<RankedTensorType>(input.getType()).getElementType(),
      input, map,
      [](OpBuilder &, Location, ValueRange args) { return args[0]; });
}

RankedTensorType
mlir::quill::lowering::getConvertedResultType(const TypeConverter &converter,
                                              Operation *op) {
  return cast<RankedTensorType>(
      converter.convertType(op->getResult(0).getType()));
}

Value mlir::quill::lowering::buildElementwise(OpBuilder &b, Location loc,
                                              ArrayRef<int64_t> resultShape,
                                              Type resultElementType,
                                              ValueRange operands,
                                              ElementwiseBody body) {
  SmallVector<AffineMap> maps;
  for (Value operand : operands)
    maps.push_back(
        getBroadcastMap(cast<RankedTensorType>(operand.getType()).getShape(),
                        resultShape, b.getContext()));
  return buildMapped(b, loc, resultShape, resultElementType, operands, maps,
                     body);
}

Value mlir::quill::lowering::buildReduction(
    OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes, Value init,
    function_ref<Value(OpBuilder &, Location, Value, Value)> combine) {
  MLIRContext *context = b.getContext();
  auto inputType = cast<RankedTensorType>(input.getType());
  int64_t rank = inputType.getRank();
  SmallVector<int64_t> resultShape;
  SmallVector<AffineExpr> resultExprs;
  SmallVector<utils::IteratorType> iterators;
  for (int64_t dim = 0; dim < rank; ++dim) {
    if (llvm::is_contained(axes, dim)) {
      iterators.push_back(utils::IteratorType::reduction);
      continue;
    }
    iterators.push_back(utils::IteratorType::parallel);
    resultShape.push_back(inputType.getDimSize(dim));
    resultExprs.push_back(getAffineDimExpr(dim, context));
  }
  Value filled = createFilled(b, loc, resultShape, init);
  SmallVector<AffineMap> maps = {
      AffineMap::getMultiDimIdentityMap(rank, context),
      AffineMap::get(rank, 0, resultExprs, context)};
  auto generic = linalg::GenericOp::create(
      b, loc, filled.getType(), input, filled, maps, iterators,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        linalg::YieldOp::create(nested, nestedLoc,
                                combine(nested, nestedLoc, args[0], args[1]));
      });
  // A float reduction may be reassociated: otherwise LLVM keeps the one
  // serial chain the loop order gives and vectorizes none of it.
  generic.getBody()->walk([](arith::ArithFastMathInterface op) {
    op->setAttr(op.getFastMathAttrName(),
                arith::FastMathFlagsAttr::get(
                    op->getContext(), op.getFastMathFlagsAttr().getValue() |
                                          arith::FastMathFlags::reassoc));
  });
  return generic.getResult(0);
}

Value mlir::quill::lowering::reshapeTo(OpBuilder &b, Location loc, Value value,
                                       ArrayRef<int64_t> shape) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getShape() == shape)
    return value;
  auto resultType = type.clone(shape);
  // A reshaped constant is a constant, so that what reads it (compile-time
  // sums, packed weights) still sees one.
  DenseElementsAttr constant;
  if (matchPattern(value, m_Constant(&constant)))
    return arith::ConstantOp::create(b, loc, constant.reshape(resultType));
  if (type.getRank() > resultType.getRank()) {
    if (auto reassociation =
            getReassociationIndicesForCollapse(type.getShape(), shape))
      return tensor::CollapseShapeOp::create(b, loc, resultType, value,
                                             *reassociation);
  } else if (type.getRank() < resultType.getRank()) {
    if (auto reassociation =
            getReassociationIndicesForCollapse(shape, type.getShape()))
      return tensor::ExpandShapeOp::create(b, loc, resultType, value,
                                           *reassociation);
  }
  // No single reshape relates the shapes: go through a flat vector.
  int64_t count = type.getNumElements();
  SmallVector<ReassociationIndices> toFlat(1), fromFlat(1);
  for (int64_t dim = 0; dim < type.getRank(); ++dim)
    toFlat[0].push_back(dim);
  for (int64_t dim = 0, e = shape.size(); dim < e; ++dim)
    fromFlat[0].push_back(dim);
  auto flatType = type.clone({count});
  Value flat = value;
  if (type.getRank() != 1)
    flat = tensor::CollapseShapeOp::create(b, loc, flatType, value, toFlat);
  if (shape.size() == 1)
    return flat;
  return tensor::ExpandShapeOp::create(b, loc, resultType, flat, fromFlat);
}

/// -inf or +inf, or the smallest or largest integer of `type`.
static Value extremeValue(OpBuilder &b, Location loc, Type type,
                          bool isUnsigned, bool highest) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(
        b, loc,
        b.getFloatAttr(floatType, APFloat::getInf(floatType.getFloatSemantics(),
                                                  /*Negative=*/!highest)));
  unsigned width = type.getIntOrFloatBitWidth();
  APInt value =
      isUnsigned ? (highest ? APInt::getAllOnes(width) : APInt::getZero(width))
                 : (highest ? APInt::getSignedMaxValue(width)
                            : APInt::getSignedMinValue(width));
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, value));
}

Value mlir::quill::lowering::lowestValue(OpBuilder &b, Location loc, Type type,
                                         bool isUnsigned) {
  return extremeValue(b, loc, type, isUnsigned, /*highest=*/false);
}

Value mlir::quill::lowering::highestValue(OpBuilder &b, Location loc, Type type,
                                          bool isUnsigned) {
  return extremeValue(b, loc, type, isUnsigned, /*highest=*/true);
}

Value mlir::quill::lowering::normalizeIndex(OpBuilder &b, Location loc,
                                            Value index, int64_t size) {
  Value asIndex = arith::IndexCastOp::create(b, loc, b.getIndexType(), index);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value sizeValue = arith::ConstantIndexOp::create(b, loc, size);
  Value negative =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, asIndex, zero);
  Value wrapped = arith::AddIOp::create(b, loc, asIndex, sizeValue);
  return arith::SelectOp::create(b, loc, negative, wrapped, asIndex);
}

AffineMap mlir::quill::lowering::getReducedMap(int64_t rank,
                                               ArrayRef<int64_t> axes,
                                               MLIRContext *context) {
  SmallVector<AffineExpr> exprs;
  for (int64_t dim = 0; dim < rank; ++dim)
    if (!llvm::is_contained(axes, dim))
      exprs.push_back(getAffineDimExpr(dim, context));
  return AffineMap::get(rank, 0, exprs, context);
}
