//===- HadamardKernel.cpp - quill.hadamard as a runtime kernel call -------===//
//
// Replaces the tagged linalg.generic of a quill.hadamard (the O(n b) product
// quill-lower-to-linalg writes) by a call to the runtime's fast
// Walsh-Hadamard kernel, quill_hadamard, with the sign vector and H_K as
// constant globals.
//
//===----------------------------------------------------------------------===//

#include "HadamardKernel.h"
#include "MicrokernelCalls.h"

#include "quill/Conversion/Passes.h"
#include "quill/Dialect/Quill/IR/Hadamard.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::quill;

namespace {

/// Whether `buffer` ([rows, blocks, block size]) can be viewed as [rows,
/// blocks * block size].
bool isCollapsible(Value buffer) {
  auto type = cast<MemRefType>(buffer.getType());
  return type.getRank() == 3 &&
         memref::CollapseShapeOp::isGuaranteedCollapsible(
             type, {ReassociationIndices{0}, ReassociationIndices{1, 2}});
}

Value collapseBlocks(PatternRewriter &rewriter, Location loc, Value buffer) {
  return memref::CollapseShapeOp::create(
      rewriter, loc, buffer, ArrayRef<ReassociationIndices>{{0}, {1, 2}});
}

struct HadamardToKernelCall : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::GenericOp op,
                                PatternRewriter &rewriter) const override {
    auto description = op->getAttrOfType<DictionaryAttr>(kHadamardAttrName);
    if (!description)
      return rewriter.notifyMatchFailure(op, "not a quill.hadamard generic");
    if (!op.hasPureBufferSemantics())
      return rewriter.notifyMatchFailure(op, "expects buffers");
    if (!isCollapsible(op.getDpsInputs()[0]) ||
        !isCollapsible(op.getDpsInits()[0]))
      return rewriter.notifyMatchFailure(op, "blocks are not contiguous");
    // The kernel writes every element: the zero fill the generic
    // accumulated into is dead when it directly precedes it.
    auto fill = dyn_cast_or_null<linalg::FillOp>(op->getPrevNode());
    if (fill && fill.getDpsInits()[0] != op.getDpsInits()[0])
      fill = nullptr;
    Location loc = op.getLoc();
    Value input = collapseBlocks(rewriter, loc, op.getDpsInputs()[0]);
    Value output = collapseBlocks(rewriter, loc, op.getDpsInits()[0]);
    int64_t blockSize = description.getAs<IntegerAttr>("block_size").getInt();
    auto seed = description.getAs<IntegerAttr>("seed");
    int64_t size = cast<MemRefType>(input.getType()).getDimSize(1);
    HadamardFactors factors = *factorHadamardSize(blockSize);

    ModuleOp module = op->getParentOfType<ModuleOp>();
    Type f32 = rewriter.getF32Type();
    SmallVector<float> signs = seed ? getRandomSigns(size, seed.getInt())
                                    : SmallVector<float>(size, 1);
    std::string signsName =
        seed ? "quill_hadamard_signs_" + std::to_string(size) + "_" +
                   std::to_string(seed.getInt())
             : "quill_hadamard_ones_" + std::to_string(size);
    memref::GlobalOp signsGlobal = getOrCreateConstantGlobal(
        module, signsName,
        DenseElementsAttr::get(RankedTensorType::get({size}, f32),
                               ArrayRef(signs)));
    SmallVector<float> table(getHadamardTable(factors.k));
    memref::GlobalOp tableGlobal = getOrCreateConstantGlobal(
        module, "quill_hadamard_table_" + std::to_string(factors.k),
        DenseElementsAttr::get(
            RankedTensorType::get({int64_t(table.size())}, f32),
            ArrayRef(table)));

    auto i64 = [&](int64_t value) {
      return arith::ConstantOp::create(rewriter, loc,
                                       rewriter.getI64IntegerAttr(value));
    };
    SmallVector<Value> arguments = {
        castToStridedMatrix(rewriter, loc, input),
        castToStridedMatrix(rewriter, loc, output),
        readGlobalAsVector(rewriter, loc, signsGlobal),
        readGlobalAsVector(rewriter, loc, tableGlobal),
        i64(factors.k),
        i64(blockSize)};
    func::FuncOp callee = getOrDeclareKernel(module, "quill_hadamard",
                                             ValueRange(arguments).getTypes());
    if (fill)
      rewriter.eraseOp(fill);
    func::CallOp::create(rewriter, loc, callee, arguments);
    rewriter.eraseOp(op);
    return success();
  }
};

} // namespace

void mlir::quill::populateHadamardKernelPatterns(RewritePatternSet &patterns) {
  patterns.add<HadamardToKernelCall>(patterns.getContext());
}
