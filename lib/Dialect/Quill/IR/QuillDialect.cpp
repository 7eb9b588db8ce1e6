//===- QuillDialect.cpp - Registration of the quill dialect ---------------===//

#include "quill/Dialect/Quill/IR/Quill.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::quill;

#include "quill/Dialect/Quill/IR/QuillOpsDialect.cpp.inc"
#include "quill/Dialect/Quill/IR/QuillOpsEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "quill/Dialect/Quill/IR/QuillOpsAttributes.cpp.inc"

void QuillDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "quill/Dialect/Quill/IR/QuillOps.cpp.inc"
      >();
  registerTypes();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "quill/Dialect/Quill/IR/QuillOpsAttributes.cpp.inc"
      >();
}

Operation *QuillDialect::materializeConstant(OpBuilder &builder,
                                             Attribute value, Type type,
                                             Location loc) {
  return arith::ConstantOp::materialize(builder, value, type, loc);
}
