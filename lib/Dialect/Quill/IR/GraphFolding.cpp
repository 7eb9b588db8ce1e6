//===- GraphFolding.cpp - Constant folding of graph ops -------------------===//
//
// Elementwise arithmetic with numpy broadcasting, reshape, transpose and
// cast evaluated on constants, as ONNX defines them: integers wrap, integer
// division truncates toward zero (a division by zero is left unfolded),
// Max/Min propagate NaN. Folds producing more than kMaxFoldedElements
// elements are skipped: a huge constant costs more than the op.
//
//===----------------------------------------------------------------------===//

#include "quill/Dialect/Quill/IR/Quill.h"

#include "mlir/Dialect/Utils/IndexingUtils.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/APSInt.h"

#include <cmath>

using namespace mlir;
using namespace mlir::quill;

static constexpr int64_t kMaxFoldedElements = 1 << 20;

/// The index into an operand of `operandShape` that numpy broadcasting
/// pairs with element `index` of a result of `resultShape`.
static int64_t broadcastIndex(int64_t index, ArrayRef<int64_t> resultShape,
                              ArrayRef<int64_t> resultStrides,
                              ArrayRef<int64_t> operandShape,
                              ArrayRef<int64_t> operandStrides) {
  int64_t offset = resultShape.size() - operandShape.size(), result = 0;
  for (size_t d = 0; d < operandShape.size(); ++d) {
    int64_t coordinate =
        (index / resultStrides[d + offset]) % resultShape[d + offset];
    if (operandShape[d] != 1)
      result += coordinate * operandStrides[d];
  }
  return result;
}

/// Integer element semantics: ui* unsigned, i1 a bool, the rest signed.
static bool isUnsignedInteger(Type type) {
  auto integer = dyn_cast<IntegerType>(type);
  return integer && (integer.isUnsigned() || integer.getWidth() == 1);
}

namespace {
/// The elementwise function of a binary op, on floats or integers; nullopt
/// when it cannot fold (a division by zero).
struct BinaryFunctions {
  function_ref<APFloat(const APFloat &, const APFloat &)> onFloat;
  function_ref<std::optional<APInt>(const APInt &, const APInt &, bool)>
      onInteger;
};
} // namespace

static OpFoldResult foldBroadcastBinary(Attribute lhsAttr, Attribute rhsAttr,
                                        Type resultType,
                                        BinaryFunctions functions) {
  auto lhs = dyn_cast_if_present<DenseElementsAttr>(lhsAttr);
  auto rhs = dyn_cast_if_present<DenseElementsAttr>(rhsAttr);
  auto type = dyn_cast<RankedTensorType>(resultType);
  if (!lhs || !rhs || !type || !type.hasStaticShape() ||
      type.getNumElements() > kMaxFoldedElements)
    return {};
  ArrayRef<int64_t> shape = type.getShape();
  SmallVector<int64_t> strides = computeStrides(shape);
  ArrayRef<int64_t> lhsShape = lhs.getType().getShape();
  ArrayRef<int64_t> rhsShape = rhs.getType().getShape();
  SmallVector<int64_t> lhsStrides = computeStrides(lhsShape);
  SmallVector<int64_t> rhsStrides = computeStrides(rhsShape);
  auto indices = [&](int64_t i) {
    return std::pair(broadcastIndex(i, shape, strides, lhsShape, lhsStrides),
                     broadcastIndex(i, shape, strides, rhsShape, rhsStrides));
  };
  int64_t count = type.getNumElements();
  if (isa<FloatType>(type.getElementType())) {
    auto lhsValues = llvm::to_vector(lhs.getValues<APFloat>());
    auto rhsValues = llvm::to_vector(rhs.getValues<APFloat>());
    SmallVector<APFloat> values;
    values.reserve(count);
    for (int64_t i = 0; i < count; ++i) {
      auto [l, r] = indices(i);
      values.push_back(functions.onFloat(lhsValues[l], rhsValues[r]));
    }
    return DenseElementsAttr::get(type, values);
  }
  bool isUnsigned = isUnsignedInteger(type.getElementType());
  auto lhsValues = llvm::to_vector(lhs.getValues<APInt>());
  auto rhsValues = llvm::to_vector(rhs.getValues<APInt>());
  SmallVector<APInt> values;
  values.reserve(count);
  for (int64_t i = 0; i < count; ++i) {
    auto [l, r] = indices(i);
    std::optional<APInt> value =
        functions.onInteger(lhsValues[l], rhsValues[r], isUnsigned);
    if (!value)
      return {};
    values.push_back(*value);
  }
  return DenseElementsAttr::get(type, values);
}

