//===- Hadamard.cpp - Lowering quill.hadamard -----------------------------===//
//
// quill.hadamard becomes one linalg.generic that computes the rotation as
// its definition states it, a product with the block's matrix whose entries
// are formed in the loop body (sign * H_K entry * Walsh sign / sqrt(b)): right
// on every target, O(n b) per row. The generic is tagged with
// kHadamardAttrName so that the CPU path replaces it by the runtime's fast
// Walsh-Hadamard kernel, O(n log b).
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"

#include "quill/Conversion/Passes.h"
#include "quill/Dialect/Quill/IR/Hadamard.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;
using namespace mlir::quill;
using namespace mlir::quill::lowering;

namespace {

struct HadamardLowering : OpConversionPattern<HadamardOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(HadamardOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = op.getInput().getType();
    if (!type.getElementType().isF32() || !type.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "expects a static f32 tensor");
    Location loc = op.getLoc();
    MLIRContext *context = getContext();
    int64_t size = type.getShape().back(), blockSize = op.getBlockSize();
    HadamardFactors factors = *factorHadamardSize(blockSize);
    int64_t rows = type.getNumElements() / size, blocks = size / blockSize;
    Type f32 = rewriter.getF32Type();

    Value input =
        reshapeTo(rewriter, loc, adaptor.getInput(), {rows, blocks, blockSize});
    SmallVector<float> signs(size, 1.0f);
    if (std::optional<uint64_t> seed = op.getSeed())
      signs = getRandomSigns(size, *seed);
    Value signTensor = arith::ConstantOp::create(
        rewriter, loc,
        DenseElementsAttr::get(RankedTensorType::get({blocks, blockSize}, f32),
                               ArrayRef(signs)));
    Value tableTensor;
    if (factors.k > 1) {
      SmallVector<float> table(getHadamardTable(factors.k));
      tableTensor = arith::ConstantOp::create(
          rewriter, loc,
          DenseElementsAttr::get(
              RankedTensorType::get({factors.k, factors.k}, f32),
              ArrayRef(table)));
    }
    Value zero =
        arith::ConstantOp::create(rewriter, loc, rewriter.getF32FloatAttr(0));
    Value init = createFilled(rewriter, loc, {rows, blocks, blockSize}, zero);

    // Loops (row, block, j, i): y[row, block, j] += x[.., i] * M[i, j].
    AffineExpr row, block, j, i;
    bindDims(context, row, block, j, i);
    SmallVector<AffineMap> maps = {
        AffineMap::get(4, 0, {row, block, i}, context),
        AffineMap::get(4, 0, {block, i}, context),
        AffineMap::get(4, 0, {row, block, j}, context)};
    SmallVector<utils::IteratorType> iterators(3,
                                               utils::IteratorType::parallel);
    iterators.push_back(utils::IteratorType::reduction);
    float scale = 1.0f / std::sqrt(float(blockSize));
    int64_t powerOfTwo = factors.powerOfTwo;
    auto generic = linalg::GenericOp::create(
        rewriter, loc, init.getType(), ValueRange{input, signTensor}, init,
        maps, iterators, [&](OpBuilder &b, Location l, ValueRange args) {
          Type i64 = b.getI64Type();
          auto index = [&](unsigned dim) {
            return arith::IndexCastOp::create(
                b, l, i64, linalg::IndexOp::create(b, l, dim));
          };
          auto constant = [&](int64_t value) {
            return arith::ConstantOp::create(b, l, b.getI64IntegerAttr(value));
          };
          Value in = index(3), out = index(2);
          // Sylvester: H_2^p[a, b] = (-1)^popcount(a & b).
          Value lowMask = constant(powerOfTwo - 1);
          Value common = arith::AndIOp::create(
              b, l, arith::AndIOp::create(b, l, in, out), lowMask);
          Value parity = arith::AndIOp::create(
              b, l, math::CtPopOp::create(b, l, common), constant(1));
          Value negative = arith::CmpIOp::create(b, l, arith::CmpIPredicate::ne,
                                                 parity, constant(0));
          Value coefficient = arith::MulFOp::create(
              b, l, args[1],
              arith::ConstantOp::create(b, l, b.getF32FloatAttr(scale)));
          if (factors.k > 1) {
            auto tableIndex = [&](Value position) {
              return arith::IndexCastOp::create(
                  b, l, b.getIndexType(),
                  arith::DivUIOp::create(b, l, position, constant(powerOfTwo)));
            };
            Value entry = tensor::ExtractOp::create(
                b, l, tableTensor, ValueRange{tableIndex(in), tableIndex(out)});
            coefficient = arith::MulFOp::create(b, l, coefficient, entry);
          }
          coefficient = arith::SelectOp::create(
              b, l, negative, arith::NegFOp::create(b, l, coefficient),
              coefficient);
          Value product = arith::MulFOp::create(b, l, args[0], coefficient);
          linalg::YieldOp::create(
              b, l, ValueRange{arith::AddFOp::create(b, l, args[2], product)});
        });
    NamedAttrList description;
    description.set("block_size", rewriter.getI64IntegerAttr(blockSize));
    if (std::optional<uint64_t> seed = op.getSeed())
      description.set("seed", rewriter.getI64IntegerAttr(*seed));
    generic->setAttr(kHadamardAttrName,
                     description.getDictionary(rewriter.getContext()));
    rewriter.replaceOp(
        op, reshapeTo(rewriter, loc, generic.getResult(0), type.getShape()));
    return success();
  }
};

} // namespace

void mlir::quill::lowering::populateHadamardPatterns(
    StorageTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<HadamardLowering>(converter, patterns.getContext());
}
