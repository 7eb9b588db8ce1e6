//===- VerifyIntegerOnly.cpp - No floating point in the integer region ----===//
//
// The check behind `--integer-only`: once the dyadic rewrite has run, every
// op between the model's input quantization and its output dequantization
// must compute on integers.
//
//===----------------------------------------------------------------------===//

#include "quill/Quantization/Passes.h"

#include "quill/Dialect/Quill/IR/Quill.h"

namespace mlir::quill {
#define GEN_PASS_DEF_VERIFYINTEGERONLYPASS
#include "quill/Quantization/Passes.h.inc"
} // namespace mlir::quill

using namespace mlir;
using namespace mlir::quill;

namespace {

bool isFloatType(Type type) {
  return isa<FloatType>(getElementTypeOrSelf(type));
}

/// The first floating-point type among `op`'s operands and results.
Type getFloatType(Operation *op) {
  for (Type type : op->getOperandTypes())
    if (isFloatType(type))
      return type;
  for (Type type : op->getResultTypes())
    if (isFloatType(type))
      return type;
  return {};
}

/// The ops allowed to touch floating point: a quantize of a model input,
/// a dequantize whose result is only returned.
bool isBoundary(Operation &op) {
  if (auto quantize = dyn_cast<QuantizeOp>(op))
    return isa<BlockArgument>(quantize.getInput());
  if (isa<DequantizeOp>(op))
    return llvm::all_of(op.getUsers(), [](Operation *user) {
      return isa<func::ReturnOp>(user);
    });
  return false;
}

/// The ONNX node an op came from, when its location names one.
std::optional<StringRef> getNodeName(Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc))
    return name.getName().strref();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location part : fused.getLocations())
      if (std::optional<StringRef> name = getNodeName(part))
        return name;
  return std::nullopt;
}

struct VerifyIntegerOnlyPass
    : quill::impl::VerifyIntegerOnlyPassBase<VerifyIntegerOnlyPass> {
  void runOnOperation() override {
    func::FuncOp function = getOperation();
    if (function.isDeclaration())
      return;
    bool failed = false;
    for (Operation &op : function.getBody().front()) {
      // Constants compute nothing; their float users are reported.
      if (isa<func::ReturnOp>(op) || isBoundary(op) ||
          op.hasTrait<OpTrait::ConstantLike>())
        continue;
      Type type = getFloatType(&op);
      if (!type)
        continue;
      InFlightDiagnostic diagnostic = op.emitError();
      if (std::optional<StringRef> node = getNodeName(op.getLoc()))
        diagnostic << "node '" << *node << "' ";
      diagnostic << "('" << op.getName() << "') computes in floating point ("
                 << type
                 << "): integer-only code has floating point only in the "
                    "quantization of inputs and the dequantization of outputs";
      failed = true;
    }
    if (failed)
      signalPassFailure();
  }
};

} // namespace
