//===- QuillTypes.cpp - Quill element types -------------------------------===//

#include "quill/Dialect/Quill/IR/Quill.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::quill;

#define GET_TYPEDEF_CLASSES
#include "quill/Dialect/Quill/IR/QuillOpsTypes.cpp.inc"

void QuillDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "quill/Dialect/Quill/IR/QuillOpsTypes.cpp.inc"
      >();
}

static bool isSupportedFloatStorage(Type type) {
  return isa<Float8E4M3FNType, Float8E5M2Type>(type);
}

LogicalResult
FloatQuantType::verify(function_ref<InFlightDiagnostic()> emitError,
                       FloatType storageType, FloatType expressedType,
                       DenseF64ArrayAttr scalesAttr,
                       std::optional<int32_t> axis) {
  ArrayRef<double> scales = scalesAttr.asArrayRef();
  if (!isSupportedFloatStorage(storageType))
    return emitError() << "expected storage type f8E4M3FN or f8E5M2, got "
                       << storageType;
  if (expressedType.getWidth() <= storageType.getWidth())
    return emitError() << "expected an expressed type wider than the "
                          "storage type, got "
                       << expressedType;
  if (scales.empty())
    return emitError() << "expected at least one scale";
  if (!axis && scales.size() != 1)
    return emitError() << "expected one scale for per-tensor quantization, got "
                       << scales.size();
  if (axis && *axis < 0)
    return emitError() << "expected a non-negative quantized axis, got "
                       << *axis;
  for (double scale : scales)
    if (!std::isfinite(scale) || scale <= 0.0)
      return emitError() << "expected positive finite scales, got " << scale;
  return success();
}

double FloatQuantType::getStorageMax() const {
  return llvm::APFloat::getLargest(getStorageType().getFloatSemantics())
      .convertToDouble();
}

// !quill.float_quant<f8E4M3FN:f32, 0.25>
// !quill.float_quant<f8E4M3FN:f32:1, {0.25, 0.5}>
Type FloatQuantType::parse(AsmParser &parser) {
  SMLoc loc = parser.getCurrentLocation();
  FloatType storageType, expressedType;
  if (parser.parseLess() || parser.parseType(storageType) ||
      parser.parseColon() || parser.parseType(expressedType))
    return {};
  std::optional<int32_t> axis;
  if (succeeded(parser.parseOptionalColon())) {
    int32_t axisValue;
    if (parser.parseInteger(axisValue))
      return {};
    axis = axisValue;
  }
  if (parser.parseComma())
    return {};
  SmallVector<double> scales;
  auto parseScale = [&]() { return parser.parseFloat(scales.emplace_back()); };
  if (succeeded(parser.parseOptionalLBrace())) {
    if (parser.parseCommaSeparatedList(parseScale) || parser.parseRBrace())
      return {};
  } else if (parseScale()) {
    return {};
  }
  if (parser.parseGreater())
    return {};
  MLIRContext *context = parser.getContext();
  return parser.getChecked<FloatQuantType>(
      loc, context, storageType, expressedType,
      DenseF64ArrayAttr::get(context, scales), axis);
}

void FloatQuantType::print(AsmPrinter &printer) const {
  printer << "<" << getStorageType() << ":" << getExpressedType();
  if (getAxis())
    printer << ":" << *getAxis();
  printer << ", ";
  if (getAxis())
    printer << "{";
  llvm::interleaveComma(getScales().asArrayRef(), printer, [&](double scale) {
    printer.printFloat(llvm::APFloat(scale));
  });
  if (getAxis())
    printer << "}";
  printer << ">";
}