OpFoldResult AddOp::fold(FoldAdaptor adaptor) {
  return foldBroadcastBinary(
      adaptor.getLhs(), adaptor.getRhs(), getType(),
      {[](const APFloat &a, const APFloat &b) { return a + b; },
       [](const APInt &a, const APInt &b, bool) -> std::optional<APInt> {
         return a + b;
       }});
}

OpFoldResult SubOp::fold(FoldAdaptor adaptor) {
  return foldBroadcastBinary(
      adaptor.getLhs(), adaptor.getRhs(), getType(),
      {[](const APFloat &a, const APFloat &b) { return a - b; },
       [](const APInt &a, const APInt &b, bool) -> std::optional<APInt> {
         return a - b;
       }});
}

OpFoldResult MulOp::fold(FoldAdaptor adaptor) {
  return foldBroadcastBinary(
      adaptor.getLhs(), adaptor.getRhs(), getType(),
      {[](const APFloat &a, const APFloat &b) { return a * b; },
       [](const APInt &a, const APInt &b, bool) -> std::optional<APInt> {
         return a * b;
       }});
}

OpFoldResult DivOp::fold(FoldAdaptor adaptor) {
  return foldBroadcastBinary(
      adaptor.getLhs(), adaptor.getRhs(), getType(),
      {[](const APFloat &a, const APFloat &b) { return a / b; },
       [](const APInt &a, const APInt &b,
          bool isUnsigned) -> std::optional<APInt> {
         if (b.isZero())
           return std::nullopt;
         return isUnsigned ? a.udiv(b) : a.sdiv(b);
       }});
}

OpFoldResult MaxOp::fold(FoldAdaptor adaptor) {
  return foldBroadcastBinary(
      adaptor.getLhs(), adaptor.getRhs(), getType(),
      {[](const APFloat &a, const APFloat &b) { return llvm::maximum(a, b); },
       [](const APInt &a, const APInt &b,
          bool isUnsigned) -> std::optional<APInt> {
         return (isUnsigned ? a.uge(b) : a.sge(b)) ? a : b;
       }});
}

OpFoldResult MinOp::fold(FoldAdaptor adaptor) {
  return foldBroadcastBinary(
      adaptor.getLhs(), adaptor.getRhs(), getType(),
      {[](const APFloat &a, const APFloat &b) { return llvm::minimum(a, b); },
       [](const APInt &a, const APInt &b,
          bool isUnsigned) -> std::optional<APInt> {
         return (isUnsigned ? a.ule(b) : a.sle(b)) ? a : b;
       }});
}

OpFoldResult PReluOp::fold(FoldAdaptor adaptor) {
  return foldBroadcastBinary(
      adaptor.getLhs(), adaptor.getRhs(), getType(),
      {[](const APFloat &x, const APFloat &slope) {
         return x.isNegative() && !x.isZero() ? x * slope : x;
       },
       [](const APInt &x, const APInt &slope,
          bool isUnsigned) -> std::optional<APInt> {
         return !isUnsigned && x.isNegative() ? x * slope : x;
       }});
}

/// And, Or and Xor of constant booleans.
static OpFoldResult
foldLogical(Attribute lhs, Attribute rhs, Type resultType,
            function_ref<APInt(const APInt &, const APInt &)> function) {
  return foldBroadcastBinary(
      lhs, rhs, resultType,
      {[](const APFloat &l, const APFloat &) { return l; },
       [&](const APInt &l, const APInt &r, bool) {
         return std::optional<APInt>(function(l, r));
       }});
}

OpFoldResult AndOp::fold(FoldAdaptor adaptor) {
  return foldLogical(adaptor.getLhs(), adaptor.getRhs(), getType(),
                     [](const APInt &l, const APInt &r) { return l & r; });
}

OpFoldResult OrOp::fold(FoldAdaptor adaptor) {
  return foldLogical(adaptor.getLhs(), adaptor.getRhs(), getType(),
                     [](const APInt &l, const APInt &r) { return l | r; });
}

