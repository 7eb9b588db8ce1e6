//===- MicrokernelCalls.h - Calling the runtime's kernels -------*- C++ -*-===//
//
// What the passes that replace linalg products by runtime kernel calls
// share: the strided matrix signature, the kernels' declarations, constant
// globals read at compile time or created to hold packed weights, and the
// operand orientation of a linalg.matmul.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_LIB_CONVERSION_CPU_MICROKERNELCALLS_H
#define QUILL_LIB_CONVERSION_CPU_MICROKERNELCALLS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

#include <optional>

namespace mlir::quill {

/// `memref<?x?xT, strided<[?, ?], offset: ?>>`: the kernels' one signature
/// for every matrix.
MemRefType getStridedMatrixType(Type elementType);
/// `matrix` cast to getStridedMatrixType.
Value castToStridedMatrix(OpBuilder &b, Location loc, Value matrix);

/// The private declaration of runtime function `name`, called through its C
/// interface (`_mlir_ciface_<name>(descriptor *, ...)`), created once.
func::FuncOp getOrDeclareKernel(ModuleOp module, StringRef name,
                                TypeRange argumentTypes);

/// A private constant global holding `values`, created once per name.
memref::GlobalOp getOrCreateConstantGlobal(ModuleOp module, StringRef name,
                                           DenseElementsAttr values);
/// All of `global`, read as a 1-d memref of dynamic size.
Value readGlobalAsVector(OpBuilder &b, Location loc, memref::GlobalOp global);

/// The initial value of the constant global `value` reads, if it is one of
/// `AttrTy`.
template <typename AttrTy>
AttrTy getConstantGlobal(Operation *user, Value value) {
  auto read = value.getDefiningOp<memref::GetGlobalOp>();
  if (!read)
    return {};
  auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
      user, read.getNameAttr());
  if (!global || !global.getConstant())
    return {};
  return dyn_cast_or_null<AttrTy>(global.getInitialValueAttr());
}

/// How a linalg.matmul reads its operands: A as [M, K] or transposed [K, M],
/// B as [K, N] or transposed [N, K]; C is [M, N]. None for other maps.
struct MatmulLayout {
  bool transposeLhs;
  bool transposeRhs;
};
std::optional<MatmulLayout> getMatmulLayout(linalg::MatmulOp op);

} // namespace mlir::quill

#endif // QUILL_LIB_CONVERSION_CPU_MICROKERNELCALLS_H
