//===- NormFolding.cpp - LayerNorm gamma and beta into the next products --===//
//
// y = LN(x) * gamma + beta read only by products x' W (+ c) becomes
// LN(x) read by x' (diag(gamma) W) + (c + beta W): the normalization keeps
// its epsilon and loses its affine part, so that the channels gamma makes
// large stop being activation outliers (they move into the weights' rows,
// where per-channel scales and rotations handle them). QuaRot's first step.
//
//===----------------------------------------------------------------------===//

#include "quill/Dialect/Quill/IR/Quill.h"
#include "quill/Quantization/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::quill {
#define GEN_PASS_DEF_FOLDNORMSPASS
#include "quill/Quantization/Passes.h.inc"
} // namespace mlir::quill

using namespace mlir;
using namespace mlir::quill;

namespace {

/// The values of a constant f32 operand of `size` elements that only vary
/// along the last axis (a LayerNorm parameter, a bias).
std::optional<SmallVector<float>> getVector(Value value, int64_t size) {
  DenseFPElementsAttr constant;
  if (!value || !matchPattern(value, m_Constant(&constant)) ||
      !constant.getElementType().isF32() || constant.getNumElements() != size ||
      llvm::any_of(constant.getType().getShape().drop_back(),
                   [](int64_t d) { return d != 1; }))
    return std::nullopt;
  return SmallVector<float>(constant.getValues<float>());
}

/// A product reading the normalized tensor: its weight [K, N] (or [N, K]
/// when `transposed`), and the constant its output bias lives in.
struct Reader {
  Operation *op;
  DenseFPElementsAttr weight;
  bool transposed;
};

/// The products reading `norm`'s result, or the reason it cannot fold.
FailureOr<SmallVector<Reader>> getReaders(LayerNormOp norm,
                                          std::string &reason) {
  SmallVector<Reader> readers;
  for (OpOperand &use : norm.getResult().getUses()) {
    Operation *user = use.getOwner();
    DenseFPElementsAttr weight;
    bool fits = false, transposed = false;
    if (auto matmul = dyn_cast<MatMulOp>(user)) {
      fits = use.getOperandNumber() == 0 &&
             matchPattern(matmul.getRhs(), m_Constant(&weight));
    } else if (auto gemm = dyn_cast<GemmOp>(user)) {
      transposed = gemm.getTransB();
      fits = use.getOperandNumber() == 0 && !gemm.getTransA() &&
             matchPattern(gemm.getB(), m_Constant(&weight)) &&
             (!gemm.getC() || gemm.getBeta().convertToDouble() != 0.0);
    }
    if (!fits || weight.getType().getRank() != 2 ||
        !weight.getElementType().isF32()) {
      reason = ("its output is read by '" + user->getName().getStringRef() +
                "', not only by products with constant weights")
                   .str();
      return failure();
    }
    readers.push_back({user, weight, transposed});
  }
  if (readers.empty()) {
    reason = "its output is not read";
    return failure();
  }
  return readers;
}

/// The normalization's affine part, or the reason it cannot fold (an
/// empty reason: there is nothing to fold).
struct AffinePart {
  SmallVector<float> gamma, beta;
  SmallVector<Reader> readers;
};
FailureOr<AffinePart> getAffinePart(LayerNormOp norm, std::string &reason) {
  RankedTensorType type = norm.getInput().getType();
  if (!type.getElementType().isF32() || !type.hasStaticShape() ||
      norm.getAxis() != type.getRank() - 1) {
    reason = "expects a static f32 normalization of the last axis";
    return failure();
  }
  int64_t size = type.getShape().back();
  std::optional<SmallVector<float>> gamma = getVector(norm.getScale(), size);
  std::optional<SmallVector<float>> beta = norm.getBias()
                                               ? getVector(norm.getBias(), size)
                                               : SmallVector<float>(size, 0.0f);
  if (!gamma || !beta) {
    reason = "its scale or bias is not a constant vector";
    return failure();
  }
  if (llvm::all_of(*gamma, [](float g) { return g == 1.0f; }) &&
      llvm::all_of(*beta, [](float b) { return b == 0.0f; }))
    return failure();
  FailureOr<SmallVector<Reader>> readers = getReaders(norm, reason);
  if (failed(readers))
    return failure();
  return AffinePart{std::move(*gamma), std::move(*beta), std::move(*readers)};
}

struct FoldLayerNormIntoProducts : OpRewritePattern<LayerNormOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(LayerNormOp norm,
                                PatternRewriter &rewriter) const override {
    std::string reason;
    FailureOr<AffinePart> affine = getAffinePart(norm, reason);
    if (failed(affine))
      return rewriter.notifyMatchFailure(
          norm, reason.empty() ? "already affine-free" : reason);
    RankedTensorType type = norm.getInput().getType();
    int64_t size = type.getShape().back();
    ArrayRef<float> gamma = affine->gamma, beta = affine->beta;

    Location loc = norm.getLoc();
    for (const Reader &reader : affine->readers) {
      ArrayRef<int64_t> shape = reader.weight.getType().getShape();
      int64_t columns = reader.transposed ? shape[0] : shape[1];
      SmallVector<float> weight(reader.weight.getValues<float>());
      SmallVector<float> shift(columns, 0.0f);
      for (int64_t k = 0; k < size; ++k)
        for (int64_t n = 0; n < columns; ++n) {
          float &w = reader.transposed ? weight[n * size + k]
                                       : weight[k * columns + n];
          shift[n] += beta[k] * w;
          w *= gamma[k];
        }
      rewriter.setInsertionPoint(reader.op);
      Value newWeight = arith::ConstantOp::create(
          rewriter, loc,
          DenseElementsAttr::get(reader.weight.getType(), ArrayRef(weight)));
      bool shifted = llvm::any_of(shift, [](float s) { return s != 0.0f; });
      auto shiftType = RankedTensorType::get({columns}, type.getElementType());
      if (auto gemm = dyn_cast<GemmOp>(reader.op)) {
        // C' = C + (alpha / beta) shift, so that beta C' adds alpha shift.
        double alpha = gemm.getAlpha().convertToDouble();
        double cScale = gemm.getC() ? gemm.getBeta().convertToDouble() : 1.0;
        Value c = gemm.getC();
        if (shifted) {
          std::optional<SmallVector<float>> old =
              c ? getVector(c, columns) : SmallVector<float>(columns, 0.0f);
          if (!old)
            return rewriter.notifyMatchFailure(gemm, "its C is not a vector");
          for (int64_t n = 0; n < columns; ++n)
            (*old)[n] += float(alpha / cScale * shift[n]);
          c = arith::ConstantOp::create(
              rewriter, loc, DenseElementsAttr::get(shiftType, ArrayRef(*old)));
        }
        rewriter.replaceOpWithNewOp<GemmOp>(
            gemm, gemm.getType(), gemm.getA(), newWeight, c,
            gemm.getAlphaAttr(), rewriter.getF32FloatAttr(cScale),
            gemm.getTransAAttr(), gemm.getTransBAttr());
        continue;
      }
      auto matmul = cast<MatMulOp>(reader.op);
      rewriter.modifyOpInPlace(
          matmul, [&] { matmul.getRhsMutable().assign(newWeight); });
      if (!shifted)
        continue;
      // Into the bias the product already adds, or a new add.
      if (matmul->hasOneUse())
        if (auto add = dyn_cast<AddOp>(*matmul->user_begin())) {
          unsigned other = add.getLhs() == matmul.getResult() ? 1 : 0;
          if (std::optional<SmallVector<float>> bias =
                  getVector(add->getOperand(other), columns)) {
            for (int64_t n = 0; n < columns; ++n)
              (*bias)[n] += shift[n];
            rewriter.setInsertionPoint(add);
            Value updated = arith::ConstantOp::create(
                rewriter, loc,
                DenseElementsAttr::get(
                    cast<RankedTensorType>(add->getOperand(other).getType()),
                    ArrayRef(*bias)));
            rewriter.modifyOpInPlace(add,
                                     [&] { add->setOperand(other, updated); });
            continue;
          }
        }
      rewriter.setInsertionPointAfter(matmul);
      Value bias = arith::ConstantOp::create(
          rewriter, loc, DenseElementsAttr::get(shiftType, ArrayRef(shift)));
      auto add = AddOp::create(rewriter, loc, matmul.getType(),
                               matmul.getResult(), bias);
      rewriter.replaceAllUsesExcept(matmul.getResult(), add.getResult(), add);
    }
    rewriter.setInsertionPoint(norm);
    Value ones = arith::ConstantOp::create(
        rewriter, loc,
        DenseElementsAttr::get(
            RankedTensorType::get({size}, type.getElementType()), 1.0f));
    rewriter.replaceOpWithNewOp<LayerNormOp>(norm, type, norm.getInput(), ones,
                                             Value(), norm.getAxisAttr(),
                                             norm.getEpsilonAttr());
    return success();
  }
};

struct FoldNormsPass : quill::impl::FoldNormsPassBase<FoldNormsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldLayerNormIntoProducts>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    // What stays: a remark per normalization that keeps its affine part.
    getOperation().walk([](LayerNormOp norm) {
      std::string reason;
      if (failed(getAffinePart(norm, reason)) && !reason.empty())
        norm.emitRemark("gamma and beta not folded: ") << reason;
    });
  }
};

} // namespace