OpFoldResult XorOp::fold(FoldAdaptor adaptor) {
  return foldLogical(adaptor.getLhs(), adaptor.getRhs(), getType(),
                     [](const APInt &l, const APInt &r) { return l ^ r; });
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  if (auto inner = getInput().getDefiningOp<ReshapeOp>()) {
    getInputMutable().assign(inner.getInput());
    return getResult();
  }
  if (auto constant =
          dyn_cast_if_present<DenseElementsAttr>(adaptor.getInput()))
    return constant.reshape(cast<ShapedType>(getType()));
  return {};
}

OpFoldResult TransposeOp::fold(FoldAdaptor adaptor) {
  ArrayRef<int64_t> permutation = getPermutation();
  if (llvm::equal(permutation, llvm::seq<int64_t>(0, permutation.size())))
    return getInput();
  auto constant = dyn_cast_if_present<DenseElementsAttr>(adaptor.getInput());
  auto type = cast<RankedTensorType>(getType());
  if (!constant || !type.hasStaticShape() ||
      type.getNumElements() > kMaxFoldedElements)
    return {};
  if (constant.isSplat())
    return constant.resizeSplat(type);
  ArrayRef<int64_t> inputShape = constant.getType().getShape();
  SmallVector<int64_t> inputStrides = computeStrides(inputShape);
  SmallVector<int64_t> resultStrides = computeStrides(type.getShape());
  auto values = llvm::to_vector(constant.getValues<Attribute>());
  SmallVector<Attribute> permuted(values.size());
  for (int64_t i = 0, e = values.size(); i < e; ++i) {
    // Result coordinate d is input coordinate permutation[d].
    int64_t source = 0;
    for (size_t d = 0; d < permutation.size(); ++d) {
      int64_t coordinate = (i / resultStrides[d]) % type.getDimSize(d);
      source += coordinate * inputStrides[permutation[d]];
    }
    permuted[i] = values[source];
  }
  return DenseElementsAttr::get(type, permuted);
}

/// One element converted as ONNX Cast does; nullopt when the value does not
/// fit (float to integer out of range, NaN).
static std::optional<Attribute> castElement(Attribute value, Type from,
                                            Type to) {
  bool fromUnsigned = isUnsignedInteger(from);
  if (auto floatTo = dyn_cast<FloatType>(to)) {
    APFloat result(floatTo.getFloatSemantics());
    bool losesInfo;
    if (auto floatValue = dyn_cast<FloatAttr>(value)) {
      result = floatValue.getValue();
      result.convert(floatTo.getFloatSemantics(), APFloat::rmNearestTiesToEven,
                     &losesInfo);
    } else {
      APInt integer = cast<IntegerAttr>(value).getValue();
      result.convertFromAPInt(integer, /*IsSigned=*/!fromUnsigned,
                              APFloat::rmNearestTiesToEven);
    }
    return FloatAttr::get(floatTo, result);
  }
  auto integerTo = cast<IntegerType>(to);
  bool toUnsigned = isUnsignedInteger(to);
  unsigned width = integerTo.getWidth();
  if (auto floatValue = dyn_cast<FloatAttr>(value)) {
    APFloat source = floatValue.getValue();
    if (width == 1)
      return IntegerAttr::get(integerTo, APInt(1, !source.isZero()));
    llvm::APSInt result(width, toUnsigned);
    bool isExact;
    if (source.convertToInteger(result, APFloat::rmTowardZero, &isExact) &
        APFloat::opInvalidOp)
      return std::nullopt;
    return IntegerAttr::get(integerTo, result);
  }
  APInt source = cast<IntegerAttr>(value).getValue();
  if (width == 1)
    return IntegerAttr::get(integerTo, APInt(1, !source.isZero()));
  APInt result =
      fromUnsigned ? source.zextOrTrunc(width) : source.sextOrTrunc(width);
  return IntegerAttr::get(integerTo, result);
}

OpFoldResult CastOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  auto constant = dyn_cast_if_present<DenseElementsAttr>(adaptor.getInput());
  auto type = cast<RankedTensorType>(getType());
  if (!constant || !type.hasStaticShape() ||
      type.getNumElements() > kMaxFoldedElements)
    return {};
  Type from = constant.getElementType(), to = type.getElementType();
  SmallVector<Attribute> values;
  for (Attribute value : constant.getValues<Attribute>()) {
    std::optional<Attribute> converted = castElement(value, from, to);
    if (!converted)
      return {};
    values.push_back(*converted);
  }
  return DenseElementsAttr::get(type, values);
}
