//===- MicrokernelCalls.cpp - Calling the runtime's kernels ---------------===//

#include "MicrokernelCalls.h"

using namespace mlir;
using namespace mlir::quill;

MemRefType mlir::quill::getStridedMatrixType(Type elementType) {
  MLIRContext *context = elementType.getContext();
  auto layout =
      StridedLayoutAttr::get(context, ShapedType::kDynamic,
                             {ShapedType::kDynamic, ShapedType::kDynamic});
  return MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic},
                         elementType, layout);
}

Value mlir::quill::castToStridedMatrix(OpBuilder &b, Location loc,
                                       Value matrix) {
  Type element = cast<MemRefType>(matrix.getType()).getElementType();
  return memref::CastOp::create(b, loc, getStridedMatrixType(element), matrix);
}

func::FuncOp mlir::quill::getOrDeclareKernel(ModuleOp module, StringRef name,
                                             TypeRange argumentTypes) {
  if (auto existing = module.lookupSymbol<func::FuncOp>(name))
    return existing;
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  auto callee = func::FuncOp::create(b, module.getLoc(), name,
                                     b.getFunctionType(argumentTypes, {}));
  callee.setPrivate();
  callee->setAttr("llvm.emit_c_interface", b.getUnitAttr());
  return callee;
}

memref::GlobalOp
mlir::quill::getOrCreateConstantGlobal(ModuleOp module, StringRef name,
                                       DenseElementsAttr values) {
  if (auto existing = module.lookupSymbol<memref::GlobalOp>(name))
    return existing;
  auto tensorType = cast<RankedTensorType>(values.getType());
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  return memref::GlobalOp::create(
      b, module.getLoc(), name, b.getStringAttr("private"),
      MemRefType::get(tensorType.getShape(), tensorType.getElementType()),
      values, /*constant=*/true, b.getI64IntegerAttr(64));
}

Value mlir::quill::readGlobalAsVector(OpBuilder &b, Location loc,
                                      memref::GlobalOp global) {
  Value whole = memref::GetGlobalOp::create(b, loc, global.getType(),
                                            global.getSymName());
  auto vectorType = MemRefType::get({ShapedType::kDynamic},
                                    global.getType().getElementType());
  return memref::CastOp::create(b, loc, vectorType, whole);
}

std::optional<MatmulLayout> mlir::quill::getMatmulLayout(linalg::MatmulOp op) {
  MLIRContext *context = op.getContext();
  AffineExpr m, n, k;
  bindDims(context, m, n, k);
  auto map = [&](AffineExpr first, AffineExpr second) {
    return AffineMap::get(3, 0, {first, second}, context);
  };
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  if (maps[2] != map(m, n))
    return std::nullopt;
  MatmulLayout layout{maps[0] == map(k, m), maps[1] == map(n, k)};
  if ((!layout.transposeLhs && maps[0] != map(m, k)) ||
      (!layout.transposeRhs && maps[1] != map(k, n)))
    return std::nullopt;
  return layout;
}
