//===- GPUProducts.h - What every GPU form of a product shares --*- C++ -*-===//
//
// quill-matmul-to-gpu-loops lowers each linalg product to a thread-per-output
// loop nest or a shared-memory tiled kernel (TiledProducts.cpp); both start
// from a ProductLowering.
//
//===----------------------------------------------------------------------===//

#ifndef QUILL_CONVERSION_GPU_GPUPRODUCTS_H
#define QUILL_CONVERSION_GPU_GPUPRODUCTS_H

#include "quill/Conversion/DequantizedWeights.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::quill::products {

/// How one step of the reduction multiplies and accumulates.
enum class Step {
  /// acc + a * b in the accumulator's type (operands extended or cast).
  Scalar,
  /// dp4a: four int8 of A's row times four of B's column, one instruction.
  Dp4a,
};

/// The elementwise generic that reads a product's accumulator buffer (with
/// the identity map) right after the product.
struct Epilogue {
  linalg::GenericOp generic;
  OpOperand *accumulator; // the generic's input that reads the product
};

/// Indices of `map` (a projected permutation) at the iteration `ivs`.
inline SmallVector<Value> applyPermutation(AffineMap map, ValueRange ivs) {
  SmallVector<Value> indices;
  for (AffineExpr result : map.getResults())
    indices.push_back(ivs[cast<AffineDimExpr>(result).getPosition()]);
  return indices;
}

/// What every GPU form of a plain (batch_)matmul `C += A B` on buffers
/// shares: its operands, how a step multiplies and accumulates, and where a
/// finished sum goes (C, or the fused epilogue's output).
struct ProductLowering {
  Value lhs, rhs, out;
  bool unsignedCast;
  /// B is read as B[batch..., n, k] (the int8 convolutions' weights).
  bool rhsTransposed;
  Step step;
  /// The fill of C just before the product, if any: the accumulators start
  /// from its value and it goes away.
  linalg::FillOp fill;
  std::optional<Epilogue> epilogue;
  /// B as a dequantize generic computes it from codes and scales: each step
  /// decodes its element in registers (the generic's body on the codes and
  /// scales it reads there) instead of loading an f32 copy.
  std::optional<DequantizedWeight> rhsDecoder;

protected:
  int64_t getRank() const { return cast<MemRefType>(out.getType()).getRank(); }
  int64_t getDepth() const {
    return cast<MemRefType>(lhs.getType()).getShape().back();
  }
  Type getAccumulatorType() const {
    return cast<MemRefType>(out.getType()).getElementType();
  }

  /// A[batch..., m, k] and B[batch..., k, n] (or B[batch..., n, k])
  /// indices at the output iteration `ivs` and step `k`.
  SmallVector<Value> lhsIndices(ValueRange ivs, Value k) const {
    SmallVector<Value> indices(ivs.drop_back());
    indices.push_back(k);
    return indices;
  }
  SmallVector<Value> rhsIndices(ValueRange ivs, Value k) const {
    SmallVector<Value> indices(ivs.drop_back(2));
    if (rhsTransposed) {
      indices.push_back(ivs.back());
      indices.push_back(k);
    } else {
      indices.push_back(k);
      indices.push_back(ivs.back());
    }
    return indices;
  }

  /// An operand element in the accumulator's type, as the op's cast says.
  Value extend(OpBuilder &b, Location loc, Value value) const {
    Type type = getAccumulatorType();
    if (value.getType() == type)
      return value;
    if (isa<FloatType>(type))
      return arith::ExtFOp::create(b, loc, type, value);
    if (unsignedCast)
      return arith::ExtUIOp::create(b, loc, type, value);
    return arith::ExtSIOp::create(b, loc, type, value);
  }

  /// One step: acc + a * b on extended elements (floats rounded once), or
  /// for dp4a the four bytes of A's row dotted with the four of B's column.
  Value multiplyAdd(OpBuilder &b, Location loc, Value a, Value column,
                    Value acc) const {
    if (step == Step::Dp4a) {
      auto signedBytes = NVVM::DotAccumulateTypeAttr::get(
          b.getContext(), NVVM::DotAccumulateType::SIGNED);
      return NVVM::DotAccumulate4WayOp::create(
          b, loc, b.getI32Type(), a, signedBytes, column, signedBytes, acc);
    }
    // A fused multiply-add: the GPU's float throughput is counted in FMAs,
    // and a multiply and an add each rounded (PTX .rn) are never fused.
    if (isa<FloatType>(acc.getType()))
      return math::FmaOp::create(b, loc, a, column, acc);
    return arith::AddIOp::create(b, loc, acc,
                                 arith::MulIOp::create(b, loc, a, column));
  }

  /// The value an accumulator starts from at the output iteration `ivs`:
  /// the fill's value, or C's element.
  Value loadInitial(OpBuilder &b, Location loc, ValueRange ivs) const {
    if (fill)
      return linalg::FillOp(fill).value();
    return memref::LoadOp::create(b, loc, out, ivs);
  }

  /// Stores the finished `sum` of the output iteration `ivs`: into C, or
  /// through the epilogue's body (reading `sum` for the product) into its
  /// output.
  void storeResult(OpBuilder &b, Location loc, ValueRange ivs,
                   Value sum) const {
    if (!epilogue) {
      memref::StoreOp::create(b, loc, sum, out, ivs);
      return;
    }
    linalg::GenericOp generic = epilogue->generic;
    IRMapping mapping;
    for (OpOperand &operand : generic->getOpOperands()) {
      BlockArgument argument = generic.getMatchingBlockArgument(&operand);
      if (&operand == epilogue->accumulator) {
        mapping.map(argument, sum);
        continue;
      }
      if (argument.use_empty())
        continue;
      SmallVector<Value> indices =
          applyPermutation(generic.getMatchingIndexingMap(&operand), ivs);
      mapping.map(argument,
                  memref::LoadOp::create(b, loc, operand.get(), indices));
    }
    Block *body = generic.getBody();
    for (Operation &op : body->without_terminator())
      b.clone(op, mapping);
    OpOperand *output = generic.getDpsInitOperand(0);
    Value result = mapping.lookupOrDefault(
        cast<linalg::YieldOp>(body->getTerminator()).getOperand(0));
    memref::StoreOp::create(
        b, loc, result, output->get(),
        applyPermutation(generic.getMatchingIndexingMap(output), ivs));
  }
};

/// Whether a product of these buffers gets a shared-memory tiled kernel:
/// large enough for 64 x 64 tiles, and of a supported form.
bool isTiledKernelProfitable(MemRefType lhsType, MemRefType rhsType,
                             MemRefType outType);

/// Builds the tiled kernel (a gpu.launch) of `product` at the rewriter's
/// insertion point.
void buildTiledKernel(const ProductLowering &product, PatternRewriter &rewriter,
                      Location loc);

} // namespace mlir::quill::products

#endif // QUILL_CONVERSION_GPU_GPUPRODUCTS_H
